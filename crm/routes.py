"""Every feature's routes, joined once at import: its API blueprint under /api/v1 (the
organization's records under /api/v1/crm) and its pages."""

from flask import Flask

from crm.accounts import api as accounts_api
from crm.accounts import views as accounts_pages
from crm.activities import views as activity_pages
from crm.api import api, crm, docs
from crm.board import views as board_pages
from crm.deals import api as deals_api
from crm.deals import views as deal_pages
from crm.directory import api as directory_api
from crm.platform.security import csrf

crm.register_blueprint(deals_api.bp)
crm.register_blueprint(deals_api.activities_bp)
crm.register_blueprint(deals_api.pipeline_bp)
crm.register_blueprint(directory_api.bp)
api.register_blueprint(accounts_api.bp)
api.register_blueprint(docs.bp)
api.register_blueprint(crm)
# The API is used by scripts with the cookie or a Bearer token and no CSRF token; browsers are kept
# out by the cross-site check of crm/api and by JSON-only bodies (a form on another site cannot send
# application/json without a CORS preflight, which this app never allows).
for blueprint in (api, crm, accounts_api.bp, deals_api.bp, deals_api.activities_bp, deals_api.pipeline_bp, directory_api.bp):
    csrf.exempt(blueprint)
PAGES = (accounts_pages.bp, board_pages.bp, deal_pages.bp, activity_pages.bp)


def register_routes(app: Flask) -> None:
    app.register_blueprint(api)
    for blueprint in PAGES:
        app.register_blueprint(blueprint)

"""Companies, contacts and members: so that clients can find and make the ids deals point to."""

from flask import Blueprint, jsonify
from flask_login import current_user

from crm.api.inputs import json_object, query_params
from crm.api.serialize import company_json, contact_json, member_json, page_json
from crm.directory import queries as directory

bp = Blueprint("directory_api", __name__)


@bp.get("/companies")
def list_companies():
    """List the organization's companies by name."""
    return jsonify(page_json(directory.list_companies(current_user.organization_id, _query()), company_json))


@bp.post("/companies")
def create_company():
    """Create a company."""
    company = directory.create_company(current_user.organization_id, json_object())
    return jsonify({"company": company_json(company)}), 201


@bp.get("/companies/<company_id>")
def get_company(company_id: str):
    """Show one company."""
    return jsonify({"company": company_json(directory.get_company(current_user.organization_id, company_id))})


@bp.get("/contacts")
def list_contacts():
    """List the organization's contacts by name."""
    return jsonify(page_json(directory.list_contacts(current_user.organization_id, _query()), contact_json))


@bp.post("/contacts")
def create_contact():
    """Create a contact."""
    contact = directory.create_contact(current_user.organization_id, json_object())
    return jsonify({"contact": contact_json(contact)}), 201


@bp.get("/contacts/<contact_id>")
def get_contact(contact_id: str):
    """Show one contact."""
    return jsonify({"contact": contact_json(directory.get_contact(current_user.organization_id, contact_id))})


@bp.get("/members")
def list_members():
    """List the organization's members (the users deals can be assigned to)."""
    return jsonify(page_json(directory.list_members(current_user.organization_id, _query()), member_json))


def _query() -> directory.DirectoryQuery:
    return directory.DirectoryQuery.from_params(query_params())

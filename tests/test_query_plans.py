"""Every list variant is served by an index that matches it, on both databases: the organization
first, the sort key next, the id as the tie-breaker; a search starts from the trigram index."""

import itertools
import re

import pytest
from sqlalchemy import func, insert, select, text

from crm.core.clock import now_utc
from crm.core.database import db
from crm.core.ids import new_id
from crm.core.listing import Params
from crm.core.text import fold
from crm.deals import operations, queries
from crm.deals.totals import recount
from crm.models import Deal, Stage
from tests.conftest import make_organization_with_deals

SORTS = ["created_at", "updated_at", "name", "amount"]
INDEX_OF_SORT = {"created_at": "created", "updated_at": "updated", "name": "name", "amount": "amount"}
VARIANTS = [
    (sort, order, stage)
    for sort, order, stage in itertools.product(SORTS, ["asc", "desc"], [None, "proposal"])
]


def plan_of(query_params: dict, forbidden=("enable_seqscan", "enable_bitmapscan", "enable_sort")) -> str:
    """The database's plan for one page of the list, as text."""
    params = Params({name: [value] for name, value in query_params.items() if value is not None})
    organization_id = db.session.execute(text("SELECT id FROM organizations LIMIT 1")).scalar()
    select = queries.page_query(organization_id, queries.DealQuery.from_params(params))
    compiled = select.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "sqlite":
        rows = db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        return "\n".join(row[-1] for row in rows)
    # Tiny test tables make scanning and sorting cheapest; forbid both to see whether an index can
    # deliver the rows in order (a Sort node left in the plan means none can).
    for setting in forbidden:
        db.session.execute(text(f"SET LOCAL {setting} = off"))
    return "\n".join(row[0] for row in db.session.execute(text(f"EXPLAIN {compiled}")).all())


@pytest.mark.parametrize(("sort", "order", "stage"), VARIANTS)
def test_each_sort_and_stage_filter_reads_a_matching_index_in_order(app, sort, order, stage):
    with app.app_context():
        owner = make_organization_with_deals(20)
        for index in range(6):  # deals without an amount, which sort last in both orders
            operations.create_deal(owner, {"name": f"Unpriced {index}", "stage": ["lead", "proposal"][index % 2]})
        db.session.execute(text("ANALYZE"))
        plan = plan_of({"sort": sort, "order": order, "stage": stage, "offset": "10"})

    expected = f"ix_deals_org_{'stage_' if stage else ''}{INDEX_OF_SORT[sort]}"
    if sort == "amount" and order == "asc":
        expected += "_asc"  # the index that puts the deals without an amount last going up
    assert re.search(rf"\b{expected}\b", plan), plan
    assert not sorts_rows(plan), plan


@pytest.mark.parametrize("stage", [None, "lead"])
@pytest.mark.parametrize("term", ["zebra", "しまうま"], ids=["latin", "kana"])  # しまうま finds シマウマ: both fold alike
def test_search_for_a_rare_term_starts_from_the_trigram_index(app, stage, term):
    with app.app_context():
        owner = make_organization_with_deals(1)
        rare = ["Zebra crossing", "シマウマの横断歩道"]
        insert_deals(owner.organization_id, [f"Deal {index}" for index in range(3000)] + rare)
        db.session.execute(text("ANALYZE"))
        # A GIN index is read with a bitmap scan, then the few matches are sorted.
        plan = plan_of({"search": term, "stage": stage}, forbidden=("enable_seqscan",))
        if db.engine.dialect.name == "sqlite":
            assert "deals_fts VIRTUAL TABLE" in plan, plan
            assert "ux_deals_search_key" in plan or "ix_deals_search_cover" in plan, plan
        else:
            assert "ix_deals_name_trgm" in plan, plan


def test_a_broad_search_walks_the_sort_index_instead_of_sorting_every_match(app):
    with app.app_context():
        owner = make_organization_with_deals(1)
        insert_deals(owner.organization_id, [f"Annual plan {index}" for index in range(3000)] + ["Pilot"])
        db.session.execute(text("ANALYZE"))
        query = queries.DealQuery.from_params(Params({"search": ["annual plan"]}))
        select_page = queries.page_query(owner.organization_id, query, broad_search=True)
        compiled = select_page.compile(db.engine, compile_kwargs={"literal_binds": True})
        if db.engine.dialect.name == "sqlite":
            plan = "\n".join(row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all())
        else:
            plan = "\n".join(row[0] for row in db.session.execute(text(f"EXPLAIN {compiled}")).all())

    assert "ix_deals_org_created" in plan, plan
    assert not sorts_rows(plan), plan


def test_a_searchs_total_counts_its_matches_from_an_index_alone_on_sqlite(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL counts through its trigram index's bitmap")
        owner = make_organization_with_deals(1)
        insert_deals(owner.organization_id, [f"Annual plan {index}" for index in range(3000)])
        db.session.execute(text("ANALYZE"))
        matching = queries.matching_deals(owner.organization_id, queries.DealFilter(search="annual plan"))
        counted = select(func.count()).select_from(matching.subquery())
        compiled = counted.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = "\n".join(row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all())

    assert "deals_fts VIRTUAL TABLE" in plan, plan
    assert "COVERING INDEX ix_deals_search_cover" in plan, plan


def insert_deals(organization_id: str, names: list[str]) -> None:
    """Many deals at once (through the table, as a bulk import would), so the planner sees a real size."""
    db.session.execute(
        insert(Deal),
        [{"id": new_id("deal"), "organization_id": organization_id, "name": name, "name_norm": fold(name),
          "currency": "JPY", "stage": Stage.LEAD, "created_at": now_utc(), "updated_at": now_utc()} for name in names],
    )
    recount(organization_id)
    db.session.commit()


def sorts_rows(plan: str) -> bool:
    """Whether the plan sorts rows itself instead of reading them in index order."""
    return "TEMP B-TREE FOR ORDER BY" in plan or any(line.strip().startswith("Sort") for line in plan.splitlines())

"""`flask crm ...`: database set-up, users, API tokens and demo data, checked through the API."""

import re

import pytest
from sqlalchemy import func, select

from crm.core.database import db
from crm.models import Organization, User
from tests.conftest import PASSWORD

SIGN_IN = "/api/v1/auth/sign-in"
DEALS = "/api/v1/crm/deals"
STAGES = ["lead", "qualification", "proposal", "negotiation", "closed_won", "closed_lost"]
STAGE_CHANGE = re.compile(r"(\w+) → (\w+)")


def invoke(runner, *args):
    return runner.invoke(args=["crm", *args])


def create_user(runner, org, email, name="Ann Example", password=PASSWORD):
    return invoke(runner, "create-user", "--org", org, "--email", email, "--name", name, "--password", password)


def sign_in(app, email, password=PASSWORD):
    return app.test_client().post(SIGN_IN, json={"email": email, "password": password})


def get(app, path, token, **query):
    return app.test_client().get(path, headers={"Authorization": f"Bearer {token}"}, query_string=query)


def counts(app):
    with app.app_context():
        return {
            "users": db.session.scalar(select(func.count()).select_from(User)),
            "organizations": db.session.scalar(select(func.count()).select_from(Organization)),
        }


# --- init-db ------------------------------------------------------------------------------------


def test_init_db_succeeds_when_run_twice(runner):
    first = invoke(runner, "init-db")
    second = invoke(runner, "init-db")

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output


# --- create-user --------------------------------------------------------------------------------


def test_create_user_prints_the_user_id_and_the_user_can_sign_in(app, runner):
    result = create_user(runner, "Acme", "ann@example.com", name="Ann Example")

    assert result.exit_code == 0, result.output
    user_id = result.stdout.strip()
    assert re.fullmatch(r"usr_[0-9a-f]{32}", user_id)
    response = sign_in(app, "ann@example.com")
    assert response.status_code == 200
    user = response.get_json()["user"]
    assert user["id"] == user_id
    assert user["email"] == "ann@example.com"
    assert user["name"] == "Ann Example"


def test_create_user_with_an_existing_org_joins_that_organization(app, runner):
    assert create_user(runner, "Acme", "ann@example.com").exit_code == 0
    assert create_user(runner, "Other Corp", "olga@example.com").exit_code == 0

    result = create_user(runner, "Acme", "bob@example.com", name="Bob Builder")

    assert result.exit_code == 0, result.output
    ann = sign_in(app, "ann@example.com").get_json()
    bob = sign_in(app, "bob@example.com").get_json()
    olga = sign_in(app, "olga@example.com").get_json()
    assert bob["user"]["organization_id"] == ann["user"]["organization_id"]
    assert olga["user"]["organization_id"] != ann["user"]["organization_id"]
    members = get(app, "/api/v1/crm/members", bob["token"]).get_json()
    assert sorted(item["email"] for item in members["items"]) == ["ann@example.com", "bob@example.com"]


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("taken@example.com", PASSWORD, "email"),
        ("TAKEN@Example.com", PASSWORD, "email"),
        ("newcomer@example.com", "short12", "password"),
        ("newcomer@example.com", "", "password"),
        ("not-an-email", PASSWORD, "email"),
        ("newcomer@", PASSWORD, "email"),
    ],
    ids=["duplicate-email", "duplicate-email-other-case", "seven-character-password", "empty-password",
         "email-without-at", "email-without-domain"],
)
def test_create_user_with_bad_input_fails_with_a_message_and_creates_nothing(app, runner, email, password, field):
    assert create_user(runner, "Acme", "taken@example.com").exit_code == 0
    before = counts(app)

    result = create_user(runner, "Brand New Org", email, password=password)

    assert result.exit_code != 0
    assert field in result.output
    assert not re.search(r"usr_[0-9a-f]{32}", result.stdout)
    assert counts(app) == before
    with app.app_context():
        assert db.session.scalar(select(Organization).where(Organization.name == "Brand New Org")) is None


# --- create-token -------------------------------------------------------------------------------


def test_create_token_prints_only_a_token_that_works_as_bearer(app, runner):
    assert create_user(runner, "Acme", "ann@example.com").exit_code == 0
    ann = sign_in(app, "ann@example.com").get_json()
    deal = app.test_client().post(
        DEALS, json={"name": "Ann's deal"}, headers={"Authorization": f"Bearer {ann['token']}"}
    ).get_json()["deal"]

    result = invoke(runner, "create-token", "--email", "ann@example.com")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    token = lines[0]
    assert token and token == token.strip() and " " not in token
    response = get(app, DEALS, token)
    assert response.status_code == 200
    assert [item["id"] for item in response.get_json()["items"]] == [deal["id"]]


def test_create_token_gives_a_new_token_each_time(app, runner):
    assert create_user(runner, "Acme", "ann@example.com").exit_code == 0

    first = invoke(runner, "create-token", "--email", "ann@example.com").stdout.strip()
    second = invoke(runner, "create-token", "--email", "ann@example.com").stdout.strip()

    assert first != second
    assert get(app, DEALS, first).status_code == 200
    assert get(app, DEALS, second).status_code == 200


def test_create_token_for_an_unknown_email_fails(runner):
    assert create_user(runner, "Acme", "ann@example.com").exit_code == 0

    result = invoke(runner, "create-token", "--email", "nobody@example.com")

    assert result.exit_code != 0
    assert result.stdout.strip() == ""
    assert "email" in result.output


# --- seed-demo ----------------------------------------------------------------------------------


def seed(runner, deals):
    result = invoke(runner, "seed-demo", "--deals", str(deals))
    assert result.exit_code == 0, result.output
    return result


def demo_token(app):
    response = sign_in(app, "demo@example.com", "demo-password")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def test_seed_demo_says_how_to_sign_in_and_the_demo_user_can(app, runner):
    result = seed(runner, 30)

    assert "demo@example.com" in result.stdout
    assert "demo-password" in result.stdout
    response = sign_in(app, "demo@example.com", "demo-password")
    assert response.status_code == 200
    assert response.get_json()["user"]["email"] == "demo@example.com"


def test_seed_demo_makes_the_requested_number_of_deals(app, runner):
    seed(runner, 30)
    token = demo_token(app)

    response = get(app, DEALS, token)

    assert response.status_code == 200
    assert response.get_json()["total"] == 30


def test_seed_demo_spreads_deals_over_the_stages(app, runner):
    seed(runner, 120)
    token = demo_token(app)

    deals = get(app, DEALS, token, limit=200).get_json()
    per_stage = {stage: get(app, DEALS, token, stage=stage).get_json()["total"] for stage in STAGES}

    assert deals["total"] == 120
    assert {deal["stage"] for deal in deals["items"]} <= set(STAGES)
    assert sum(per_stage.values()) == 120
    assert len([stage for stage, total in per_stage.items() if total > 0]) >= 5


def test_seed_demo_makes_members_companies_and_contacts(app, runner):
    seed(runner, 30)
    token = demo_token(app)

    members = get(app, "/api/v1/crm/members", token).get_json()
    companies = get(app, "/api/v1/crm/companies", token).get_json()
    contacts = get(app, "/api/v1/crm/contacts", token).get_json()

    assert members["total"] >= 3
    assert "demo@example.com" in {member["email"] for member in members["items"]}
    assert companies["total"] > 0
    assert contacts["total"] > 0
    deals = get(app, DEALS, token, limit=200).get_json()["items"]
    company_ids = {company["id"] for company in companies["items"]}
    contact_ids = {contact["id"] for contact in contacts["items"]}
    member_ids = {member["id"] for member in members["items"]}
    for deal in deals:
        assert deal["company_id"] is None or deal["company_id"] in company_ids
        assert deal["contact_id"] is None or deal["contact_id"] in contact_ids
        assert deal["assigned_member_id"] is None or deal["assigned_member_id"] in member_ids


def test_seed_demo_deal_histories_start_with_created_and_tell_each_stage_move(app, runner):
    seed(runner, 30)
    token = demo_token(app)
    deals = get(app, DEALS, token, limit=200).get_json()["items"]
    moved = [deal for deal in deals if deal["stage"] != "lead"]
    assert moved

    for deal in deals:
        response = get(app, f"{DEALS}/{deal['id']}/activities", token, limit=100)
        assert response.status_code == 200
        body = response.get_json()
        assert body["total"] == len(body["activities"]) > 0
        oldest_first = list(reversed(body["activities"]))
        assert oldest_first[0]["type"] == "created"
        assert [a["type"] for a in oldest_first].count("created") == 1
        moves = [STAGE_CHANGE.fullmatch(a["content"]) for a in oldest_first if a["type"] == "stage_change"]
        assert all(moves), [a["content"] for a in oldest_first]
        steps = [(move[1], move[2]) for move in moves]
        assert all(before in STAGES and after in STAGES for before, after in steps)
        if deal["stage"] == "lead":
            assert steps == []
        else:
            assert steps[0][0] == "lead"
            assert steps[-1][1] == deal["stage"]
            assert all(steps[i][1] == steps[i + 1][0] for i in range(len(steps) - 1))


def test_seed_demo_again_changes_nothing_so_a_start_command_can_run_it_every_time(app, runner):
    seed(runner, 30)
    first = sign_in(app, "demo@example.com", "demo-password").get_json()
    before = get(app, DEALS, first["token"], limit=200).get_json()["items"]

    result = seed(runner, 30)

    second = sign_in(app, "demo@example.com", "demo-password").get_json()
    assert second["user"]["organization_id"] == first["user"]["organization_id"]
    assert get(app, DEALS, second["token"], limit=200).get_json()["items"] == before
    assert "has 30 deals (0 new)" in result.stdout


def test_seed_demo_with_a_larger_count_tops_the_organization_up_to_it(app, runner):
    seed(runner, 30)

    result = seed(runner, 45)

    token = demo_token(app)
    assert get(app, DEALS, token).get_json()["total"] == 45
    assert "has 45 deals (15 new)" in result.stdout


def test_a_large_seed_sets_indexes_aside_and_leaves_them_and_search_and_totals_as_before(app, runner, monkeypatch):
    from crm import demo

    with app.app_context():
        indexes_before = demo._secondary_indexes(("deals", "activities"))
    seed(runner, 25)
    monkeypatch.setattr(demo, "BULK_LOAD_MIN", 50)
    seed(runner, 85)  # adds 60, at least as many as there are: the bulk path
    token = demo_token(app)

    with app.app_context():
        assert demo._secondary_indexes(("deals", "activities")) == indexes_before
    assert get(app, DEALS, token).get_json()["total"] == 85
    by_stage = sum(get(app, DEALS, token, stage=stage).get_json()["total"] for stage in STAGES)
    assert by_stage == 85
    # The search index was filled for the bulk-loaded deals too: every name is found by a 3+ character term.
    everything = get(app, DEALS, token, limit=100).get_json()["items"]
    for name in {item["name"] for item in everything}:
        term = name.split()[-1]
        found = get(app, DEALS, token, search=term, limit=100).get_json()
        assert found["total"] == sum(term.casefold() in item["name"].casefold() for item in everything), term
    # New deals after the load are indexed by the restored triggers.
    created = app.test_client().post(
        DEALS, json={"name": "Aardvark logistics"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert created.status_code == 201
    assert get(app, DEALS, token, search="aardvark").get_json()["total"] == 1


# --- deactivate-user / activate-user -------------------------------------------------------------


def test_deactivate_user_ends_every_session_and_token_at_once_and_refuses_sign_in(app, runner):
    assert create_user(runner, "Acme", "ann@example.com").exit_code == 0
    sessions = [sign_in(app, "ann@example.com").get_json()["token"] for _ in range(2)]
    api_token = invoke(runner, "create-token", "--email", "ann@example.com").stdout.strip()
    for token in [*sessions, api_token]:
        assert get(app, DEALS, token).status_code == 200

    result = invoke(runner, "deactivate-user", "--email", "ann@example.com")

    assert result.exit_code == 0, result.output
    assert "revoked 3" in result.stdout
    for token in [*sessions, api_token]:
        assert get(app, DEALS, token).status_code == 401
    assert sign_in(app, "ann@example.com").status_code == 401


def test_activate_user_lets_them_sign_in_again_but_old_tokens_stay_revoked(app, runner):
    assert create_user(runner, "Acme", "ann@example.com").exit_code == 0
    old = sign_in(app, "ann@example.com").get_json()["token"]
    assert invoke(runner, "deactivate-user", "--email", "ann@example.com").exit_code == 0

    result = invoke(runner, "activate-user", "--email", "ann@example.com")

    assert result.exit_code == 0, result.output
    response = sign_in(app, "ann@example.com")
    assert response.status_code == 200
    assert get(app, DEALS, response.get_json()["token"]).status_code == 200
    assert get(app, DEALS, old).status_code == 401


@pytest.mark.parametrize("command", ["deactivate-user", "activate-user"])
def test_deactivating_an_unknown_email_fails_with_a_message(runner, command):
    result = invoke(runner, command, "--email", "nobody@example.com")

    assert result.exit_code != 0
    assert "does not belong to any user" in result.output


# --- backup --------------------------------------------------------------------------------------


def test_backup_copies_a_consistent_database_that_restores_every_deal(app, runner, tmp_path):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        result = invoke(runner, "backup", str(tmp_path / "copy.sqlite3"))
        assert result.exit_code != 0
        assert "pg_dump" in result.output
        return
    seed(runner, 40)
    token = demo_token(app)
    before = get(app, DEALS, token, limit=100).get_json()
    target = tmp_path / "backup.sqlite3"

    result = invoke(runner, "backup", str(target))

    assert result.exit_code == 0, result.output
    assert "integrity check passed" in result.stdout
    assert not (tmp_path / "backup.sqlite3.partial").exists()
    from app import create_app
    from tests.conftest import app_config

    restored = create_app(app_config(f"sqlite:///{target}"))
    restored_token = restored.test_client().post(
        SIGN_IN, json={"email": "demo@example.com", "password": "demo-password"}
    ).get_json()["token"]
    after = get(restored, DEALS, restored_token, limit=100).get_json()
    assert after == before
    with restored.app_context():
        db.engine.dispose()


def test_backup_refuses_to_overwrite_a_file(runner, tmp_path, app):
    target = tmp_path / "existing.sqlite3"
    target.write_text("precious")

    result = invoke(runner, "backup", str(target))

    assert result.exit_code != 0
    assert target.read_text() == "precious"

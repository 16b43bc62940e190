"""Demo data: an organization whose pipeline looks like a real sales team's."""

import random
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import time, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, func, insert, select, text

from crm.accounts import users
from crm.core.clock import now_utc
from crm.core.currencies import WHOLE_CURRENCIES
from crm.core.database import db
from crm.core.ids import new_id
from crm.core.text import fold
from crm.deals import search
from crm.deals.history import assignee_of
from crm.deals.rules import DEFAULT_CURRENCY, PROBABILITY_OF_CLOSED
from crm.deals.totals import recount
from crm.models import OPEN_STAGES, Activity, ActivityType, Company, Contact, Deal, Stage, User, stage_table

DEMO_ORGANIZATION = "Demo Trading Co."
DEMO_LANGUAGE = "ja"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"
BATCH_SIZE = 5000
BULK_LOAD_MIN = 20_000  # deals; smaller loads go straight into the indexes

MEMBERS = [
    ("佐藤 花子", "hanako.sato@example.com"),
    ("鈴木 一郎", "ichiro.suzuki@example.com"),
    ("Emily Carter", "emily.carter@example.com"),
    ("Lucas Martin", "lucas.martin@example.com"),
]
COMPANY_NAMES = [
    "株式会社A", "株式会社さくら商事", "山田製作所", "東京ロジスティクス", "北海道フーズ", "大阪テック",
    "みらい銀行", "青葉システム", "Acme Corp", "Globex", "Initech", "Umbrella Health", "Stark Industries",
    "Wayne Enterprises", "Hooli", "Vandelay Imports", "Soylent Foods", "Tyrell Robotics",
]
CONTACT_NAMES = [
    "田中 太郎", "高橋 美咲", "伊藤 健", "渡辺 由美", "中村 翔", "小林 さくら",
    "John Smith", "Maria Garcia", "Wei Chen", "Aisha Khan", "Tom Becker", "Sofia Rossi",
]
DEAL_KINDS = ["年間契約", "導入支援", "追加ライセンス", "保守更新", "Annual plan", "Pilot", "Expansion", "Renewal"]
# How many deals of a hundred are in each stage.
STAGE_WEIGHTS = stage_table({
    Stage.LEAD: 30, Stage.QUALIFICATION: 20, Stage.PROPOSAL: 15, Stage.NEGOTIATION: 10,
    Stage.CLOSED_WON: 15, Stage.CLOSED_LOST: 10,
})
# An open deal's probability rises along the pipeline; a closed deal's is the rule's.
PROBABILITY = stage_table(
    {Stage.LEAD: 10, Stage.QUALIFICATION: 25, Stage.PROPOSAL: 50, Stage.NEGOTIATION: 75} | PROBABILITY_OF_CLOSED
)
CURRENCY_WEIGHTS = {DEFAULT_CURRENCY: 80, "USD": 15, "EUR": 5}
# Every deal went through the open stages in order, as far as its own or until it closed.
OPEN_PATH = list(OPEN_STAGES)
LOST_REASONS = ["Budget frozen", "Chose a competitor", "予算不足", "No decision", None]
# What an open deal's latest and planned steps say.
STEPS = {
    ActivityType.CALL: ["予算の確認", "Follow-up call", "決裁者との電話"],
    ActivityType.MEETING: ["デモの実施", "Kick-off meeting", "要件定義の打ち合わせ"],
    ActivityType.EMAIL: ["見積書の送付", "Send the revised proposal", "契約書ドラフトの送付"],
    ActivityType.TASK: ["社内稟議の確認", "Prepare the quote", "導入スケジュールの作成"],
}
NOTES = ["初回ヒアリング実施。予算感は1000万円前後。", "Sent the proposal deck.", "Call scheduled for next week.", "見積書を送付済み。"]


@dataclass(frozen=True)
class Seeded:
    organization_name: str
    deal_count: int  # the demo organization's live deals now
    added: int


class _NoBar:
    def update(self, steps: int) -> None:
        pass


@contextmanager
def no_progress(total: int, label: str):
    """A progress bar (as the CLI's) that shows nothing, for seeding from code."""
    yield _NoBar()


def seed(deal_count: int, progress: Callable = no_progress, rng: random.Random | None = None) -> Seeded:
    """Make (or reuse) the demo organization and top it up to deal_count live deals with their
    history: running it again with the same count changes nothing, so a start script may call it."""
    rng = rng or random.Random()
    owner = _demo_user()
    organization_id = owner.organization_id
    members = [owner] + [_member(organization_id, name, email) for name, email in MEMBERS]
    companies = _companies(organization_id)
    contacts = _contacts(organization_id, companies, rng)
    db.session.commit()
    existing = db.session.scalar(
        select(func.count()).select_from(Deal).where(Deal.organization_id == organization_id, Deal.deleted_at.is_(None))
    )
    total, deal_count = max(existing, deal_count), max(0, deal_count - existing)
    if not deal_count:
        return Seeded(DEMO_ORGANIZATION, total, 0)

    _large_page_cache()
    # One transaction: a failed load leaves nothing behind, and on SQLite no other writer can slip
    # a deal in while the indexes are set aside.
    with _indexes_set_aside(deal_count, progress):
        with progress(deal_count, "Creating deals") as bar:
            for start in range(0, deal_count, BATCH_SIZE):
                size = min(BATCH_SIZE, deal_count - start)
                deals, activities = [], []
                for _ in range(size):
                    deal = _deal_row(organization_id, members, companies, contacts, rng)
                    deals.append(deal)
                    activities.extend(_history_rows(deal, rng.choice(members).id, rng))
                # Core inserts: one executemany per table and batch, no ORM bookkeeping per row.
                db.session.execute(insert(Deal.__table__), deals)
                db.session.execute(insert(Activity.__table__), activities)
                bar.update(size)
    recount(organization_id)
    db.session.commit()
    return Seeded(DEMO_ORGANIZATION, total, deal_count)


@contextmanager
def _indexes_set_aside(deal_count: int, progress: Callable):
    """For a load as large as what is there already, drop the secondary indexes of deals and
    activities and build them again afterwards: building an index from sorted rows is many times
    faster than growing it one random key at a time (1M deals: minutes instead of half an hour)."""
    existing = db.session.scalar(select(func.count()).select_from(Deal))
    if deal_count < max(BULK_LOAD_MIN, existing):
        yield
        return
    indexes = _secondary_indexes(("deals", "activities"))
    for name, _ in indexes:
        db.session.execute(text(f'DROP INDEX "{name}"'))
    with search.filled_after_bulk_insert():
        yield
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
    with progress(len(indexes), "Building indexes") as bar:
        for _, definition in indexes:
            db.session.execute(text(definition))
            bar.update(1)


def _secondary_indexes(tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes on tables that no constraint owns."""
    if db.session.get_bind().dialect.name == "sqlite":
        query = text(  # automatic indexes of PRIMARY KEY and UNIQUE constraints have no sql
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN :tables ORDER BY name"
        )
    else:
        query = text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename IN :tables AND indexname NOT IN (SELECT conname FROM pg_constraint) "
            "ORDER BY indexname"
        )
    query = query.bindparams(bindparam("tables", expanding=True))
    return [(name, definition) for name, definition in db.session.execute(query, {"tables": list(tables)})]


def _large_page_cache() -> None:
    """Keep SQLite's index pages in memory while loading: random ids land all over each index,
    and with the default 2 MB cache every insert would read pages back from disk."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("PRAGMA cache_size = -1000000"))  # 1 GB, for this connection only


def _demo_user() -> User:
    """The demo's user, of a Japanese team like its deals: times in Tokyo; pages in the browser's
    language (Japanese when it asks for none the app speaks)."""
    user = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
    return user or users.create_user(DEMO_ORGANIZATION, DEMO_EMAIL, "Demo User", DEMO_PASSWORD, DEMO_LANGUAGE)


def _member(organization_id: str, name: str, email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(
            organization_id=organization_id,
            email=email,
            name=name,
            name_norm=fold(name),
            password_hash="!",  # demo colleagues cannot sign in; "!" matches no password hash
        )
        db.session.add(user)
    return user


def _companies(organization_id: str) -> list[Company]:
    existing = db.session.scalars(select(Company).where(Company.organization_id == organization_id)).all()
    if existing:
        return list(existing)
    companies = [Company(organization_id=organization_id, name=name, name_norm=fold(name)) for name in COMPANY_NAMES]
    db.session.add_all(companies)
    return companies


def _contacts(organization_id: str, companies: list[Company], rng: random.Random) -> list[Contact]:
    existing = db.session.scalars(select(Contact).where(Contact.organization_id == organization_id)).all()
    if existing:
        return list(existing)
    db.session.flush()
    contacts = []
    for index, name in enumerate(CONTACT_NAMES):
        company = companies[index % len(companies)]
        contacts.append(
            Contact(
                organization_id=organization_id,
                company_id=company.id,
                name=name,
                name_norm=fold(name),
                email=f"contact{index + 1}@example.com",
            )
        )
    db.session.add_all(contacts)
    return contacts


# A share of the closed deals closed within the last day and a half, whatever the day of the month.
RECENTLY_CLOSED_SHARE = 0.2
RECENTLY_CLOSED_WITHIN = 36 * 3600


def _deal_row(organization_id, members, companies, contacts, rng: random.Random) -> dict:
    now = now_utc()
    created_at = now - timedelta(seconds=rng.randint(3600, 3 * 365 * 86400))
    updated_at = min(now, created_at + timedelta(seconds=rng.randint(0, 90 * 86400)))
    stage = rng.choices(list(STAGE_WEIGHTS), weights=list(STAGE_WEIGHTS.values()))[0]
    if stage not in OPEN_STAGES and rng.random() < RECENTLY_CLOSED_SHARE:
        # Closed in the last few days: the board's Won and Lost columns show this month's.
        updated_at = max(created_at, now - timedelta(seconds=rng.randint(0, RECENTLY_CLOSED_WITHIN)))
    company = rng.choice(companies)
    currency = rng.choices(list(CURRENCY_WEIGHTS), weights=list(CURRENCY_WEIGHTS.values()))[0]
    if currency in WHOLE_CURRENCIES:
        amount = Decimal(rng.randint(10, 5000) * 10000)
    else:
        amount = Decimal(rng.randint(1000, 500000)) + Decimal(rng.randint(0, 99)) / 100
    name = f"{company.name} {rng.choice(DEAL_KINDS)}"
    return {
        "id": new_id("deal"),
        "organization_id": organization_id,
        "name": name,
        "name_norm": fold(name),
        "amount": amount if rng.random() > 0.05 else None,
        "currency": currency,
        "stage": stage,
        "probability": PROBABILITY[stage],
        "company_id": company.id,
        "contact_id": rng.choice(contacts).id,
        "assigned_member_id": rng.choice(members).id if rng.random() > 0.1 else None,
        "expected_close_date": (created_at + timedelta(days=rng.randint(14, 180))).date(),
        "lost_reason": rng.choice(LOST_REASONS) if stage == Stage.CLOSED_LOST else None,
        "won_date": updated_at if stage == Stage.CLOSED_WON else None,
        "created_at": created_at,
        "updated_at": updated_at,
    }


def _history_rows(deal: dict, creator: str, rng: random.Random) -> list[dict]:
    """Activities that tell how the deal got to its stage: created, each move, maybe a note."""
    stage = deal["stage"]
    if stage in OPEN_PATH:
        path = OPEN_PATH[: OPEN_PATH.index(stage) + 1]
    else:
        path = OPEN_PATH[: rng.randint(1, len(OPEN_PATH))] + [stage]
    span = deal["updated_at"] - deal["created_at"]
    moments = sorted(deal["created_at"] + span * rng.random() for _ in path[1:])
    if stage not in OPEN_PATH:
        moments[-1] = deal["updated_at"]  # it closed when it last changed (a won deal's won date)
    rows = [_activity(deal, ActivityType.CREATED, "Deal created.", creator, deal["created_at"])]
    for before, after, moment in zip(path, path[1:], moments, strict=False):  # pairs of consecutive stages
        rows.append(_activity(deal, ActivityType.STAGE_CHANGE, f"{before.value} → {after.value}", creator, moment,
                              changes=[{"field": "stage", "old": before.value, "new": after.value}]))
    if rng.random() < 0.3:
        rows.append(_activity(deal, ActivityType.NOTE, rng.choice(NOTES), creator, deal["updated_at"]))
    if stage in OPEN_STAGES:
        rows.extend(_steps(deal, creator, rng))
    _set_signals(deal, rows)
    return rows


def _steps(deal: dict, creator: str, rng: random.Random) -> list[dict]:
    """An open deal's recent step, done, and its next one, planned (most deals have them)."""
    rows = []
    now = now_utc()
    if rng.random() < 0.6:
        kind = rng.choice(list(STEPS))
        done_at = max(deal["updated_at"], now - timedelta(seconds=rng.randint(0, 30 * 86400)))
        rows.append(_activity(deal, kind, rng.choice(STEPS[kind]), creator, done_at))
    if rng.random() < 0.75:
        kind = rng.choice(list(STEPS))
        planned_at = max(deal["updated_at"], now - timedelta(days=rng.randint(0, 7)))  # after what it follows
        step = _activity(deal, kind, rng.choice(STEPS[kind]), creator, planned_at)
        at = time(rng.choice(range(9, 18)), rng.choice((0, 30))) if rng.random() < 0.4 else None
        step.update(done=False, done_at=None, due_date=now.date() + timedelta(days=rng.randint(-7, 21)), due_time=at,
                    assigned_member_id=deal["assigned_member_id"] or creator)
        rows.append(step)
    return rows


def _set_signals(deal: dict, rows: list[dict]) -> None:
    """The signals the operations would have kept (crm.deals.signals) for this history."""
    moves = [row["created_at"] for row in rows if row["type"] == ActivityType.STAGE_CHANGE]
    deal["stage_entered_at"] = max(moves, default=deal["created_at"])
    deal["last_activity_at"] = max(row["done_at"] for row in rows if row["done"])
    planned = [row for row in rows if not row["done"]]
    deal["next_activity_id"] = planned[0]["id"] if planned else None
    deal["next_activity_due_date"] = planned[0]["due_date"] if planned else None


def _activity(deal: dict, kind: ActivityType, content: str, created_by: str, created_at, changes=None) -> dict:
    return {
        "id": new_id("activity"),
        "organization_id": deal["organization_id"],
        "deal_id": deal["id"],
        "type": kind,
        "content": content,
        "contact_id": None,
        "created_by": created_by,
        "created_at": created_at,
        "changes": changes,
        "done": True,
        "done_at": created_at,
        "due_date": None,
        "due_time": None,
        "assigned_member_id": assignee_of(kind, created_by),
    }

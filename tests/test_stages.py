"""The pipeline's stages are stated once (crm.models.Stage, and which of them are closed) and every
table of stages covers exactly them: a new stage is a member, its label, its colour and a migration,
and a table that misses it fails here or at import, never as a 500 on a page."""

import importlib
import pkgutil
import re
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType

import pytest

import crm
from crm import demo
from crm.deals import queries, rules
from crm.models import CLOSED_STAGES, OPEN_STAGES, Deal, Stage, stage_table
from crm.web.format import STAGE_LABELS

ALL = frozenset(Stage)
CSS = (Path(__file__).resolve().parent.parent / "static" / "css" / "app.css").read_text()
MODULES = [importlib.import_module(info.name) for info in pkgutil.walk_packages(crm.__path__, "crm.")]

# Tables of stages that name only some of them, each with the stages it must name and why.
PARTIAL = [
    (CLOSED_STAGES, CLOSED_STAGES, "the one statement of which stages are closed"),
    (OPEN_STAGES, ALL - CLOSED_STAGES, "the rest, in the pipeline's order"),
    (rules.PROBABILITY_OF_CLOSED, CLOSED_STAGES, "an open deal's probability is a person's guess"),
    (demo.OPEN_PATH, ALL - CLOSED_STAGES, "the way a demo deal goes until it closes"),
    (queries.CLOSED_AT, CLOSED_STAGES, "when a deal closed: an open deal has not"),
]


def stage_tables_of(module: ModuleType) -> dict[str, object]:
    """The module's globals that map or list stages (members or their values): dicts whose keys are
    all stages, and lists, tuples and sets whose items are."""
    found = {}
    for name, value in vars(module).items():
        items = list(value) if isinstance(value, dict | list | tuple | set | frozenset) else []
        if items and all(isinstance(item, str) and item in ALL for item in items):
            found[f"{module.__name__}.{name}"] = value
    return found


def covered(table) -> frozenset[Stage]:
    return frozenset(Stage(item) for item in table)


def test_closed_and_open_stages_divide_the_pipeline():
    assert CLOSED_STAGES | set(OPEN_STAGES) == ALL
    assert not CLOSED_STAGES & set(OPEN_STAGES)
    assert list(OPEN_STAGES) == [stage for stage in Stage if stage in OPEN_STAGES]


@pytest.mark.parametrize("stage", list(Stage))
def test_only_an_open_deal_is_overdue(stage):
    deal = Deal(stage=stage, expected_close_date=date.today() - timedelta(days=1))

    assert deal.is_overdue(date.today()) == (stage not in CLOSED_STAGES)


def test_a_closed_deal_has_its_probability_and_only_an_open_deal_lets_a_person_choose_one():
    assert rules.PROBABILITY_OF_CLOSED.keys() == CLOSED_STAGES
    assert rules.STAGE_BOUND_FIELDS["probability"] == set(OPEN_STAGES)


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("labels", STAGE_LABELS),
        ("values a client sends", rules.STAGES),
        ("demo stage weights", demo.STAGE_WEIGHTS),
        ("demo probabilities", demo.PROBABILITY),
    ],
)
def test_each_table_of_every_stage_names_each_stage_once_in_the_pipelines_order(name, table):
    assert [Stage(item) for item in table] == list(Stage), name


def test_demo_deals_are_closed_with_the_rules_probability():
    assert {stage: demo.PROBABILITY[stage] for stage in CLOSED_STAGES} == rules.PROBABILITY_OF_CLOSED


def test_every_stage_has_a_colour_and_its_column_and_badge_use_it():
    variables = set(re.findall(r"--([a-z_]+):", CSS))
    columns = {stage: rule for stage, rule in re.findall(r"^\.stage-([a-z_]+) \{([^}]*)\}", CSS, re.MULTILINE)}
    badges = dict(re.findall(r"^\.stage-badge\.stage-([a-z_]+) \{([^}]*)\}", CSS, re.MULTILINE))
    default_badge = re.search(r"^\.stage-badge \{[^}]*background: var\(--([a-z_]+)\)", CSS, re.MULTILINE).group(1)

    assert {stage.value for stage in Stage} <= variables
    assert set(columns) - {"badge"} == {stage.value for stage in Stage}
    assert all(f"var(--{stage})" in rule for stage, rule in columns.items() if stage != "badge")
    assert set(badges) | {default_badge} == {stage.value for stage in Stage}
    assert default_badge not in badges
    assert all(f"var(--{stage})" in rule for stage, rule in badges.items())


def test_every_table_of_stages_in_the_app_names_all_of_them_or_says_why_not():
    partial = {id(table): (stages, reason) for table, stages, reason in PARTIAL}
    problems = []
    for module in MODULES:
        for name, table in stage_tables_of(module).items():
            expected, _reason = partial.get(id(table), (ALL, None))
            if covered(table) != expected or len(table) != len(expected):
                problems.append(f"{name} names {sorted(covered(table))}, not {sorted(expected)}")

    assert problems == []


def test_the_search_for_tables_of_stages_finds_one_that_misses_a_stage():
    module = ModuleType("crm.example")
    module.COLOURS = {Stage.LEAD: "grey", Stage.PROPOSAL: "purple"}
    module.ORDER = ["lead", "qualification"]
    module.FIELDS = {"stage": "lead"}

    assert stage_tables_of(module) == {"crm.example.COLOURS": module.COLOURS, "crm.example.ORDER": module.ORDER}


def test_the_search_reads_every_module_and_knows_the_partial_tables_it_finds():
    found = {id(table) for module in MODULES for table in stage_tables_of(module).values()}

    assert {"crm.web.format", "crm.demo", "crm.deals.rules", "crm.board.views"} <= {m.__name__ for m in MODULES}
    assert {id(table) for table, _, _ in PARTIAL} <= found
    assert id(STAGE_LABELS) in found


@pytest.mark.parametrize(
    ("table", "stages", "message"),
    [
        ({stage: stage.value for stage in Stage if stage != Stage.PROPOSAL}, ALL, r"missing \[<Stage.PROPOSAL"),
        ({stage: 1 for stage in CLOSED_STAGES | {Stage.LEAD}}, CLOSED_STAGES, r"extra \[<Stage.LEAD"),
    ],
)
def test_a_stage_table_that_misses_a_stage_or_names_another_is_refused(table, stages, message):
    with pytest.raises(ValueError, match=message):
        stage_table(table, stages)


def test_a_stage_table_comes_in_the_pipelines_order_whatever_order_it_was_written_in():
    assert list(stage_table({stage: stage.value for stage in reversed(Stage)})) == list(Stage)

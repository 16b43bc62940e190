"""The organization's pipeline: its stages in order, with their labels, and after how many days
without an activity an open stage's deals are stale."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select

from crm.core import validation as v
from crm.core.database import db, insert_or_merge, transaction
from crm.core.errors import NotFound, ValidationFailed
from crm.core.messages import msg
from crm.deals.rules import STAGE_NAMES
from crm.models import CLOSED_STAGES, OPEN_STAGES, Deal, PipelineStage, Stage

DEFAULT_STALE_AFTER_DAYS = 14
MAX_STALE_AFTER_DAYS = 3650
# What a stage's setting may be changed to: a whole number of days, or null for never.
STAGE_SETTING_PARSERS: dict[str, v.Parser] = {
    "stale_after_days": v.optional(v.whole_number(1, MAX_STALE_AFTER_DAYS)),
}


@dataclass(frozen=True)
class Pipeline:
    """An organization's stale_after_days for each open stage (None: never stale)."""

    stale_after_days: Mapping[Stage, int | None]

    @classmethod
    def of(cls, organization_id: str) -> "Pipeline":
        """The organization's settings: one small query (the default for stages never set)."""
        rows = db.session.execute(
            select(PipelineStage.stage, PipelineStage.stale_after_days).where(
                PipelineStage.organization_id == organization_id
            )
        )
        chosen = {stage: days for stage, days in rows}
        return cls({stage: chosen.get(stage, DEFAULT_STALE_AFTER_DAYS) for stage in OPEN_STAGES})

    def days_for(self, stage: Stage) -> int | None:
        return self.stale_after_days.get(stage)

    def is_stale(self, stage: Stage, last_activity_at: datetime, now: datetime) -> bool:
        """Open, and its last activity more than its stage's days (24-hour periods) ago."""
        days = self.days_for(stage)
        return days is not None and last_activity_at < now - timedelta(days=days)

    def stale_parts(self, now: datetime, stale: bool) -> list:
        """The deals that are stale at `now` (or, stale=False, those that are not), as disjoint
        conditions, each one range of ix_deals_org_stage_last_activity: a count adds up theirs."""
        thresholds = {stage: days for stage, days in self.stale_after_days.items() if days is not None}
        cutoffs = {stage: now - timedelta(days=days) for stage, days in thresholds.items()}
        if stale:
            return [and_(Deal.stage == stage, Deal.last_activity_at < cutoff) for stage, cutoff in cutoffs.items()]
        never = [stage for stage in Stage if stage in CLOSED_STAGES or stage not in thresholds]
        return [Deal.stage.in_(never)] + [
            and_(Deal.stage == stage, Deal.last_activity_at >= cutoff) for stage, cutoff in cutoffs.items()
        ]


def stages_json(pipeline: Pipeline) -> list[dict[str, Any]]:
    """The stages in pipeline order, as GET /pipeline answers them (closed stages are never stale)."""
    return [
        {"stage": stage.value, "label": STAGE_NAMES[stage], "stale_after_days": pipeline.days_for(stage)}
        for stage in Stage
    ]


def configure_stage(organization_id: str, stage_name: str, data: Mapping[str, Any]) -> Pipeline:
    """Change an open stage's setting; NotFound for a name that is no stage, a refusal for a
    closed one (its deals are never stale)."""
    try:
        stage = Stage(stage_name)
    except ValueError:
        raise NotFound("stage") from None
    fields = v.parse_fields(data, STAGE_SETTING_PARSERS, required=frozenset(STAGE_SETTING_PARSERS))
    if stage in CLOSED_STAGES:
        raise ValidationFailed({"stage": msg("is closed: a closed deal is never stale.")})
    setting = {"organization_id": organization_id, "stage": stage, **fields}
    with transaction():
        db.session.execute(
            insert_or_merge(PipelineStage).values(setting)
            .on_conflict_do_update(index_elements=["organization_id", "stage"], set_=fields)
        )
    return Pipeline.of(organization_id)

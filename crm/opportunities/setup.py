"""Pipeline setup: sales cycles, their stages, and close-opportunity codes."""

import logging
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm import dateformula
from crm.errors import Conflict, InvalidInput, NotFound
from crm.interactions.setup import code_of
from crm.opportunities.models import (
    CloseOpportunityCode,
    CloseType,
    Opportunity,
    OpportunityEntry,
    ProbabilityMethod,
    SalesCycle,
    SalesCycleStage,
)
from crm.setup.service import get_marketing_setup
from crm.tasks.models import Activity

log = logging.getLogger(__name__)


@dataclass
class StageData:
    """The fields of a sales cycle stage; None leaves a field as it is on edit."""

    description: str | None = None
    completed_pct: Decimal | None = None
    chances_pct: Decimal | None = None
    allow_skip: bool | None = None
    quote_required: bool | None = None
    date_formula: str | None = None
    activity_code: str | None = None


def list_cycles(*, db_session: Session) -> list[SalesCycle]:
    """Return every sales cycle, by code."""
    return list(db_session.scalars(select(SalesCycle).order_by(SalesCycle.code)))


def get_cycle_or_raise(*, db_session: Session, code: str) -> SalesCycle:
    """Return the sales cycle with this code, or list the codes that exist."""
    cycle = db_session.get(SalesCycle, code.strip().upper())
    if cycle is None:
        known = ", ".join(c.code for c in list_cycles(db_session=db_session)) or "none yet"
        raise NotFound(
            f"There is no sales cycle '{code}'.",
            hint=f'Cycles: {known}. Add one with `setup cycle add <code> "<description>"`.',
        )
    return cycle


def create_cycle(
    *,
    db_session: Session,
    code: str,
    description: str = "",
    method: ProbabilityMethod = ProbabilityMethod.MULTIPLY,
    default: bool = False,
) -> SalesCycle:
    """Add a sales cycle; default=True makes new opportunities use it."""
    key = code_of(code)
    if db_session.get(SalesCycle, key) is not None:
        raise Conflict(f"Sales cycle {key} exists already.", hint="Edit it instead.")
    cycle = SalesCycle(code=key, description=description.strip()[:100], probability_method=method)
    db_session.add(cycle)
    db_session.flush()
    if default:
        get_marketing_setup(db_session=db_session).default_sales_cycle = key
    return cycle


def update_cycle(
    *,
    db_session: Session,
    code: str,
    description: str | None = None,
    method: ProbabilityMethod | None = None,
    blocked: bool | None = None,
    default: bool | None = None,
) -> SalesCycle:
    """Change a sales cycle; a new method applies to entries made from now on."""
    cycle = get_cycle_or_raise(db_session=db_session, code=code)
    if description is not None:
        cycle.description = description.strip()[:100]
    if method is not None:
        cycle.probability_method = method.value
    if blocked is not None:
        cycle.blocked = blocked
    setup = get_marketing_setup(db_session=db_session)
    if default:
        setup.default_sales_cycle = cycle.code
    elif default is False and setup.default_sales_cycle == cycle.code:
        setup.default_sales_cycle = None
    db_session.flush()
    return cycle


def delete_cycle(*, db_session: Session, code: str) -> None:
    """Delete a sales cycle and its stages, unless any opportunity uses it."""
    cycle = get_cycle_or_raise(db_session=db_session, code=code)
    used = db_session.scalar(select(func.count()).where(Opportunity.sales_cycle == cycle.code))
    if used:
        raise Conflict(
            f"Sales cycle {cycle.code} has {used} opportunities.",
            hint="Block it with `setup cycle edit <code> blocked=yes` instead.",
        )
    for stage in stages(db_session=db_session, cycle=cycle.code):
        db_session.delete(stage)
    setup = get_marketing_setup(db_session=db_session)
    if setup.default_sales_cycle == cycle.code:
        setup.default_sales_cycle = None
    db_session.delete(cycle)
    db_session.flush()


def stages(*, db_session: Session, cycle: str) -> list[SalesCycleStage]:
    """Return the stages of a cycle in order."""
    stmt = select(SalesCycleStage).where(SalesCycleStage.cycle_code == cycle)
    return list(db_session.scalars(stmt.order_by(SalesCycleStage.stage)))


def get_stage_or_raise(*, db_session: Session, cycle: str, stage: int) -> SalesCycleStage:
    """Return one stage of a cycle, or list the stages there are."""
    found = db_session.get(SalesCycleStage, (cycle, stage))
    if found is None:
        known = ", ".join(
            f"{s.stage} {s.description}" for s in stages(db_session=db_session, cycle=cycle)
        )
        raise NotFound(
            f"Sales cycle {cycle} has no stage {stage}.", hint=f"Stages: {known or 'none yet'}."
        )
    return found


def create_stage(
    *, db_session: Session, cycle: str, stage: int, data: StageData
) -> SalesCycleStage:
    """Add a stage to a cycle; stage numbers start at 1."""
    owner = get_cycle_or_raise(db_session=db_session, code=cycle)
    if stage < 1:
        raise InvalidInput("Stage numbers start at 1.", field="stage")
    if db_session.get(SalesCycleStage, (owner.code, stage)) is not None:
        raise Conflict(f"Sales cycle {owner.code} has a stage {stage} already.")
    row = SalesCycleStage(cycle_code=owner.code, stage=stage)
    _apply(db_session, row, data)
    db_session.add(row)
    db_session.flush()
    return row


def update_stage(
    *, db_session: Session, cycle: str, stage: int, data: StageData
) -> SalesCycleStage:
    """Change the given fields of a stage."""
    owner = get_cycle_or_raise(db_session=db_session, code=cycle)
    row = get_stage_or_raise(db_session=db_session, cycle=owner.code, stage=stage)
    _apply(db_session, row, data)
    db_session.flush()
    return row


def delete_stage(*, db_session: Session, cycle: str, stage: int) -> None:
    """Delete a stage no active opportunity entry sits on."""
    owner = get_cycle_or_raise(db_session=db_session, code=cycle)
    row = get_stage_or_raise(db_session=db_session, cycle=owner.code, stage=stage)
    active = db_session.scalar(
        select(func.count()).where(
            OpportunityEntry.sales_cycle == owner.code,
            OpportunityEntry.stage == stage,
            OpportunityEntry.active.is_(True),
        )
    )
    if active:
        raise Conflict(
            f"Stage {stage} of {owner.code} has {active} active opportunities.",
            hint="Move or close them first.",
        )
    db_session.delete(row)
    db_session.flush()


def _apply(db_session: Session, row: SalesCycleStage, data: StageData) -> None:
    for name, value in (("completed", data.completed_pct), ("chances", data.chances_pct)):
        if value is not None and not Decimal(0) <= value <= Decimal(100):
            raise InvalidInput(f"{name} must be between 0 and 100.", field=name)
    if data.description is not None:
        row.description = data.description.strip()[:100]
    if data.completed_pct is not None:
        row.completed_pct = data.completed_pct
    if data.chances_pct is not None:
        row.chances_pct = data.chances_pct
    if data.allow_skip is not None:
        row.allow_skip = data.allow_skip
    if data.quote_required is not None:
        row.quote_required = data.quote_required
    if data.date_formula is not None:
        text = data.date_formula.strip()
        row.date_formula = dateformula.validate(text, field="formula") if text else None
    if data.activity_code is not None:
        code = data.activity_code.strip().upper()
        if code and db_session.get(Activity, code) is None:
            raise NotFound(
                f"There is no activity '{code}'.",
                hint='Add it with `setup activity add <code> "<description>"`.',
            )
        row.activity_code = code or None
    if not row.description:
        row.description = f"Stage {row.stage}"


def list_close_codes(*, db_session: Session) -> list[CloseOpportunityCode]:
    """Return every close-opportunity code, won ones first."""
    stmt = select(CloseOpportunityCode).order_by(
        CloseOpportunityCode.type.desc(), CloseOpportunityCode.code
    )
    return list(db_session.scalars(stmt))


def create_close_code(
    *, db_session: Session, code: str, type: CloseType, description: str = ""
) -> CloseOpportunityCode:
    """Add a reason an opportunity is won or lost."""
    key = code_of(code)
    if db_session.get(CloseOpportunityCode, key) is not None:
        raise Conflict(f"Close code {key} exists already.", hint="Edit it instead.")
    row = CloseOpportunityCode(code=key, type=type.value, description=description.strip()[:100])
    db_session.add(row)
    db_session.flush()
    return row


def update_close_code(
    *, db_session: Session, code: str, description: str | None = None, type: CloseType | None = None
) -> CloseOpportunityCode:
    """Change a close code's description or type."""
    row = get_close_code_or_raise(db_session=db_session, code=code)
    if description is not None:
        row.description = description.strip()[:100]
    if type is not None:
        row.type = type.value
    db_session.flush()
    return row


def delete_close_code(*, db_session: Session, code: str) -> None:
    """Delete a close code no opportunity entry uses."""
    row = get_close_code_or_raise(db_session=db_session, code=code)
    used = db_session.scalar(select(func.count()).where(OpportunityEntry.close_code == row.code))
    if used:
        raise Conflict(f"Close code {row.code} is used by {used} closed opportunities.")
    db_session.delete(row)
    db_session.flush()


def get_close_code_or_raise(*, db_session: Session, code: str) -> CloseOpportunityCode:
    """Return the close code, or list the codes there are."""
    row = db_session.get(CloseOpportunityCode, code.strip().upper())
    if row is None:
        known = ", ".join(c.code for c in list_close_codes(db_session=db_session)) or "none yet"
        raise NotFound(f"There is no close code '{code}'.", hint=f"Close codes: {known}.")
    return row

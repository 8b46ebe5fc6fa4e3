"""The open pipeline: count and values of open opportunities per stage, in one grouped query."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from crm.opportunities.models import Opportunity, OpportunityEntry, SalesCycleStage


@dataclass(frozen=True)
class StageTotal:
    """The open pipeline at one stage of one sales cycle."""

    cycle: str
    stage: int
    description: str
    count: int
    estimated_value: Decimal
    current_value: Decimal


def stage_totals(
    *, db_session: Session, cycle: str | None = None, salesperson: str | None = None
) -> list[StageTotal]:
    """Return open opportunities summed per cycle and stage, for one cycle or salesperson."""
    stmt = (
        select(
            OpportunityEntry.sales_cycle,
            OpportunityEntry.stage,
            func.max(SalesCycleStage.description),
            func.count(),
            func.coalesce(func.sum(OpportunityEntry.estimated_value), 0),
            func.coalesce(func.sum(OpportunityEntry.calcd_current_value), 0),
        )
        .join(Opportunity, Opportunity.id == OpportunityEntry.opportunity_id)
        .outerjoin(
            SalesCycleStage,
            and_(
                SalesCycleStage.cycle_code == OpportunityEntry.sales_cycle,
                SalesCycleStage.stage == OpportunityEntry.stage,
            ),
        )
        .where(OpportunityEntry.active.is_(True), Opportunity.closed.is_(False))
        .group_by(OpportunityEntry.sales_cycle, OpportunityEntry.stage)
        .order_by(OpportunityEntry.sales_cycle, OpportunityEntry.stage)
    )
    if cycle:
        stmt = stmt.where(OpportunityEntry.sales_cycle == cycle)
    if salesperson:
        stmt = stmt.where(Opportunity.salesperson == salesperson)
    return [
        StageTotal(code, stage, description or f"Stage {stage}", count, Decimal(est), Decimal(cur))
        for code, stage, description, count, est, cur in db_session.execute(stmt)
    ]

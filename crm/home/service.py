"""Queries behind a salesperson's home page and behind the pick lists of forms."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from crm.contacts.models import Contact, ContactType
from crm.interactions.models import InteractionLogEntry, InteractionTemplate
from crm.opportunities.models import (
    CloseOpportunityCode,
    Opportunity,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
)
from crm.opportunities.pipeline import StageTotal, stage_totals
from crm.tasks.models import Task

RECENT = 5


@dataclass(frozen=True)
class OpenOpportunity:
    """An open opportunity at its active stage, with its contact's name."""

    no: str
    description: str
    contact_name: str
    stage: int
    stage_description: str
    estimated_value: Decimal
    current_value: Decimal
    close_date: dt.date | None


def get_open_opportunities(*, db_session: Session, salesperson: str) -> list[OpenOpportunity]:
    """Return the salesperson's open opportunities with their active stage, by stage."""
    stmt = (
        select(Opportunity, OpportunityEntry, Contact.name, SalesCycleStage.description)
        .join(
            OpportunityEntry,
            and_(OpportunityEntry.opportunity_id == Opportunity.id, OpportunityEntry.active),
        )
        .join(Contact, Contact.id == Opportunity.contact_id)
        .outerjoin(
            SalesCycleStage,
            and_(
                SalesCycleStage.cycle_code == OpportunityEntry.sales_cycle,
                SalesCycleStage.stage == OpportunityEntry.stage,
            ),
        )
        .where(Opportunity.salesperson == salesperson, Opportunity.closed.is_(False))
        .order_by(OpportunityEntry.stage, Opportunity.no)
    )
    return [
        OpenOpportunity(
            no=opp.no,
            description=opp.description,
            contact_name=contact_name,
            stage=entry.stage,
            stage_description=stage_description or f"Stage {entry.stage}",
            estimated_value=entry.estimated_value,
            current_value=entry.calcd_current_value,
            close_date=entry.estimated_close_date,
        )
        for opp, entry, contact_name, stage_description in db_session.execute(stmt)
    ]


def get_open_tasks(
    *, db_session: Session, salesperson: str, until: dt.date, limit: int = 20
) -> list[Task]:
    """Return the salesperson's open tasks due on or before a date, overdue first."""
    stmt = (
        select(Task)
        .where(
            Task.salesperson == salesperson,
            Task.closed.is_(False),
            Task.canceled.is_(False),
            Task.due_date <= until,
        )
        .order_by(Task.due_date, Task.no)
        .limit(limit)
    )
    return list(db_session.scalars(stmt))


def get_recent_interactions(
    *, db_session: Session, salesperson: str, limit: int = RECENT
) -> list[tuple[InteractionLogEntry, str]]:
    """Return the salesperson's latest interactions with the contact's name."""
    stmt = (
        select(InteractionLogEntry, Contact.name)
        .join(Contact, Contact.id == InteractionLogEntry.contact_id)
        .where(
            InteractionLogEntry.salesperson == salesperson,
            InteractionLogEntry.canceled.is_(False),
        )
        .order_by(InteractionLogEntry.occurred_at.desc(), InteractionLogEntry.id.desc())
        .limit(limit)
    )
    return [(entry, name) for entry, name in db_session.execute(stmt)]


def get_pipeline(*, db_session: Session, salesperson: str | None = None) -> list[StageTotal]:
    """Return the open pipeline per cycle and stage, of one salesperson or of everyone."""
    return stage_totals(db_session=db_session, salesperson=salesperson)


def get_templates(*, db_session: Session) -> list[InteractionTemplate]:
    """Return the interaction templates, by code."""
    return list(db_session.scalars(select(InteractionTemplate).order_by(InteractionTemplate.code)))


def get_cycles(*, db_session: Session) -> list[SalesCycle]:
    """Return the sales cycles that are not blocked, by code."""
    stmt = select(SalesCycle).where(SalesCycle.blocked.is_(False)).order_by(SalesCycle.code)
    return list(db_session.scalars(stmt))


def get_close_codes(*, db_session: Session, type: str) -> list[CloseOpportunityCode]:
    """Return the close codes of one type (won or lost), by code."""
    stmt = (
        select(CloseOpportunityCode)
        .where(CloseOpportunityCode.type == type)
        .order_by(CloseOpportunityCode.code)
    )
    return list(db_session.scalars(stmt))


def find_contacts(
    *, db_session: Session, text: str, companies_only: bool = False, limit: int = 20
) -> list[Contact]:
    """Return contacts whose number or name starts with, then contains, the text."""
    key = text.strip().upper()
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    stmt = select(Contact)
    if companies_only:
        stmt = stmt.where(Contact.type == ContactType.COMPANY.value)
    if key:
        prefix = list(
            db_session.scalars(
                stmt.where(Contact.search_name.like(escaped + "%", escape="\\"))
                .order_by(Contact.search_name, Contact.no)
                .limit(limit)
            )
        )
        if len(prefix) >= limit:
            return prefix
        exact = db_session.scalars(select(Contact).where(Contact.no == key)).first()
        seen = {contact.id for contact in prefix}
        more = db_session.scalars(
            stmt.where(Contact.search_name.like("%" + escaped + "%", escape="\\"))
            .order_by(func.length(Contact.name), Contact.no)
            .limit(limit)
        )
        found = ([exact] if exact and exact.id not in seen else []) + prefix
        found += [contact for contact in more if contact.id not in seen and contact != exact]
        return found[:limit]
    return list(db_session.scalars(stmt.order_by(Contact.search_name).limit(limit)))

"""A contact's timeline (interactions, opportunities, tasks, newest first) and its statistics."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from crm.contacts.models import Contact
from crm.interactions.models import InteractionLogEntry
from crm.interactions.service import InteractionStatistics, statistics
from crm.opportunities.models import Opportunity, OpportunityEntry, OpportunityStatus
from crm.tasks.models import SystemTaskType, Task

ZERO = Decimal("0")


@dataclass
class TimelineItem:
    """One line of the timeline; `when` orders lines, dates count as midnight UTC."""

    kind: str  # interaction, opportunity or task
    key: str  # entry no., opportunity no. or task no.
    when: dt.datetime
    title: str
    detail: str = ""
    closed: bool = False


@dataclass
class Timeline:
    items: list[TimelineItem]
    total: int
    offset: int
    limit: int


@dataclass
class ContactStatistics:
    """A contact's figures; a company's span its persons."""

    interactions: InteractionStatistics
    open_opportunities: int = 0
    estimated_value: Decimal = ZERO
    calcd_current_value: Decimal = ZERO
    won: int = 0
    lost: int = 0
    open_tasks: int = 0
    next_task_date: dt.date | None = None


@dataclass
class ContactOverview:
    contact: Contact
    timeline: Timeline
    statistics: ContactStatistics = field(repr=False)


def overview(
    *, db_session: Session, contact: Contact, limit: int = 15, offset: int = 0
) -> ContactOverview:
    """Return a contact's timeline page and statistics, for its card."""
    return ContactOverview(
        contact,
        timeline(db_session=db_session, contact=contact, limit=limit, offset=offset),
        contact_statistics(db_session=db_session, contact=contact),
    )


def timeline(
    *, db_session: Session, contact: Contact, limit: int = 15, offset: int = 0
) -> Timeline:
    """Return one page of a contact's interactions, opportunities and tasks, newest first."""
    # Each kind is read newest first up to the end of the page, then the three are merged:
    # three indexed range scans instead of a sort over a union of everything.
    wanted = offset + limit
    items = [
        *_interactions(db_session, contact, wanted),
        *_opportunities(db_session, contact, wanted),
        *_tasks(db_session, contact, wanted),
    ]
    items.sort(key=lambda item: (item.when, item.key), reverse=True)
    total = (
        _count(db_session, InteractionLogEntry.id, _interaction_scope(contact))
        + _count(db_session, Opportunity.id, _opportunity_scope(contact))
        + _count(db_session, Task.id, _task_scope(contact))
    )
    return Timeline(items[offset:wanted], total, offset, limit)


def _interaction_scope(contact: Contact) -> list[ColumnElement[bool]]:
    entry = InteractionLogEntry
    column = entry.company_id if contact.is_company else entry.contact_id
    return [column == contact.id, entry.canceled.is_(False)]


def _opportunity_scope(contact: Contact) -> list[ColumnElement[bool]]:
    column = Opportunity.company_id if contact.is_company else Opportunity.contact_id
    return [column == contact.id]


def _task_scope(contact: Contact) -> list[ColumnElement[bool]]:
    column = Task.company_id if contact.is_company else Task.contact_id
    return [
        column == contact.id,
        Task.canceled.is_(False),
        Task.system_type == SystemTaskType.ORGANIZER.value,
    ]


def _count(
    db_session: Session, column: InstrumentedAttribute[int], scope: list[ColumnElement[bool]]
) -> int:
    return db_session.scalar(select(func.count(column)).where(*scope)) or 0


def _interactions(db_session: Session, contact: Contact, wanted: int) -> list[TimelineItem]:
    entry = InteractionLogEntry
    stmt = (
        select(entry)
        .where(*_interaction_scope(contact))
        .order_by(entry.occurred_at.desc(), entry.id.desc())
        .limit(wanted)
    )
    items = []
    for row in db_session.scalars(stmt):
        detail = [row.template_code, row.salesperson or ""]
        if row.attempt_failed:
            detail.append("attempt failed")
        if row.evaluation:
            detail.append(row.evaluation.replace("_", " "))
        items.append(
            TimelineItem(
                "interaction",
                str(row.id),
                row.occurred_at,
                row.description,
                " · ".join(part for part in detail if part),
                row.postponed,
            )
        )
    return items


def _opportunities(db_session: Session, contact: Contact, wanted: int) -> list[TimelineItem]:
    entry = OpportunityEntry
    stmt = (
        select(Opportunity, entry)
        .outerjoin(entry, (entry.opportunity_id == Opportunity.id) & entry.active.is_(True))
        .where(*_opportunity_scope(contact))
        .order_by(Opportunity.creation_date.desc(), Opportunity.id.desc())
        .limit(wanted)
    )
    items = []
    for opportunity, active in db_session.execute(stmt):
        detail = [opportunity.status.replace("_", " ")]
        if active is not None:
            detail.append(f"stage {active.stage} · {active.estimated_value:,.2f}")
        items.append(
            TimelineItem(
                "opportunity",
                opportunity.no,
                _midnight(opportunity.creation_date),
                opportunity.description,
                " · ".join(detail),
                opportunity.closed,
            )
        )
    return items


def _tasks(db_session: Session, contact: Contact, wanted: int) -> list[TimelineItem]:
    stmt = (
        select(Task)
        .where(*_task_scope(contact))
        .order_by(Task.due_date.desc(), Task.id.desc())
        .limit(wanted)
    )
    return [
        TimelineItem(
            "task",
            task.no,
            _midnight(task.due_date),
            task.description,
            " · ".join(p for p in (task.status.replace("_", " "), task.salesperson or "") if p),
            task.closed,
        )
        for task in db_session.scalars(stmt)
    ]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def contact_statistics(*, db_session: Session, contact: Contact) -> ContactStatistics:
    """Return a contact's interaction, opportunity and task figures."""
    result = ContactStatistics(statistics(db_session=db_session, contact=contact))
    entry = OpportunityEntry
    is_open = Opportunity.closed.is_(False)
    opps = (
        select(
            func.count(case((is_open, Opportunity.id))),
            func.coalesce(func.sum(case((is_open, entry.estimated_value))), 0),
            func.coalesce(func.sum(case((is_open, entry.calcd_current_value))), 0),
            func.count(case((Opportunity.status == OpportunityStatus.WON.value, Opportunity.id))),
            func.count(case((Opportunity.status == OpportunityStatus.LOST.value, Opportunity.id))),
        )
        .select_from(Opportunity)
        .outerjoin(entry, (entry.opportunity_id == Opportunity.id) & entry.active.is_(True))
        .where(*_opportunity_scope(contact))
    )
    count, estimated, current, won, lost = db_session.execute(opps).one()
    result.open_opportunities, result.won, result.lost = count, won, lost
    result.estimated_value = Decimal(estimated).quantize(Decimal("0.01"))
    result.calcd_current_value = Decimal(current).quantize(Decimal("0.01"))
    tasks = select(func.count(Task.id), func.min(Task.due_date)).where(
        *_task_scope(contact), Task.closed.is_(False)
    )
    result.open_tasks, next_date = db_session.execute(tasks).one()
    result.next_task_date = _date(next_date)
    return result


def _date(value: dt.date | str | None) -> dt.date | None:
    # Aggregates bypass the column type, so SQLite hands back text.
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value

"""A contact's timeline (interactions, opportunities, tasks, newest first) and its statistics."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, case, func, select, true
from sqlalchemy.orm import Session

from crm.contacts.models import Contact
from crm.interactions.models import InitiatedBy, InteractionLogEntry
from crm.interactions.service import InteractionStatistics
from crm.opportunities.models import Opportunity, OpportunityEntry, OpportunityStatus
from crm.tasks.models import SystemTaskType, Task

ZERO = Decimal("0")
CENT = Decimal("0.01")


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
    figures, total = _figures(db_session, contact)
    items = _page(db_session, contact, limit, offset)
    return ContactOverview(contact, Timeline(items, total, offset, limit), figures)


def timeline(
    *, db_session: Session, contact: Contact, limit: int = 15, offset: int = 0
) -> Timeline:
    """Return one page of a contact's interactions, opportunities and tasks, newest first."""
    _, total = _figures(db_session, contact)
    return Timeline(_page(db_session, contact, limit, offset), total, offset, limit)


def contact_statistics(*, db_session: Session, contact: Contact) -> ContactStatistics:
    """Return a contact's interaction, opportunity and task figures."""
    return _figures(db_session, contact)[0]


def _page(db_session: Session, contact: Contact, limit: int, offset: int) -> list[TimelineItem]:
    # Each kind is read newest first up to the end of the page, then the three are merged:
    # three indexed range scans instead of a sort over a union of everything.
    statements = _statements(contact.is_company)
    params = {"contact_id": contact.id, "limit": offset + limit}
    items = [
        *_interaction_items(db_session.execute(statements["interactions"], params)),
        *_opportunity_items(db_session.execute(statements["opportunities"], params)),
        *_task_items(db_session.execute(statements["tasks"], params)),
    ]
    items.sort(key=lambda item: (item.when, item.key), reverse=True)
    return items[offset : offset + limit]


def _figures(db_session: Session, contact: Contact) -> tuple[ContactStatistics, int]:
    """Return the contact's statistics and how many timeline lines it has."""
    statements = _statements(contact.is_company)
    params = {"contact_id": contact.id}
    row = db_session.execute(statements["figures"], params).one()
    listed, count, cost, minutes, last, attempted = row[:6]
    result = ContactStatistics(
        InteractionStatistics(
            count=count,
            cost=Decimal(cost).quantize(CENT),
            duration_min=int(minutes),
            last_date=_aware(last),
            last_attempted=_aware(attempted),
        )
    )
    opportunities, open_count, estimated, current, won, lost = row[6:12]
    result.open_opportunities, result.won, result.lost = open_count, won, lost
    result.estimated_value = Decimal(estimated).quantize(CENT)
    result.calcd_current_value = Decimal(current).quantize(CENT)
    tasks, result.open_tasks, next_date = row[12:]
    result.next_task_date = _date(next_date)
    return result, listed + opportunities + tasks


@cache
def _statements(company: bool) -> dict[str, Select[Any]]:
    """Build the timeline's statements once per scope; building them costs more than running."""
    entry, active = InteractionLogEntry, OpportunityEntry
    contact_id: BindParameter[int] = bindparam("contact_id")
    limit: BindParameter[int] = bindparam("limit")
    in_scope = (entry.company_id if company else entry.contact_id) == contact_id
    opportunity_scope = (
        Opportunity.company_id if company else Opportunity.contact_id
    ) == contact_id
    task_scope = (
        (Task.company_id if company else Task.contact_id) == contact_id,
        Task.canceled.is_(False),
        Task.system_type == SystemTaskType.ORGANIZER.value,
    )
    counted = entry.postponed.is_(False)
    is_open = Opportunity.closed.is_(False)
    active_join = (active.opportunity_id == Opportunity.id) & active.active.is_(True)
    statements = {
        # Plain columns, not entities: loading ORM objects was most of a timeline's time.
        "interactions": select(
            entry.id,
            entry.occurred_at,
            entry.description,
            entry.template_code,
            entry.salesperson,
            entry.attempt_failed,
            entry.evaluation,
            entry.postponed,
        )
        .where(in_scope, entry.canceled.is_(False))
        .order_by(entry.occurred_at.desc(), entry.id.desc())
        .limit(limit),
        "opportunities": select(
            Opportunity.no,
            Opportunity.creation_date,
            Opportunity.description,
            Opportunity.status,
            Opportunity.closed,
            active.stage,
            active.estimated_value,
        )
        .outerjoin(active, active_join)
        .where(opportunity_scope)
        .order_by(Opportunity.creation_date.desc(), Opportunity.id.desc())
        .limit(limit),
        "tasks": select(
            Task.no, Task.due_date, Task.description, Task.status, Task.salesperson, Task.closed
        )
        .where(*task_scope)
        .order_by(Task.due_date.desc(), Task.id.desc())
        .limit(limit),
        # Canceled entries are off the timeline and out of the figures; postponed ones are on
        # the timeline but, as in Business Central, out of the figures.
        "interaction_figures": select(
            func.count(),
            func.count(case((counted, 1))),
            func.coalesce(func.sum(case((counted, entry.cost))), 0),
            func.coalesce(func.sum(case((counted, entry.duration_min))), 0),
            func.max(case((counted & entry.attempt_failed.is_(False), entry.occurred_at))),
            func.max(
                case((counted & (entry.initiated_by == InitiatedBy.US.value), entry.occurred_at))
            ),
        ).where(in_scope, entry.canceled.is_(False)),
        "opportunity_figures": select(
            func.count(),
            func.count(case((is_open, 1))),
            func.coalesce(func.sum(case((is_open, active.estimated_value))), 0),
            func.coalesce(func.sum(case((is_open, active.calcd_current_value))), 0),
            func.count(case((Opportunity.status == OpportunityStatus.WON.value, 1))),
            func.count(case((Opportunity.status == OpportunityStatus.LOST.value, 1))),
        )
        .select_from(Opportunity)
        .outerjoin(active, active_join)
        .where(opportunity_scope),
        "task_figures": select(
            func.count(),
            func.count(case((Task.closed.is_(False), 1))),
            func.min(case((Task.closed.is_(False), Task.due_date))),
        ).where(*task_scope),
    }
    # The three sets of figures travel in one round trip: each aggregate is one row.
    parts = [
        statements.pop(name).subquery(name)
        for name in ("interaction_figures", "opportunity_figures", "task_figures")
    ]
    joined = parts[0].join(parts[1], true()).join(parts[2], true())
    statements["figures"] = select(*(column for part in parts for column in part.c)).select_from(
        joined
    )
    return statements


def _interaction_items(rows: Any) -> list[TimelineItem]:
    items = []
    for row in rows:
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


def _opportunity_items(rows: Any) -> list[TimelineItem]:
    items = []
    for opportunity in rows:
        detail = [opportunity.status.replace("_", " ")]
        if opportunity.stage is not None:
            detail.append(f"stage {opportunity.stage} · {opportunity.estimated_value:,.2f}")
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


def _task_items(rows: Any) -> list[TimelineItem]:
    return [
        TimelineItem(
            "task",
            task.no,
            _midnight(task.due_date),
            task.description,
            " · ".join(p for p in (task.status.replace("_", " "), task.salesperson or "") if p),
            task.closed,
        )
        for task in rows
    ]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _aware(value: dt.datetime | str | None) -> dt.datetime | None:
    # Aggregates over a CASE lose the column type, so SQLite hands back text.
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _date(value: dt.date | str | None) -> dt.date | None:
    # Aggregates over a CASE lose the column type, so SQLite hands back text.
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value

"""Contact reports: contact list, company and person summaries, segment contacts."""

from typing import Any

from sqlalchemy import ScalarSelect, Select, func, select
from sqlalchemy.orm import Session, aliased

from crm.contacts.models import Contact, ContactType
from crm.interactions.models import InteractionLogEntry
from crm.opportunities.models import Opportunity
from crm.reports.base import ChartSpec, Filters, Report
from crm.segments.models import SegmentHeader
from crm.segments.service import LINES, get_by_no
from crm.tasks.models import Task

MAX_ROWS = 10_000


def _open_opps() -> ScalarSelect[int]:
    return (
        select(func.count())
        .where(Opportunity.contact_id == Contact.id, Opportunity.closed.is_(False))
        .scalar_subquery()
    )


def _open_tasks(column: Any = None) -> ScalarSelect[int]:
    return (
        select(func.count())
        .where(
            (column if column is not None else Task.contact_id) == Contact.id,
            Task.closed.is_(False),
            Task.canceled.is_(False),
        )
        .scalar_subquery()
    )


def _interactions(column: Any) -> tuple[ScalarSelect[int], ScalarSelect[Any]]:
    live = InteractionLogEntry.canceled.is_(False)
    count = select(func.count()).where(column == Contact.id, live).scalar_subquery()
    last = select(func.max(InteractionLogEntry.occurred_at)).where(column == Contact.id, live)
    return count, last.scalar_subquery()


def _filtered(stmt: "Select[*tuple[Any, ...]]", filters: Filters) -> "Select[*tuple[Any, ...]]":
    if salesperson := filters.code("salesperson"):
        stmt = stmt.where(Contact.salesperson == salesperson)
    if territory := filters.code("territory"):
        stmt = stmt.where(Contact.territory == territory)
    return stmt


def contact_list(*, db_session: Session, filters: Filters) -> Report:
    """List contacts with their type, company, salesperson, open opportunities and tasks."""
    company = aliased(Contact)
    stmt = (
        select(
            Contact.no,
            Contact.name,
            Contact.type,
            company.name,
            Contact.salesperson,
            _open_opps(),
            _open_tasks(),
        )
        .outerjoin(company, company.id == Contact.company_id)
        .order_by(Contact.no)
    )
    if kind := filters.text("type"):
        stmt = stmt.where(Contact.type == kind.lower())
    stmt = _filtered(stmt, filters)
    rows = [list(row) for row in db_session.execute(stmt.limit(MAX_ROWS))]
    columns = ["No.", "Name", "Type", "Company", "Salesperson", "Open opps", "Open tasks"]
    return Report("Contact list", columns, rows)


def company_summary(*, db_session: Session, filters: Filters) -> Report:
    """Summarise companies: persons, interactions (theirs and their persons'), tasks."""
    person = aliased(Contact)
    persons = select(func.count()).where(person.company_id == Contact.id).scalar_subquery()
    count, last = _interactions(InteractionLogEntry.company_id)
    stmt = select(
        Contact.no,
        Contact.name,
        Contact.city,
        Contact.phone,
        Contact.salesperson,
        persons,
        count,
        last,
        _open_tasks(Task.company_id),
    ).where(Contact.type == ContactType.COMPANY.value)
    stmt = _filtered(stmt, filters).order_by(Contact.no)
    rows = [list(row) for row in db_session.execute(stmt.limit(MAX_ROWS))]
    columns = [
        "No.",
        "Company",
        "City",
        "Phone",
        "Salesperson",
        "Persons",
        "Interactions",
        "Last interaction",
        "Open tasks",
    ]
    chart = _top_chart("Interactions per company (top 15)", rows, name=1, value=6)
    return Report("Company summary", columns, rows, chart)


def person_summary(*, db_session: Session, filters: Filters) -> Report:
    """Summarise persons: company, job title, interactions and open tasks."""
    count, last = _interactions(InteractionLogEntry.contact_id)
    stmt = select(
        Contact.no,
        Contact.name,
        Contact.company_name,
        Contact.job_title,
        Contact.email,
        count,
        last,
        _open_tasks(),
    ).where(Contact.type == ContactType.PERSON.value)
    stmt = _filtered(stmt, filters).order_by(Contact.no)
    rows = [list(row) for row in db_session.execute(stmt.limit(MAX_ROWS))]
    columns = [
        "No.",
        "Person",
        "Company",
        "Job title",
        "E-mail",
        "Interactions",
        "Last interaction",
        "Open tasks",
    ]
    return Report("Person summary", columns, rows)


def _top_chart(title: str, rows: list[list[Any]], *, name: int, value: int) -> ChartSpec | None:
    ranked = sorted(rows, key=lambda row: -int(row[value] or 0))[:15]
    if not ranked:
        return None
    return ChartSpec(
        kind="bar",
        title=title,
        categories=[str(row[name]) for row in ranked],
        series={"Interactions": [float(row[value] or 0) for row in ranked]},
    )


def segment_contacts(*, db_session: Session, filters: Filters) -> Report:
    """List the contacts of one segment (or every open segment) with their details."""
    stmt = (
        select(
            SegmentHeader.no,
            Contact.no,
            Contact.name,
            Contact.type,
            Contact.company_name,
            Contact.email,
            Contact.phone,
            Contact.salesperson,
        )
        .join(LINES, LINES.c.segment_id == SegmentHeader.id)
        .join(Contact, Contact.id == LINES.c.contact_id)
        .where(LINES.c.removed_by_action.is_(None))
        .order_by(SegmentHeader.no, Contact.no)
    )
    title = "Segment contacts"
    if no := filters.text("segment"):
        segment = get_by_no(db_session=db_session, no=no)
        stmt = stmt.where(SegmentHeader.id == segment.id)
        title = f"Segment {segment.no} · {segment.description}"
    else:
        stmt = stmt.where(SegmentHeader.logged_segment_id.is_(None))
    rows = [list(row) for row in db_session.execute(stmt)]
    columns = ["Segment", "No.", "Name", "Type", "Company", "E-mail", "Phone", "Salesperson"]
    return Report(title, columns, rows)

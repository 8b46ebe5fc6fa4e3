"""Sales reports: tasks, opportunities, sales cycles, the pipeline, win/loss."""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from crm.contacts.models import Contact
from crm.errors import InvalidInput, NotFound
from crm.opportunities.models import (
    CloseOpportunityCode,
    Opportunity,
    OpportunityEntry,
    OpportunityStatus,
    SalesCycle,
    SalesCycleStage,
)
from crm.opportunities.pipeline import stage_totals
from crm.reports.base import ChartSpec, Filters, Report
from crm.setup.models import TeamMember
from crm.tasks.models import Task

MAX_ROWS = 10_000
STATUSES = [status.value for status in OpportunityStatus]
STATUS_COLORS = {
    "not_started": "#9db4c0",
    "in_progress": "#3a7ca5",
    "won": "#2a9d8f",
    "lost": "#e76f51",
}
TASK_COLORS = {
    "not_started": "#9db4c0",
    "in_progress": "#3a7ca5",
    "waiting": "#e9c46a",
    "postponed": "#f4a261",
    "completed": "#2a9d8f",
}


def _tasks(filters: Filters) -> "Select[*tuple[Any, ...]]":
    stmt = (
        select(
            Task.salesperson,
            Task.team,
            Task.no,
            Task.description,
            Task.due_date,
            Task.type,
            Task.status,
            Task.priority,
            Contact.name,
        )
        .outerjoin(Contact, Contact.id == Task.contact_id)
        .where(Task.canceled.is_(False))
    )
    if not filters.text("closed"):
        stmt = stmt.where(Task.closed.is_(False))
    if start := filters.date("from"):
        stmt = stmt.where(Task.due_date >= start)
    if end := filters.date("to"):
        stmt = stmt.where(Task.due_date <= end)
    return stmt


def _task_chart(title: str, rows: list[list[Any]], group: int) -> ChartSpec | None:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        counts[str(row[group] or "(none)")][str(row[6])] += 1
    if not counts:
        return None
    categories = sorted(counts)
    statuses = [status for status in TASK_COLORS if any(counts[c][status] for c in categories)]
    series = {s: [float(counts[c][s]) for c in categories] for s in statuses}
    return ChartSpec(
        "bar", title, categories, series, stacked=True, value_label="Tasks", colors=TASK_COLORS
    )


def salesperson_tasks(*, db_session: Session, filters: Filters) -> Report:
    """List open tasks per salesperson."""
    stmt = _tasks(filters).where(Task.salesperson.is_not(None))
    if salesperson := filters.code("salesperson"):
        stmt = stmt.where(Task.salesperson == salesperson)
    stmt = stmt.order_by(Task.salesperson, Task.due_date, Task.no)
    rows = [list(row) for row in db_session.execute(stmt.limit(MAX_ROWS))]
    columns = [
        "Salesperson",
        "Team",
        "Task",
        "Description",
        "Due",
        "Type",
        "Status",
        "Priority",
        "Contact",
    ]
    return Report("Salesperson tasks", columns, rows, _task_chart("Tasks per salesperson", rows, 0))


def team_tasks(*, db_session: Session, filters: Filters) -> Report:
    """List open tasks per team (team tasks and those of the team's members)."""
    stmt = _tasks(filters).where(Task.team.is_not(None))
    if team := filters.code("team"):
        members = select(TeamMember.salesperson_code).where(TeamMember.team_code == team)
        stmt = _tasks(filters).where((Task.team == team) | Task.salesperson.in_(members))
    stmt = stmt.order_by(Task.team, Task.due_date, Task.no)
    rows = [list(row) for row in db_session.execute(stmt.limit(MAX_ROWS))]
    columns = [
        "Salesperson",
        "Team",
        "Task",
        "Description",
        "Due",
        "Type",
        "Status",
        "Priority",
        "Contact",
    ]
    return Report("Team tasks", columns, rows, _task_chart("Tasks per team", rows, 1))


def _active_entry() -> ColumnElement[bool]:
    return and_(
        OpportunityEntry.opportunity_id == Opportunity.id, OpportunityEntry.active.is_(True)
    )


def _opportunities(filters: Filters) -> "Select[*tuple[Any, ...]]":
    stmt = (
        select(
            Opportunity.no,
            Opportunity.description,
            Opportunity.creation_date,
            Opportunity.salesperson,
            Contact.name,
            Opportunity.sales_cycle,
            OpportunityEntry.stage,
            Opportunity.status,
            Opportunity.campaign_no,
            func.coalesce(OpportunityEntry.estimated_value, 0),
            func.coalesce(OpportunityEntry.calcd_current_value, 0),
            OpportunityEntry.estimated_close_date,
        )
        .join(Contact, Contact.id == Opportunity.contact_id)
        .outerjoin(OpportunityEntry, _active_entry())
    )
    if salesperson := filters.code("salesperson"):
        stmt = stmt.where(Opportunity.salesperson == salesperson)
    if cycle := filters.code("cycle"):
        stmt = stmt.where(Opportunity.sales_cycle == cycle)
    if campaign := filters.code("campaign"):
        stmt = stmt.where(Opportunity.campaign_no == campaign)
    if status := filters.text("status"):
        if status.lower() not in STATUSES:
            raise InvalidInput(
                f"status={status} is not a valid value.",
                field="status",
                hint=f"Valid values: {', '.join(STATUSES)}.",
            )
        stmt = stmt.where(Opportunity.status == status.lower())
    if start := filters.date("from"):
        stmt = stmt.where(Opportunity.creation_date >= start)
    if end := filters.date("to"):
        stmt = stmt.where(Opportunity.creation_date <= end)
    return stmt


OPP_COLUMNS = [
    "No.",
    "Description",
    "Created",
    "Salesperson",
    "Contact",
    "Cycle",
    "Stage",
    "Status",
    "Campaign",
    "Estimated",
    "Current value",
    "Est. close",
]


def opportunity_list(*, db_session: Session, filters: Filters) -> Report:
    """List opportunities with date, cycle, stage, contact, campaign and values."""
    stmt = _opportunities(filters).order_by(Opportunity.no)
    rows = [list(row) for row in db_session.execute(stmt.limit(MAX_ROWS))]
    return Report("Opportunity list", OPP_COLUMNS, rows)


def salesperson_opportunities(*, db_session: Session, filters: Filters) -> Report:
    """Sum opportunities per salesperson and status: count, estimated and current value."""
    sub = _opportunities(filters).subquery()
    salesperson, status = sub.c.salesperson, sub.c.status
    stmt = (
        select(
            salesperson,
            status,
            func.count(),
            func.sum(sub.c[9]),
            func.sum(sub.c[10]),
        )
        .group_by(salesperson, status)
        .order_by(salesperson, status)
    )
    rows = [list(row) for row in db_session.execute(stmt)]
    columns = ["Salesperson", "Status", "Opportunities", "Estimated", "Current value"]
    return Report(
        "Salesperson opportunities",
        columns,
        rows,
        _status_chart("Estimated value per salesperson", rows, value=3),
    )


def _status_chart(title: str, rows: list[list[Any]], *, value: int) -> ChartSpec | None:
    people = sorted({str(row[0]) for row in rows})
    if not people:
        return None
    series = {status: [0.0] * len(people) for status in STATUSES}
    for row in rows:
        series[str(row[1])][people.index(str(row[0]))] += float(row[value] or 0)
    series = {key: values for key, values in series.items() if any(values)}
    label = "Opportunities" if value == 2 else "Estimated value"
    return ChartSpec(
        "bar", title, people, series, stacked=True, value_label=label, colors=STATUS_COLORS
    )


def opportunity_chart(*, db_session: Session, filters: Filters) -> Report:
    """Count opportunities per salesperson by status, created over a period."""
    report = salesperson_opportunities(db_session=db_session, filters=filters)
    period = " ".join(
        part
        for part in (
            f"from {filters.date('from')}" if filters.text("from") else "",
            f"to {filters.date('to')}" if filters.text("to") else "",
        )
        if part
    )
    title = "Opportunities per salesperson" + (f" ({period})" if period else "")
    report.title = title
    report.chart = _status_chart(title, report.rows, value=2)
    return report


def opportunity_details(*, db_session: Session, filters: Filters) -> Report:
    """Show one opportunity's stage entries and its tasks."""
    no = filters.required("opp", "opportunity no.")
    opp = db_session.scalars(select(Opportunity).where(Opportunity.no == no)).first()
    if opp is None:
        raise NotFound(
            f"There is no opportunity '{no}'.", hint="`report opportunities` lists them."
        )
    entries = (
        select(
            OpportunityEntry.date_of_change,
            OpportunityEntry.stage,
            OpportunityEntry.action_taken,
            OpportunityEntry.estimated_value,
            OpportunityEntry.calcd_current_value,
            OpportunityEntry.chances_pct,
            OpportunityEntry.active,
            OpportunityEntry.close_code,
        )
        .where(OpportunityEntry.opportunity_id == opp.id)
        .order_by(OpportunityEntry.id)
    )
    rows: list[list[Any]] = [["entry", *row] for row in db_session.execute(entries)]
    tasks = (
        select(Task.due_date, Task.no, Task.description, Task.status, Task.salesperson)
        .where(Task.opportunity_id == opp.id, Task.canceled.is_(False))
        .order_by(Task.due_date)
    )
    for due, task_no, description, status, salesperson in db_session.execute(tasks):
        rows.append(
            [
                "task",
                due,
                None,
                f"{task_no} {description}",
                None,
                None,
                None,
                status == "completed",
                salesperson,
            ]
        )
    columns = [
        "Kind",
        "Date",
        "Stage",
        "Action / task",
        "Estimated",
        "Current value",
        "Chances %",
        "Active / done",
        "Close code / salesperson",
    ]
    title = f"Opportunity {opp.no} · {opp.description} ({opp.status})"
    return Report(title, columns, rows)


def _stages(db_session: Session, cycle: str) -> list[tuple[int, str]]:
    if db_session.get(SalesCycle, cycle) is None:
        known = db_session.scalars(select(SalesCycle.code).order_by(SalesCycle.code))
        raise InvalidInput(
            f"There is no sales cycle '{cycle}'.",
            field="cycle",
            hint=f"Cycles: {', '.join(known) or 'none yet'}.",
        )
    stmt = (
        select(SalesCycleStage.stage, SalesCycleStage.description)
        .where(SalesCycleStage.cycle_code == cycle)
        .order_by(SalesCycleStage.stage)
    )
    return [(stage, description) for stage, description in db_session.execute(stmt)]


def sales_cycle_analysis(*, db_session: Session, filters: Filters) -> Report:
    """Per sales cycle and stage: open opportunities, estimated and current values."""
    totals = stage_totals(db_session=db_session, cycle=filters.code("cycle"))
    rows: list[list[Any]] = [
        [t.cycle, t.stage, t.count, t.estimated_value, t.current_value] for t in totals
    ]
    columns = ["Cycle", "Stage", "Opportunities", "Estimated", "Current value"]
    return Report("Sales cycle analysis", columns, rows)


def pipeline(*, db_session: Session, filters: Filters) -> Report:
    """Show the value and count of open opportunities per stage of one cycle."""
    cycle = filters.code("cycle")
    if cycle is None:
        codes = list(db_session.scalars(select(SalesCycle.code).order_by(SalesCycle.code)))
        if len(codes) != 1:
            raise InvalidInput(
                "Name the sales cycle: cycle=<code>.",
                field="cycle",
                hint=f"Cycles: {', '.join(codes) or 'none yet'}.",
            )
        cycle = codes[0]
    stages = _stages(db_session, cycle)
    found = {
        t.stage: (t.count, t.estimated_value, t.current_value)
        for t in stage_totals(db_session=db_session, cycle=cycle)
    }
    rows: list[list[Any]] = []
    for stage, description in stages:
        count, estimated, current = found.get(stage, (0, Decimal(0), Decimal(0)))
        rows.append([stage, description, count, estimated, current])
    chart = ChartSpec(
        kind="pipeline",
        title=f"Pipeline · {cycle}",
        categories=[f"{stage}. {description}" for stage, description in stages],
        series={
            "Estimated value": [float(row[3]) for row in rows],
            "Current value": [float(row[4]) for row in rows],
        },
        value_label="Value",
        counts=[int(row[2]) for row in rows],
        colors={"Estimated value": "#3a7ca5", "Current value": "#2a9d8f"},
    )
    columns = ["Stage", "Description", "Opportunities", "Estimated", "Current value"]
    return Report(f"Pipeline · {cycle}", columns, rows, chart)


def win_loss(*, db_session: Session, filters: Filters) -> Report:
    """Count closed opportunities and their value by close code."""
    stmt = (
        select(
            OpportunityEntry.close_code,
            CloseOpportunityCode.description,
            CloseOpportunityCode.type,
            func.count(),
            func.coalesce(func.sum(OpportunityEntry.estimated_value), 0),
        )
        .join(CloseOpportunityCode, CloseOpportunityCode.code == OpportunityEntry.close_code)
        .where(OpportunityEntry.active.is_(True))
        .group_by(
            OpportunityEntry.close_code, CloseOpportunityCode.description, CloseOpportunityCode.type
        )
        .order_by(CloseOpportunityCode.type.desc(), func.count().desc())
    )
    if start := filters.date("from"):
        stmt = stmt.where(OpportunityEntry.date_closed >= start)
    if end := filters.date("to"):
        stmt = stmt.where(OpportunityEntry.date_closed <= end)
    rows: list[list[Any]] = [list(row) for row in db_session.execute(stmt)]
    chart = None
    if rows:
        labels = [f"{row[0]} · {row[1]}" if row[1] else str(row[0]) for row in rows]
        chart = ChartSpec(
            "bar",
            "Won and lost by close code",
            labels,
            {
                "won": [float(row[3]) if row[2] == "won" else 0.0 for row in rows],
                "lost": [float(row[3]) if row[2] == "lost" else 0.0 for row in rows],
            },
            stacked=True,
            value_label="Opportunities",
            colors=STATUS_COLORS,
        )
    columns = ["Close code", "Description", "Type", "Opportunities", "Estimated"]
    return Report("Win/loss by close code", columns, rows, chart)

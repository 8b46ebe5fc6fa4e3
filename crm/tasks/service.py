"""Task services: create (a team task fans out to its members), close, recur, cancel, list."""

import datetime as dt
import logging
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm import dateformula
from crm.audit import Actor, stamp
from crm.contacts.models import Contact
from crm.db import utcnow
from crm.errors import Conflict, InvalidInput, NotFound
from crm.interactions.models import InteractionLogEntry
from crm.numbering import next_number
from crm.opportunities.models import Opportunity, OpportunityEntry, Priority
from crm.setup.models import Team
from crm.setup.service import get_marketing_setup, get_salesperson
from crm.tasks.models import Activity, ActivityStep, SystemTaskType, Task, TaskStatus, TaskType

log = logging.getLogger(__name__)

STAGE_TASK_MINUTES = 24 * 60  # Business Central gives tasks from a stage's activity one day
MAX_MINUTES = 3650 * 24 * 60


class RecurFrom(StrEnum):
    """What the next date of a recurring task is counted from."""

    DUE = "due"
    CLOSING = "closing"


@dataclass
class TaskCreate:
    """What a front knows about a new task; a salesperson or a team is required."""

    description: str
    due_date: dt.date | None = None
    start_time: dt.time | None = None
    type: TaskType = TaskType.NONE
    priority: Priority = Priority.NORMAL
    status: TaskStatus = TaskStatus.NOT_STARTED
    salesperson: str | None = None
    team: str | None = None
    campaign_no: str | None = None
    duration_min: int | None = None
    all_day: bool = False
    location: str | None = None
    recurring_interval: str | None = None
    recur_from: RecurFrom = RecurFrom.DUE
    interaction_template: str | None = None
    activity_code: str | None = None


@dataclass
class TaskClose:
    """What closing a task did: the next task of a recurring one and the interaction logged."""

    task: Task
    next_task: Task | None = None
    interaction: InteractionLogEntry | None = None
    suggested_template: str | None = None  # offer to log this when nothing was logged
    contact: Contact | None = None


@dataclass
class TaskFilter:
    """Which tasks a list shows; None means any."""

    salesperson: str | None = None
    team: str | None = None
    status: str | None = None  # a status, "open" (the default), "closed" or "all"
    overdue: bool = False
    contact: Contact | None = None
    opportunity: Opportunity | None = None
    today: dt.date | None = None
    limit: int = 50
    offset: int = 0


@dataclass
class TaskPage:
    tasks: list[Task]
    total: int


def get_by_no(*, db_session: Session, no: str) -> Task | None:
    """Return the task with this number, or None."""
    return db_session.scalars(select(Task).where(Task.no == no.strip().upper())).first()


def get_or_raise(*, db_session: Session, no: str) -> Task:
    """Return the task with this number, or say it does not exist."""
    task = get_by_no(db_session=db_session, no=no)
    if task is None:
        raise NotFound(f"There is no task '{no}'.", hint="`task list` shows the open tasks.")
    return task


def create(
    *,
    db_session: Session,
    actor: Actor,
    data: TaskCreate,
    contact: Contact | None = None,
    opportunity: Opportunity | None = None,
    today: dt.date | None = None,
) -> Task:
    """Create a task; a team task also gives each team member an organizer copy."""
    description = data.description.strip()
    if not description:
        raise InvalidInput("Describe the task.", field="description")
    if contact is None and opportunity is not None:
        contact = db_session.get(Contact, opportunity.contact_id)
    if contact is not None and contact.privacy_blocked:
        raise Conflict(
            f"{contact.no} {contact.name} is privacy blocked: no new tasks.",
            hint="Clear the block with `contact edit` once the contact allows it.",
        )
    salesperson = _salesperson(db_session, data.salesperson)
    team = _team(db_session, data.team)
    if salesperson is None and team is None:
        raise InvalidInput(
            "A task needs a salesperson or a team.",
            field="salesperson",
            hint="Add salesperson=<code> or team=<code>, or run as a salesperson (--as).",
        )
    if team is not None and salesperson is not None:
        members = {member.salesperson_code for member in team.members}
        if salesperson not in members:
            raise InvalidInput(
                f"Salesperson {salesperson} is not a member of team {team.code}.",
                field="salesperson",
            )
    _check_duration(data.duration_min)
    interval = (
        dateformula.validate(data.recurring_interval, field="recur")
        if data.recurring_interval
        else None
    )
    if opportunity is not None and opportunity.closed:
        raise Conflict(f"Opportunity {opportunity.no} is closed; it takes no new tasks.")
    due = data.due_date or _default_due(db_session, today or utcnow().date())

    task = _new_task(db_session, actor, data, description, due, contact, opportunity, interval)
    task.salesperson = salesperson
    if team is None:
        db_session.flush()
        log.info("Task %s created by %s", task.no, actor)
        return task
    task.team = team.code
    task.system_type = SystemTaskType.TEAM.value
    db_session.flush()
    for member in sorted(team.members, key=lambda m: m.salesperson_code):
        copy = _new_task(db_session, actor, data, description, due, contact, opportunity, interval)
        copy.team = team.code
        copy.salesperson = member.salesperson_code
        copy.organizer_task_id = task.id
    db_session.flush()
    log.info("Team task %s created for %s by %s", task.no, team.code, actor)
    return task


def _new_task(
    db_session: Session,
    actor: Actor,
    data: TaskCreate,
    description: str,
    due: dt.date,
    contact: Contact | None,
    opportunity: Opportunity | None,
    interval: str | None,
) -> Task:
    task = Task(
        no=next_number(db_session, "TASK"),
        type=TaskType(data.type).value,
        description=description[:200],
        due_date=due,
        start_time=data.start_time,
        duration_min=data.duration_min or 0,
        all_day=data.all_day,
        location=data.location,
        status=TaskStatus(data.status).value,
        priority=Priority(data.priority).value,
        closed=data.status == TaskStatus.COMPLETED,
        contact_id=contact.id if contact else None,
        company_id=(contact.company_id or contact.id) if contact else None,
        campaign_no=data.campaign_no.strip().upper() if data.campaign_no else None,
        opportunity_id=opportunity.id if opportunity else None,
        activity_code=data.activity_code,
        interaction_template=data.interaction_template,
        recurring=interval is not None,
        recurring_interval=interval,
        calc_due_from=RecurFrom(data.recur_from).value if interval else "",
        system_type=SystemTaskType.ORGANIZER.value,
    )
    stamp(task, actor, created=True)
    db_session.add(task)
    return task


def _salesperson(db_session: Session, code: str | None) -> str | None:
    if not code:
        return None
    salesperson = get_salesperson(db_session=db_session, code=code)
    if salesperson is None or salesperson.blocked:
        raise InvalidInput(
            f"Salesperson '{code}' does not exist or is blocked.", field="salesperson"
        )
    return salesperson.code


def _team(db_session: Session, code: str | None) -> Team | None:
    if not code:
        return None
    team = db_session.get(Team, code.strip().upper())
    if team is None:
        raise NotFound(f"There is no team '{code}'.", hint="`setup team list` shows them.")
    return team


def _check_duration(minutes: int | None) -> None:
    if minutes is not None and not 1 <= minutes <= MAX_MINUTES:
        raise InvalidInput(
            "A task lasts at least 1 minute and at most 10 years.",
            field="duration",
            hint="Give the duration in minutes, for example duration=30.",
        )


def _default_due(db_session: Session, today: dt.date) -> dt.date:
    formula = get_marketing_setup(db_session=db_session).default_task_date_formula
    return dateformula.apply(formula, today) if formula else today


def create_from_activity(
    *,
    db_session: Session,
    actor: Actor,
    activity: str,
    start: dt.date,
    opportunity: Opportunity | None = None,
    entry: OpportunityEntry | None = None,
    contact: Contact | None = None,
    salesperson: str | None = None,
) -> list[Task]:
    """Create one task per step of an activity, each dated by its step's date formula."""
    owner = db_session.get(Activity, activity.strip().upper())
    if owner is None:
        raise NotFound(f"There is no activity '{activity}'.")
    steps = db_session.scalars(
        select(ActivityStep)
        .where(ActivityStep.activity_code == owner.code)
        .order_by(ActivityStep.step_no)
    )
    created = []
    for step in steps:
        data = TaskCreate(
            description=step.description or owner.description,
            due_date=dateformula.apply(step.date_formula, start) if step.date_formula else start,
            type=TaskType(step.type),
            priority=Priority(step.priority),
            salesperson=salesperson or (opportunity.salesperson if opportunity else None),
            duration_min=STAGE_TASK_MINUTES,
            all_day=True,
            activity_code=owner.code,
        )
        task = create(
            db_session=db_session,
            actor=actor,
            data=data,
            contact=contact,
            opportunity=opportunity,
        )
        task.opportunity_entry_id = entry.id if entry else None
        created.append(task)
    db_session.flush()
    return created


def close(
    *,
    db_session: Session,
    actor: Actor,
    task: Task,
    completed_by: str | None = None,
    log_template: str | None = None,
    today: dt.date | None = None,
) -> TaskClose:
    """Complete a task; log its interaction when asked, and create the next of a recurring one."""
    if task.closed:
        raise Conflict(
            f"Task {task.no} is closed already ({'canceled' if task.canceled else task.status})."
        )
    is_team = task.team is not None
    doer = _salesperson(db_session, completed_by or actor.salesperson or task.salesperson)
    if is_team and doer is None:
        raise InvalidInput(
            f"Task {task.no} is a team task: say who completed it.",
            field="salesperson",
            hint="Run as that salesperson (--as), or ask them to close it.",
        )
    day = today or utcnow().date()
    contact = db_session.get(Contact, task.contact_id) if task.contact_id else None
    result = TaskClose(task, contact=contact)
    # Log first: a refused interaction (a privacy block, say) leaves the task untouched.
    if log_template:
        result.interaction = _log(db_session, actor, task, log_template, doer)
    else:
        result.suggested_template = _suggested_template(db_session, task)
    for item in _group(db_session, task):
        if not item.closed:
            item.status = TaskStatus.COMPLETED.value
            item.closed = True
            item.closed_at = utcnow()
            item.completed_by = doer
            stamp(item, actor)
    if task.recurring and task.recurring_interval:
        result.next_task = _recur(db_session, actor, _organizer(db_session, task), day)
    db_session.flush()
    log.info("Task %s completed by %s", task.no, actor)
    return result


def cancel(*, db_session: Session, actor: Actor, task: Task) -> Task:
    """Cancel a task (and its team copies); a canceled task is closed and never recurs."""
    if task.closed:
        raise Conflict(f"Task {task.no} is closed already; there is nothing to cancel.")
    for item in _group(db_session, task):
        if not item.closed:
            item.canceled = True
            item.closed = True
            item.closed_at = utcnow()
            stamp(item, actor)
    db_session.flush()
    log.info("Task %s canceled by %s", task.no, actor)
    return task


def _organizer(db_session: Session, task: Task) -> Task:
    if task.organizer_task_id is not None:
        parent = db_session.get(Task, task.organizer_task_id)
        if parent is not None:
            return parent
    return task


def _group(db_session: Session, task: Task) -> list[Task]:
    # A team task is done once: the team row and every member's copy close together.
    head = _organizer(db_session, task)
    copies = db_session.scalars(select(Task).where(Task.organizer_task_id == head.id))
    return [head, *copies]


def _recur(db_session: Session, actor: Actor, task: Task, closing_day: dt.date) -> Task:
    assert task.recurring_interval is not None
    base = closing_day if task.calc_due_from == RecurFrom.CLOSING.value else task.due_date
    data = TaskCreate(
        description=task.description,
        due_date=dateformula.apply(task.recurring_interval, base),
        start_time=task.start_time,
        type=TaskType(task.type),
        priority=Priority(task.priority),
        salesperson=task.salesperson if task.system_type != SystemTaskType.TEAM.value else None,
        team=task.team,
        campaign_no=task.campaign_no,
        duration_min=task.duration_min or None,
        all_day=task.all_day,
        location=task.location,
        recurring_interval=task.recurring_interval,
        recur_from=RecurFrom(task.calc_due_from or RecurFrom.DUE.value),
        interaction_template=task.interaction_template,
    )
    contact = db_session.get(Contact, task.contact_id) if task.contact_id else None
    opportunity = db_session.get(Opportunity, task.opportunity_id) if task.opportunity_id else None
    if opportunity is not None and opportunity.closed:
        opportunity = None
    return create(
        db_session=db_session, actor=actor, data=data, contact=contact, opportunity=opportunity
    )


def _suggested_template(db_session: Session, task: Task) -> str | None:
    if task.contact_id is None:
        return None
    if task.interaction_template:
        return task.interaction_template
    setup = get_marketing_setup(db_session=db_session)
    if task.type == TaskType.PHONE_CALL.value:
        return setup.phone_call_template
    if task.type == TaskType.MEETING.value:
        return setup.meeting_template
    return None


def _log(
    db_session: Session, actor: Actor, task: Task, template: str, salesperson: str | None
) -> InteractionLogEntry:
    from crm.interactions.service import InteractionCreate, log_interaction

    if task.contact_id is None:
        raise InvalidInput(
            f"Task {task.no} has no contact to log the interaction against.",
            field="log",
            hint='Log it with `log <contact> <template> "..."` instead.',
        )
    contact = db_session.get(Contact, task.contact_id)
    assert contact is not None
    opportunity = db_session.get(Opportunity, task.opportunity_id) if task.opportunity_id else None
    data = InteractionCreate(
        template=template,
        description=task.description,
        salesperson=salesperson or task.salesperson,
        campaign_no=task.campaign_no,
        task_no=task.no,
        opportunity_no=opportunity.no if opportunity else None,
    )
    return log_interaction(db_session=db_session, actor=actor, contact=contact, data=data)


def list_tasks(*, db_session: Session, where: TaskFilter) -> TaskPage:
    """Return one page of tasks by due date; team rows show under team=, copies otherwise."""
    stmt = select(Task)
    status = (where.status or "open").strip().lower()
    if status == "open":
        stmt = stmt.where(Task.closed.is_(False))
    elif status == "closed":
        stmt = stmt.where(Task.closed.is_(True))
    elif status == "canceled":
        stmt = stmt.where(Task.canceled.is_(True))
    elif status != "all":
        try:
            stmt = stmt.where(Task.status == TaskStatus(status).value, Task.canceled.is_(False))
        except ValueError:
            raise InvalidInput(
                f"'{where.status}' is not a task status.",
                field="status",
                hint="Use open, closed, canceled, all, not_started, in_progress, completed, "
                "waiting or postponed.",
            ) from None
    if where.team:
        stmt = stmt.where(
            Task.team == where.team.strip().upper(),
            Task.system_type == SystemTaskType.TEAM.value,
        )
    else:
        stmt = stmt.where(Task.system_type == SystemTaskType.ORGANIZER.value)
    if where.salesperson:
        stmt = stmt.where(Task.salesperson == where.salesperson.strip().upper())
    if where.overdue:
        today = where.today or utcnow().date()
        stmt = stmt.where(Task.closed.is_(False), Task.due_date < today)
    if where.contact is not None:
        column = Task.company_id if where.contact.is_company else Task.contact_id
        stmt = stmt.where(column == where.contact.id)
    if where.opportunity is not None:
        stmt = stmt.where(Task.opportunity_id == where.opportunity.id)
    total = db_session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.order_by(Task.due_date, Task.start_time, Task.id)
    tasks = list(db_session.scalars(stmt.offset(where.offset).limit(where.limit)))
    return TaskPage(tasks, total)

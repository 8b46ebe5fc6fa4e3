"""Task commands: what `task ...` runs."""

from crm.contacts import service as contact_service
from crm.opportunities import service as opps
from crm.opportunities.models import Priority
from crm.tasks import service as tasks
from crm.tasks.models import TaskType
from crm.tasks.service import RecurFrom, TaskClose, TaskCreate, TaskFilter, TaskPage
from crm.values import parse_bool
from handlers.context import Context
from handlers.grammar import Args
from handlers.interactions.options import (
    choice,
    date_option,
    int_option,
    salesperson_filter,
    time_option,
)
from handlers.views import Action, Card, Message, Stack, Table, Tone, View

PAGE = 25


def add(context: Context, args: Args) -> View:
    contact = opportunity = None
    if name := args.get("contact"):
        contact = contact_service.resolve(db_session=context.session, name=name)
    if name := args.get("opp"):
        opportunity = opps.resolve(db_session=context.session, name=name)
    team = args.get("team")
    # A task is yours unless it names someone else or a team.
    salesperson = args.get("salesperson") or (None if team else context.actor.salesperson)
    data = TaskCreate(
        description=args.rest(0),
        due_date=date_option(context, args, "due"),
        start_time=time_option(args, "time"),
        type=choice(TaskType, args.get("type") or "", "type")
        if args.get("type")
        else TaskType.NONE,
        priority=choice(Priority, args.get("priority") or "normal", "priority"),
        salesperson=salesperson,
        team=team,
        campaign_no=args.get("campaign"),
        duration_min=int_option(args, "duration"),
        recurring_interval=args.get("recur"),
        recur_from=choice(RecurFrom, args.get("recur_from") or "due", "recur_from"),
    )
    task = tasks.create(
        db_session=context.session,
        actor=context.actor,
        data=data,
        contact=contact,
        opportunity=opportunity,
        today=context.today(),
    )
    owner = f"team {task.team}" if task.team else task.salesperson
    return Message(
        f"Added task {task.no} {task.description} for {owner}, due {task.due_date}.",
        data={"no": task.no},
    )


def list_tasks(context: Context, args: Args) -> View:
    contact = None
    if name := args.get("contact"):
        contact = contact_service.resolve(db_session=context.session, name=name)
    page = max(int_option(args, "page") or 1, 1)
    where = TaskFilter(
        salesperson=salesperson_filter(context, args),
        team=args.get("team"),
        status=args.get("status"),
        overdue=parse_bool(args.get("overdue") or "no", field="overdue"),
        contact=contact,
        today=context.today(),
        limit=PAGE,
        offset=(page - 1) * PAGE,
    )
    return task_table(context, tasks.list_tasks(db_session=context.session, where=where), page)


def done(context: Context, args: Args) -> View:
    task = tasks.get_or_raise(db_session=context.session, no=args.word(0, "task"))
    result = tasks.close(
        db_session=context.session,
        actor=context.actor,
        task=task,
        log_template=args.get("log"),
        today=context.today(),
    )
    return closed_view(result)


def cancel(context: Context, args: Args) -> View:
    task = tasks.get_or_raise(db_session=context.session, no=args.word(0, "task"))
    tasks.cancel(db_session=context.session, actor=context.actor, task=task)
    return Message(f"Canceled task {task.no} {task.description}.", data={"no": task.no})


def closed_view(result: TaskClose) -> View:
    """Return what closing a task did, offering to log its interaction."""
    task = result.task
    items: list[View] = [Message(f"Completed task {task.no} {task.description}.")]
    if result.interaction is not None:
        items.append(Message(f"Logged interaction {result.interaction.id}.", tone=Tone.INFO))
    if result.next_task is not None:
        next_task = result.next_task
        items.append(
            Message(f"Next one: {next_task.no}, due {next_task.due_date}.", tone=Tone.INFO)
        )
    if result.interaction is None and result.contact is not None:
        template = result.suggested_template or "<template>"
        command = f'log {result.contact.no} {template} "{task.description}" task={task.no}'
        offer = Card(
            title="Log what happened?",
            fields=[("Command", command)],
            actions=[Action("Log it", command)] if result.suggested_template else [],
        )
        items.append(offer)
    return Stack(items) if len(items) > 1 else items[0]


def task_table(context: Context, page: TaskPage, number: int) -> Table:
    """Return one page of tasks."""
    today = context.today()
    rows = [
        [
            task.no,
            task.due_date.isoformat()
            + (" overdue" if not task.closed and task.due_date < today else ""),
            task.start_time.strftime("%H:%M") if task.start_time else "",
            task.description,
            task.type.replace("_", " "),
            task.priority,
            "canceled" if task.canceled else task.status.replace("_", " "),
            task.salesperson or f"team {task.team}",
        ]
        for task in page.tasks
    ]
    return Table(
        "Tasks" + (f" page {number}" if page.total > PAGE else ""),
        ["task", "due", "time", "description", "type", "priority", "status", "for"],
        rows,
        total=page.total,
        keys=[task.no for task in page.tasks],
        note="More: add page=<n>." if number * PAGE < page.total else None,
    )

"""Job and notification commands: what `jobs ...` and `notify ...` run."""

import datetime as dt

from crm.errors import InvalidInput
from crm.jobs import service as job_service
from crm.jobs.models import JobAction, NotificationPreference
from crm.values import parse_bool, parse_int
from handlers.context import Context
from handlers.grammar import Args
from handlers.views import Action, Card, Message, Table, View


def list_jobs(context: Context, args: Args) -> View:
    jobs = job_service.find(db_session=context.session)
    rows = []
    for job in jobs:
        next_run = "paused" if job.paused else _when(context, job.next_run_at)
        last = _when(context, job.last_run_at)
        if job.last_status:
            last += f" {job.last_status}"
        rows.append([job.job_id, job.description, job.schedule, next_run, last, job.last_summary])
    return Table(
        title="Scheduled jobs",
        columns=["Job", "What", "When", "Next run", "Last run", "Result"],
        rows=rows,
        keys=[job.job_id for job in jobs],
        note=None if jobs else "No jobs yet: they appear once `rapport start` has run.",
    )


def run_job(context: Context, args: Args) -> View:
    job = job_service.get_or_raise(db_session=context.session, job_id=args.word(0, "job id"))
    if job.paused:
        raise InvalidInput(
            f"Job {job.job_id} is paused.",
            field="job",
            hint=f"Resume it first with `jobs resume {job.job_id}`.",
        )
    job_service.request(
        db_session=context.session, actor=context.actor, job_id=job.job_id, action=JobAction.RUN
    )
    return Message(
        f"Job {job.job_id} will run within seconds on the instance that runs the scheduler.",
        hint="`jobs list` shows its result once it has run.",
        data={"job": job.job_id},
    )


def pause_job(context: Context, args: Args) -> View:
    job = job_service.request(
        db_session=context.session,
        actor=context.actor,
        job_id=args.word(0, "job id"),
        action=JobAction.PAUSE,
    )
    return Message(
        f"Job {job.job_id} is paused.",
        hint=f"`jobs resume {job.job_id}` starts it again.",
        data={"job": job.job_id},
    )


def resume_job(context: Context, args: Args) -> View:
    job = job_service.request(
        db_session=context.session,
        actor=context.actor,
        job_id=args.word(0, "job id"),
        action=JobAction.RESUME,
    )
    return Message(f"Job {job.job_id} is resumed.", data={"job": job.job_id})


def show_notifications(context: Context, args: Args) -> View:
    preference = job_service.get_preferences(
        db_session=context.session, salesperson=_salesperson(context)
    )
    return _card(preference)


def set_notifications(context: Context, args: Args) -> View:
    if not args.options:
        raise InvalidInput("Say what to change.", hint=f"Usage: {args.usage}")
    preference = job_service.set_preferences(
        db_session=context.session,
        salesperson=_salesperson(context),
        task_reminders=_flag(args, "reminders"),
        reminder_minutes=_number(args, "before"),
        overdue_summary=_flag(args, "summary"),
        summary_hour=_number(args, "hour"),
    )
    card = _card(preference)
    card.subtitle = "Saved."
    return card


def _card(preference: NotificationPreference) -> Card:
    on = {True: "on", False: "off"}
    return Card(
        title=f"Notifications of {preference.salesperson}",
        fields=[
            ("Task reminders", on[preference.task_reminders]),
            ("Remind before", f"{preference.reminder_minutes} minutes"),
            ("Morning summary", on[preference.overdue_summary]),
            ("Summary at", f"{preference.summary_hour}:00 in your time zone"),
        ],
        actions=[
            Action("Reminders off", "notify set reminders=off")
            if preference.task_reminders
            else Action("Reminders on", "notify set reminders=on"),
            Action("Summary off", "notify set summary=off")
            if preference.overdue_summary
            else Action("Summary on", "notify set summary=on"),
        ],
        key=preference.salesperson,
    )


def _salesperson(context: Context) -> str:
    if context.actor.salesperson is None:
        raise InvalidInput(
            "Notifications belong to a salesperson, and you are not acting as one.",
            hint="Run as a salesperson (--as or RAPPORT_USER), or link your Slack user.",
        )
    return context.actor.salesperson


def _flag(args: Args, key: str) -> bool | None:
    value = args.get(key)
    return None if value is None else parse_bool(value, field=key)


def _number(args: Args, key: str) -> int | None:
    value = args.get(key)
    return None if value is None else parse_int(value, field=key)


def _when(context: Context, moment: dt.datetime | None) -> str:
    if moment is None:
        return "—"
    return f"{context.local(moment):%Y-%m-%d %H:%M}"

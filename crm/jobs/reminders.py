"""Which tasks are due for a reminder and which are overdue, per salesperson."""

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.jobs.models import NotificationPreference, OverdueSummarySent
from crm.jobs.service import get_preferences
from crm.setup.models import Salesperson
from crm.tasks.models import Task

# A task without a time is due in the morning of its day, when the summary hour comes.
DEFAULT_HOUR = 8


@dataclass(frozen=True)
class Reminder:
    """One task to remind its salesperson of."""

    task_id: int
    task_no: str
    description: str
    due_at: dt.datetime
    salesperson: str
    slack_user_id: str
    time_zone: str


def due_moment(task: Task, zone: ZoneInfo, hour: int = DEFAULT_HOUR) -> dt.datetime:
    """Return when a task is due, in UTC: its date and time in the salesperson's zone."""
    at = task.start_time or dt.time(hour)
    return dt.datetime.combine(task.due_date, at, tzinfo=zone).astimezone(dt.UTC)


def reminders_due(*, db_session: Session, now: dt.datetime) -> list[Reminder]:
    """Return the open tasks whose reminder time has come and which were not reminded yet."""
    rows = db_session.execute(
        select(Task, Salesperson)
        .join(Salesperson, Salesperson.code == Task.salesperson)
        .where(Task.closed.is_(False), Task.canceled.is_(False), Task.reminded_at.is_(None))
        .where(Salesperson.slack_user_id.is_not(None), Salesperson.blocked.is_(False))
        .where(
            Task.due_date.between(
                now.date() - dt.timedelta(days=1), now.date() + dt.timedelta(days=8)
            )
        )
        .order_by(Task.due_date, Task.id)
    ).all()
    preferences = _preferences(db_session, {person.code for _, person in rows})
    found = []
    for task, person in rows:
        preference = preferences.get(person.code) or get_preferences(
            db_session=db_session, salesperson=person.code
        )
        if not preference.task_reminders:
            continue
        due = due_moment(task, ZoneInfo(person.time_zone), preference.summary_hour)
        remind_at = due - dt.timedelta(minutes=preference.reminder_minutes)
        # A reminder after the fact is noise: the morning summary covers what is overdue.
        if remind_at <= now < due:
            found.append(
                Reminder(
                    task.id,
                    task.no,
                    task.description,
                    due,
                    person.code,
                    person.slack_user_id or "",
                    person.time_zone,
                )
            )
    return found


def claim_reminder(*, db_session: Session, task_id: int, now: dt.datetime) -> bool:
    """Mark a task reminded, unless another run did it first; True when this run may send."""
    result = db_session.execute(
        update(Task).where(Task.id == task_id, Task.reminded_at.is_(None)).values(reminded_at=now)
    )
    return bool(cast(CursorResult[Any], result).rowcount)


@dataclass(frozen=True)
class SummaryTarget:
    """A salesperson whose morning has come and who has had no summary today."""

    salesperson: str
    slack_user_id: str
    day: dt.date
    time_zone: str


def summaries_due(*, db_session: Session, now: dt.datetime) -> list[SummaryTarget]:
    """Return the salespeople due for their morning summary of overdue tasks."""
    people = list(
        db_session.scalars(
            select(Salesperson)
            .where(Salesperson.slack_user_id.is_not(None), Salesperson.blocked.is_(False))
            .order_by(Salesperson.code)
        )
    )
    preferences = _preferences(db_session, {person.code for person in people})
    targets = []
    for person in people:
        preference = preferences.get(person.code) or get_preferences(
            db_session=db_session, salesperson=person.code
        )
        local = now.astimezone(ZoneInfo(person.time_zone))
        if not preference.overdue_summary or local.hour < preference.summary_hour:
            continue
        sent = db_session.scalar(
            select(OverdueSummarySent.id).where(
                OverdueSummarySent.salesperson == person.code,
                OverdueSummarySent.day == local.date(),
            )
        )
        if sent is None:
            targets.append(
                SummaryTarget(
                    person.code, person.slack_user_id or "", local.date(), person.time_zone
                )
            )
    return targets


def overdue_tasks(*, db_session: Session, salesperson: str, day: dt.date) -> list[Task]:
    """Return a salesperson's open tasks due before the day, oldest first."""
    return list(
        db_session.scalars(
            select(Task)
            .where(Task.salesperson == salesperson, Task.due_date < day)
            .where(Task.closed.is_(False), Task.canceled.is_(False))
            .order_by(Task.due_date, Task.id)
        )
    )


def record_summary(
    *, db_session: Session, salesperson: str, day: dt.date, now: dt.datetime, tasks: int, text: str
) -> bool:
    """Record the day's summary; False when another run already recorded it."""
    try:
        with db_session.begin_nested():
            db_session.add(
                OverdueSummarySent(
                    salesperson=salesperson, day=day, sent_at=now, tasks=tasks, text=text
                )
            )
    except IntegrityError:
        return False
    return True


def _preferences(db_session: Session, codes: set[str]) -> dict[str, NotificationPreference]:
    if not codes:
        return {}
    rows = db_session.scalars(
        select(NotificationPreference).where(NotificationPreference.salesperson.in_(codes))
    )
    return {row.salesperson: row for row in rows}

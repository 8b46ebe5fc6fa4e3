"""Job services: list jobs, request runs and pauses, record runs, keep notification preferences."""

import datetime as dt
import difflib
import logging

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm.audit import Actor
from crm.db import utcnow
from crm.errors import InvalidInput, NotFound
from crm.jobs.models import JobAction, JobRequest, JobRun, JobState, NotificationPreference

log = logging.getLogger(__name__)

RUN_STATUSES = ("ok", "partial", "failed", "running")


def find(*, db_session: Session) -> list[JobState]:
    """Return every known job, by id."""
    return list(db_session.scalars(select(JobState).order_by(JobState.job_id)))


def get_or_raise(*, db_session: Session, job_id: str) -> JobState:
    """Return the job with this id, or say which ids exist."""
    job = db_session.get(JobState, job_id.strip().lower())
    if job is None:
        known = [state.job_id for state in find(db_session=db_session)]
        close = difflib.get_close_matches(job_id, known, n=1)
        raise NotFound(
            f"There is no job '{job_id}'.",
            hint=(f"Did you mean '{close[0]}'? " if close else "")
            + f"Jobs: {', '.join(known) or 'none yet (start Rapport once)'}.",
        )
    return job


def request(*, db_session: Session, actor: Actor, job_id: str, action: JobAction) -> JobState:
    """Ask the scheduler's leader to run, pause or resume a job; record pauses at once."""
    job = get_or_raise(db_session=db_session, job_id=job_id)
    if action is JobAction.PAUSE:
        job.paused = True
    elif action is JobAction.RESUME:
        if not job.paused:
            raise InvalidInput(f"Job {job.job_id} is not paused.", field="job")
        job.paused = False
    db_session.add(
        JobRequest(
            job_id=job.job_id,
            action=action.value,
            requested_at=utcnow(),
            requested_by=actor.salesperson or actor.user,
        )
    )
    db_session.flush()
    log.info("Job %s: %s requested by %s", job.job_id, action.value, actor)
    return job


def request_sync(*, db_session: Session, job_id: str) -> None:
    """Ask the leader to re-read a dynamic schedule (a digest that was added or removed)."""
    db_session.add(JobRequest(job_id=job_id, action=JobAction.SYNC.value, requested_at=utcnow()))
    db_session.flush()


def take_requests(*, db_session: Session) -> list[JobRequest]:
    """Return the requests not yet applied, oldest first, marking them applied."""
    pending = list(
        db_session.scalars(
            select(JobRequest).where(JobRequest.applied_at.is_(None)).order_by(JobRequest.id)
        )
    )
    now = utcnow()
    for item in pending:
        item.applied_at = now
    db_session.flush()
    return pending


def save_state(
    *,
    db_session: Session,
    job_id: str,
    description: str,
    schedule: str,
    next_run_at: dt.datetime | None,
) -> JobState:
    """Record a job's schedule as the leader registered it."""
    job = db_session.get(JobState, job_id)
    if job is None:
        job = JobState(job_id=job_id, paused=False, last_status="", last_summary="")
        db_session.add(job)
    job.description, job.schedule, job.next_run_at = description[:200], schedule[:200], next_run_at
    db_session.flush()
    return job


def forget_state(*, db_session: Session, job_id: str) -> None:
    """Drop a job that no longer exists (a removed digest)."""
    job = db_session.get(JobState, job_id)
    if job is not None:
        db_session.delete(job)
        db_session.flush()


def start_run(*, db_session: Session, job_id: str, instance: str, now: dt.datetime) -> JobRun:
    """Record that a run of a job begins."""
    run = JobRun(job_id=job_id, instance=instance, started_at=now, status="running")
    db_session.add(run)
    db_session.flush()
    return run


def finish_run(
    *, db_session: Session, run_id: int, done: int, failed: int, summary: str, now: dt.datetime
) -> JobRun:
    """Record how a run ended, on the run and on its job."""
    run = db_session.get(JobRun, run_id)
    if run is None:
        raise NotFound(f"Job run {run_id} does not exist.")
    run.finished_at, run.done, run.failed, run.summary = now, done, failed, summary[:250]
    run.status = "failed" if failed and not done else "partial" if failed else "ok"
    db_session.execute(
        update(JobState)
        .where(JobState.job_id == run.job_id)
        .values(
            last_run_at=run.started_at,
            last_status=run.status,
            last_summary=run.summary,
            last_instance=run.instance,
        )
    )
    db_session.flush()
    return run


def runs(*, db_session: Session, job_id: str | None = None, limit: int = 100) -> list[JobRun]:
    """Return the latest runs, newest first."""
    query = select(JobRun).order_by(JobRun.id.desc()).limit(limit)
    if job_id:
        query = query.where(JobRun.job_id == job_id)
    return list(db_session.scalars(query))


def get_preferences(*, db_session: Session, salesperson: str) -> NotificationPreference:
    """Return a salesperson's notification preferences, the defaults when never set."""
    preference = db_session.get(NotificationPreference, salesperson)
    if preference is None:
        preference = NotificationPreference(
            salesperson=salesperson,
            task_reminders=True,
            reminder_minutes=30,
            overdue_summary=True,
            summary_hour=8,
        )
    return preference


def set_preferences(
    *,
    db_session: Session,
    salesperson: str,
    task_reminders: bool | None = None,
    reminder_minutes: int | None = None,
    overdue_summary: bool | None = None,
    summary_hour: int | None = None,
) -> NotificationPreference:
    """Switch a salesperson's reminders and morning summary on or off."""
    if reminder_minutes is not None and not 0 < reminder_minutes <= 7 * 24 * 60:
        raise InvalidInput("Remind between 1 minute and 7 days before.", field="before")
    if summary_hour is not None and not 0 <= summary_hour <= 23:
        raise InvalidInput("The summary hour is 0 to 23.", field="hour")
    preference = get_preferences(db_session=db_session, salesperson=salesperson)
    db_session.add(preference)
    if task_reminders is not None:
        preference.task_reminders = task_reminders
    if reminder_minutes is not None:
        preference.reminder_minutes = reminder_minutes
    if overdue_summary is not None:
        preference.overdue_summary = overdue_summary
    if summary_hour is not None:
        preference.summary_hour = summary_hour
    db_session.flush()
    return preference

"""Build the scheduler and the collaborators its jobs use, from the settings."""

import datetime as dt
import logging
import os
import socket

from bot.app import Rapport
from crm import db
from scheduler.jobs import JobSpec, static_jobs
from scheduler.leader import AdvisoryLock, LeaderLock, LeaseLock
from scheduler.ports import Collaborators, Notifier
from scheduler.service import SchedulerService

log = logging.getLogger(__name__)


def instance_name(app: Rapport) -> str:
    """Return this instance's name as job runs record it."""
    return app.settings.instance_name or f"{socket.gethostname()}:{os.getpid()}"


def build_notifier(app: Rapport) -> Notifier:
    """Return a Slack notifier when Slack is configured, else one that only logs."""
    from scheduler.slack_notifier import LogNotifier, SlackNotifier

    token = app.settings.slack_bot_token
    if token is None:
        return LogNotifier()
    from slack_sdk import WebClient

    client = WebClient(
        token=token.get_secret_value(),
        base_url=app.settings.slack_api_url or WebClient.BASE_URL,
    )
    return SlackNotifier(client)


def build_collaborators(app: Rapport) -> Collaborators:
    """Return what the jobs of this process run with."""
    return Collaborators(
        sessions=app.sessions,
        instance=instance_name(app),
        notifier=build_notifier(app),
        mailbox=None,
        options={
            "per_minute": app.settings.campaign_per_minute,
            "batch_size": app.settings.campaign_batch_size,
        },
    )


def build_lock(app: Rapport, holder: str) -> LeaderLock:
    """Return the PostgreSQL advisory lock, or a table lease on SQLite."""
    url = app.settings.database_url
    if url.startswith("postgresql"):
        return AdvisoryLock(url)
    ttl = dt.timedelta(seconds=max(2 * app.settings.scheduler_recheck_seconds, 1))
    return LeaseLock(app.engine, holder=holder, ttl=ttl)


def build_scheduler(app: Rapport, collaborators: Collaborators | None = None) -> SchedulerService:
    """Return the scheduler service of this instance, not yet started."""
    collaborators = collaborators or build_collaborators(app)

    def specs(session: object) -> list[JobSpec]:
        return static_jobs()

    return SchedulerService(
        collaborators=collaborators,
        job_store_engine=db.make_engine(app.settings.database_url),
        lock=build_lock(app, collaborators.instance),
        specs=specs,
        recheck_seconds=app.settings.scheduler_recheck_seconds,
    )


def start_scheduler(app: Rapport) -> SchedulerService | None:
    """Start competing for the scheduler, unless this instance is told not to run it."""
    if not app.settings.scheduler_enabled:
        log.info("The scheduler is disabled in this instance")
        return None
    service = build_scheduler(app)
    service.start()
    return service

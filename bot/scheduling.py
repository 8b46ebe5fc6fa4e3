"""Build the scheduler and the collaborators its jobs use, from the settings."""

import datetime as dt
import logging
import os
import socket

from sqlalchemy.orm import Session

from bot.app import Rapport
from crm import db
from scheduler.jobs import JobSpec, static_jobs
from scheduler.leader import AdvisoryLock, LeaderLock, LeaseLock
from scheduler.outbound import MaildirSender, Sender
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


def build_sender(app: Rapport) -> Sender | None:
    """Return the campaign sender over the configured mailbox, None when there is none."""
    from bot.mailcli import build_mailbox
    from scheduler.senders import MailboxSender, ews_sent_check, graph_sent_check

    settings = app.settings
    if settings.mail_backend == "none":
        return None
    mailbox = build_mailbox(settings)
    if settings.mail_backend == "ews":
        return MailboxSender(mailbox, sent_check=ews_sent_check(mailbox.account))
    if settings.mail_backend == "graph":
        return MailboxSender(mailbox, sent_check=graph_sent_check(mailbox))
    # A Maildir outbox keyed by Message-ID: a resent row is a no-op, a sent one is found.
    return MaildirSender(mailbox.folder("outbox"), address=mailbox.address)


def build_collaborators(app: Rapport) -> Collaborators:
    """Return what the jobs of this process run with."""
    from mail.templates import SandboxRenderer

    settings = app.settings
    secret = settings.unsubscribe_secret
    return Collaborators(
        sessions=app.sessions,
        instance=instance_name(app),
        notifier=build_notifier(app),
        mailbox=build_sender(app),
        renderer=SandboxRenderer(),
        sync=app.dataverse,
        options={
            "per_minute": settings.campaign_per_minute,
            "batch_size": settings.campaign_batch_size,
            "unsubscribe_secret": secret.get_secret_value() if secret else None,
            "public_url": settings.public_url,
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

    sync_minutes = app.settings.dataverse_sync_minutes if app.dataverse is not None else 0

    def specs(session: Session) -> list[JobSpec]:
        from scheduler.digests import digest_jobs

        return static_jobs(sync_minutes=sync_minutes) + digest_jobs(session)

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

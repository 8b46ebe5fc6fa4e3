"""Segment digests: post what changed since the last one, on each subscription's schedule."""

import json
import logging
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session

from crm.digests import service as digest_service
from crm.digests.models import DigestSubscription
from scheduler.jobs import JobSpec
from scheduler.ports import Collaborators
from scheduler.runtime import Outcome

log = logging.getLogger(__name__)

BUTTONS = {
    "new_contacts": "Show",
    "interactions": "Contact",
    "opened": "Open",
    "advanced": "Open",
    "won": "Open",
    "lost": "Open",
    "due": "Done",
    "overdue": "Done",
}


def _mrkdwn(text: str) -> str:
    # Slack's three control characters; everything else in mrkdwn is literal enough.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


ENVIRONMENT = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=False,
    undefined=StrictUndefined,
    keep_trailing_newline=False,
)
ENVIRONMENT.filters["mrkdwn"] = _mrkdwn
ENVIRONMENT.filters["bullet"] = lambda text: f"• {text}"


def digest_jobs(session: Session) -> list[JobSpec]:
    """Return one job per active digest, on a cron trigger in the subscriber's zone."""
    return [digest_job(subscription) for subscription in digest_service.find(db_session=session)]


def digest_job(subscription: DigestSubscription) -> JobSpec:
    """Return the job of one digest subscription."""
    hour, minute = (int(part) for part in subscription.at_time.split(":"))
    day = subscription.weekday if subscription.frequency == "weekly" else None
    zone = subscription.time_zone

    def trigger() -> CronTrigger:
        return CronTrigger(day_of_week=day or "*", hour=hour, minute=minute, timezone=zone)

    return JobSpec(
        f"digest-{subscription.id}",
        "digest",
        f"Digest of {subscription.segment_no or subscription.criteria_code} "
        f"to {subscription.target}",
        trigger,
        # A digest an hour late still tells the day's news; later, the next one will.
        misfire_grace_seconds=60 * 60,
        args=(subscription.id,),
        schedule=digest_service.schedule_text(subscription),
    )


def render_digest(
    changes: digest_service.Changes, subscription: DigestSubscription
) -> tuple[str, list[dict[str, Any]]]:
    """Return the fallback text and the Block Kit blocks of a digest."""
    zone = ZoneInfo(subscription.time_zone)
    raw = ENVIRONMENT.get_template("digest.json.j2").render(
        changes=changes,
        sections=digest_service.SECTIONS,
        button=BUTTONS,
        schedule=digest_service.schedule_text(subscription),
        since=f"{changes.start.astimezone(zone):%a %d %b %H:%M}",
        digest_id=subscription.id,
    )
    blocks: list[dict[str, Any]] = json.loads(raw)
    counts = ", ".join(
        f"{changes.counts[key]} {label.lower()}"
        for key, label in digest_service.SECTIONS
        if changes.counts.get(key)
    )
    return f"Digest of {changes.title}: {counts}.", blocks


def post_digest(collaborators: Collaborators, subscription_id: int) -> Outcome:
    """Post a digest of what changed since the last one; post nothing when nothing changed."""
    notifier = collaborators.notifier
    if notifier is None:
        return Outcome(summary="Slack is not configured: no digest")
    now = collaborators.clock()
    with collaborators.sessions.begin() as session:
        subscription = session.get(DigestSubscription, subscription_id)
        if subscription is None or not subscription.active:
            return Outcome(summary="digest removed")
        today = now.astimezone(ZoneInfo(subscription.time_zone)).date()
        changes = digest_service.changes(
            db_session=session,
            subscription=subscription,
            start=subscription.since,
            end=now,
            today=today,
        )
        if changes.empty:
            digest_service.record_run(
                db_session=session,
                subscription=subscription,
                end=now,
                posted=False,
                changes_count=0,
            )
            return Outcome(summary="nothing changed: not posted")
        text, blocks = render_digest(changes, subscription)
        posted = notifier.post(subscription.target, text, blocks)
        if not digest_service.record_run(
            db_session=session,
            subscription=subscription,
            end=now,
            posted=True,
            changes_count=changes.total,
            message_ts=posted.ts,
        ):
            log.warning("Digest %s for %s was recorded twice", subscription_id, now)
    log.info(
        "Digest %s posted to %s: %s changes", subscription_id, subscription.target, changes.total
    )
    return Outcome(done=1, summary=f"posted, {changes.total} changes")

"""Digest services: subscribe, list, remove, and gather what changed in a period."""

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import CursorResult, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from crm.audit import Actor
from crm.contacts.models import Contact
from crm.digests.models import DigestRun, DigestSubscription
from crm.errors import InvalidInput, NotFound
from crm.interactions.models import InteractionLogEntry
from crm.opportunities.models import Opportunity, OpportunityEntry
from crm.segments import criteria as crit
from crm.segments import service as segment_service
from crm.segments.models import SavedCriteria, SavedCriteriaAction
from crm.tasks.models import Task

log = logging.getLogger(__name__)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")
MAX_LISTED = 10


def add(
    *,
    db_session: Session,
    actor: Actor,
    target: str,
    source: str,
    frequency: str = "daily",
    weekday: str | None = None,
    at_time: str = "08:00",
    time_zone: str = "UTC",
    now: dt.datetime,
) -> DigestSubscription:
    """Subscribe a channel or person to a segment (SM...) or saved criteria (their code)."""
    frequency = frequency.strip().lower()
    if frequency not in ("daily", "weekly"):
        raise InvalidInput("A digest is daily or weekly.", field="every")
    if frequency == "weekly":
        weekday = (weekday or "mon").strip().lower()[:3]
        if weekday not in WEEKDAYS:
            raise InvalidInput(f"'{weekday}' is not a weekday.", field="day", hint="mon ... sun")
    else:
        weekday = None
    if not TIME.match(at_time.strip()):
        raise InvalidInput(f"'{at_time}' is not a time.", field="at", hint="Write it as 08:30.")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"'{time_zone}' is not a time zone.", field="tz", hint="Such as Europe/Berlin."
        ) from None
    if not target.strip():
        raise InvalidInput("Say where the digest goes.", field="channel")
    segment_no, criteria_code = _source(db_session, source)
    hour, minute = at_time.strip().split(":")
    subscription = DigestSubscription(
        target=target.strip(),
        segment_no=segment_no,
        criteria_code=criteria_code,
        frequency=frequency,
        weekday=weekday,
        at_time=f"{int(hour):02d}:{minute}",
        time_zone=time_zone,
        created_by=actor.salesperson or actor.user,
        created_at=now,
        active=True,
        since=now,
    )
    db_session.add(subscription)
    db_session.flush()
    log.info("Digest %s of %s for %s added by %s", subscription.id, source, target, actor)
    return subscription


def _source(db_session: Session, source: str) -> tuple[str | None, str | None]:
    key = source.strip().upper()
    if db_session.get(SavedCriteria, key) is not None:
        return None, key
    segment = segment_service.get_by_no(db_session=db_session, no=key)
    return segment.no, None


def find(*, db_session: Session) -> list[DigestSubscription]:
    """Return the active subscriptions, oldest first."""
    return list(
        db_session.scalars(
            select(DigestSubscription)
            .where(DigestSubscription.active.is_(True))
            .order_by(DigestSubscription.id)
        )
    )


def get_or_raise(*, db_session: Session, digest_id: str | int) -> DigestSubscription:
    """Return an active subscription by its number."""
    try:
        key = int(str(digest_id).strip().lstrip("#"))
    except ValueError:
        raise InvalidInput(f"'{digest_id}' is not a digest number.", field="digest") from None
    subscription = db_session.get(DigestSubscription, key)
    if subscription is None or not subscription.active:
        raise NotFound(f"There is no digest {key}.", hint="`digest list` shows them.")
    return subscription


def remove(*, db_session: Session, actor: Actor, digest_id: str | int) -> DigestSubscription:
    """Stop a digest; its history stays."""
    subscription = get_or_raise(db_session=db_session, digest_id=digest_id)
    subscription.active = False
    db_session.flush()
    log.info("Digest %s removed by %s", subscription.id, actor)
    return subscription


def schedule_text(subscription: DigestSubscription) -> str:
    """Return how a person reads the digest's schedule."""
    when = "daily" if subscription.frequency == "daily" else f"weekly on {subscription.weekday}"
    return f"{when} at {subscription.at_time} {subscription.time_zone}"


@dataclass
class Item:
    """One line of a digest, with the command a button runs for it."""

    key: str
    text: str
    command: str


@dataclass
class Changes:
    """What changed for a digest's contacts in a period, by kind."""

    title: str
    start: dt.datetime
    end: dt.datetime
    sections: dict[str, list[Item]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when nothing changed; tasks due and overdue are context, not changes."""
        return not self.total

    @property
    def total(self) -> int:
        return sum(self.counts.get(key, 0) for key in CHANGE_KINDS)


SECTIONS = (
    ("new_contacts", "New contacts"),
    ("interactions", "Interactions logged"),
    ("opened", "Opportunities opened"),
    ("advanced", "Opportunities advanced"),
    ("won", "Opportunities won"),
    ("lost", "Opportunities lost"),
    ("due", "Tasks due this week"),
    ("overdue", "Tasks overdue"),
)


CHANGE_KINDS = ("new_contacts", "interactions", "opened", "advanced", "won", "lost")


def contact_ids(
    *, db_session: Session, subscription: DigestSubscription, today: dt.date
) -> set[int]:
    """Return the contacts a digest covers: the segment's, or those its criteria select now."""
    if subscription.segment_no:
        segment = segment_service.get_by_no(db_session=db_session, no=subscription.segment_no)
        return set(segment_service.contact_ids(db_session=db_session, segment=segment))
    ids: set[int] = set()
    actions = db_session.scalars(
        select(SavedCriteriaAction)
        .where(SavedCriteriaAction.code == subscription.criteria_code)
        .order_by(SavedCriteriaAction.seq)
    )
    for action in actions:
        criteria = crit.parse(
            db_session=db_session, options=crit.split_text(action.criteria), today=today
        )
        c = aliased(Contact, name="c")
        matched = set(db_session.scalars(select(c.id).where(crit.selection(criteria, c))))
        if action.action == crit.Action.ADD.value:
            ids |= matched
        elif action.action == crit.Action.REDUCE.value:
            ids -= matched
        else:
            ids &= matched
    return ids


def changes(
    *,
    db_session: Session,
    subscription: DigestSubscription,
    start: dt.datetime,
    end: dt.datetime,
    today: dt.date,
) -> Changes:
    """Gather what changed for the digest's contacts between start and end."""
    ids = contact_ids(db_session=db_session, subscription=subscription, today=today)
    title = subscription.segment_no or f"criteria {subscription.criteria_code}"
    found = Changes(title=title, start=start, end=end)
    if not ids:
        return found
    chunks = [list(ids)[i : i + 5000] for i in range(0, len(ids), 5000)]
    rows: dict[str, list[Item]] = {key: [] for key, _ in SECTIONS}
    for chunk in chunks:
        _collect(db_session, rows, chunk, start, end, today)
    for key, _label in SECTIONS:
        items = rows[key]
        found.counts[key] = len(items)
        found.sections[key] = items[:MAX_LISTED]
    return found


def _collect(
    db_session: Session,
    rows: dict[str, list[Item]],
    ids: list[int],
    start: dt.datetime,
    end: dt.datetime,
    today: dt.date,
) -> None:
    for contact in db_session.scalars(
        select(Contact)
        .where(Contact.id.in_(ids), Contact.created_at >= start, Contact.created_at < end)
        .order_by(Contact.no)
    ):
        rows["new_contacts"].append(
            Item(contact.no, f"{contact.no} {contact.name}", f"contact show {contact.no}")
        )
    for entry, contact in db_session.execute(
        select(InteractionLogEntry, Contact)
        .join(Contact, Contact.id == InteractionLogEntry.contact_id)
        .where(InteractionLogEntry.contact_id.in_(ids), InteractionLogEntry.canceled.is_(False))
        .where(InteractionLogEntry.created_at >= start, InteractionLogEntry.created_at < end)
        .order_by(InteractionLogEntry.occurred_at)
    ):
        rows["interactions"].append(
            Item(
                str(entry.id),
                f"{contact.name}: {entry.description} ({entry.template_code})",
                f"contact show {contact.no}",
            )
        )
    for opportunity in db_session.scalars(
        select(Opportunity)
        .where(Opportunity.contact_id.in_(ids))
        .where(Opportunity.created_at >= start, Opportunity.created_at < end)
        .order_by(Opportunity.no)
    ):
        rows["opened"].append(
            Item(
                opportunity.no,
                f"{opportunity.no} {opportunity.description}",
                f"opp show {opportunity.no}",
            )
        )
    kinds = {"next": "advanced", "jumped": "advanced", "won": "won", "lost": "lost"}
    # Stage changes carry a date only: count whole days, those before the period's end day,
    # so that each day lands in exactly one digest.
    for step, opportunity in db_session.execute(
        select(OpportunityEntry, Opportunity)
        .join(Opportunity, Opportunity.id == OpportunityEntry.opportunity_id)
        .where(Opportunity.contact_id.in_(ids))
        .where(OpportunityEntry.action_taken.in_(tuple(kinds)))
        .where(OpportunityEntry.date_of_change >= start.date())
        .where(OpportunityEntry.date_of_change < end.date())
        .order_by(OpportunityEntry.id)
    ):
        kind = kinds[step.action_taken]
        text = f"{opportunity.no} {opportunity.description}"
        if kind == "advanced":
            text += f" → stage {step.stage}"
        rows[kind].append(Item(opportunity.no, text, f"opp show {opportunity.no}"))
    open_tasks = (
        select(Task)
        .where(Task.contact_id.in_(ids), Task.closed.is_(False), Task.canceled.is_(False))
        .order_by(Task.due_date, Task.no)
    )
    week = today + dt.timedelta(days=7)
    for task in db_session.scalars(open_tasks.where(Task.due_date >= today, Task.due_date <= week)):
        rows["due"].append(
            Item(
                task.no,
                f"{task.no} {task.description} (due {task.due_date:%d %b})",
                f"task done {task.no}",
            )
        )
    for task in db_session.scalars(open_tasks.where(Task.due_date < today)):
        rows["overdue"].append(
            Item(
                task.no,
                f"{task.no} {task.description} (due {task.due_date:%d %b})",
                f"task done {task.no}",
            )
        )


def record_run(
    *,
    db_session: Session,
    subscription: DigestSubscription,
    end: dt.datetime,
    posted: bool,
    changes_count: int,
    message_ts: str | None = None,
) -> bool:
    """Record a digest period and move the subscription's watermark; False if already done."""
    try:
        with db_session.begin_nested():
            db_session.execute(
                insert(DigestRun).values(
                    subscription_id=subscription.id,
                    period_start=subscription.since,
                    period_end=end,
                    posted=posted,
                    changes=changes_count,
                    message_ts=message_ts,
                )
            )
    except IntegrityError:
        return False
    result = db_session.execute(
        update(DigestSubscription).where(DigestSubscription.id == subscription.id).values(since=end)
    )
    return bool(cast(CursorResult[Any], result).rowcount)

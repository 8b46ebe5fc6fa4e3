"""Log a segment (one interaction per line, campaign entry, follow-up) and cancel it."""

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import Boolean, Integer, String, func, insert, literal, select, update
from sqlalchemy.orm import Session

from crm.audit import Actor, stamp
from crm.campaigns.models import CampaignEntry
from crm.contacts.models import Contact
from crm.db import Money, UTCDateTime, utcnow
from crm.errors import Conflict, InvalidInput
from crm.interactions.models import InteractionLogEntry, InteractionTemplate
from crm.interactions.service import get_template_or_raise
from crm.numbering import next_number
from crm.segments.models import LoggedSegment, SegmentHeader
from crm.segments.service import LINES, active, count_lines
from crm.setup.models import Salesperson

log = logging.getLogger(__name__)

ENTRIES = InteractionLogEntry.__table__


@dataclass
class LogResult:
    logged: LoggedSegment
    follow_up: SegmentHeader | None


def log_segment(
    *,
    db_session: Session,
    actor: Actor,
    segment: SegmentHeader,
    template: str | None = None,
    follow_up: bool = False,
) -> LogResult:
    """Log one interaction per line in one INSERT ... SELECT; skip privacy-blocked contacts.

    The rules are those of a single logged interaction: a template, a salesperson (the
    segment's, else the contact's) that exists and is not blocked, and no new interactions
    for privacy-blocked contacts.
    """
    if segment.logged_segment_id is not None:
        raise Conflict(f"Segment {segment.no} is logged already.")
    if not segment.description.strip():
        raise InvalidInput(
            "A segment needs a description before it is logged.", field="description"
        )
    code = template or segment.interaction_template
    if not code:
        raise InvalidInput(
            f"Segment {segment.no} has no interaction template to log it as.",
            field="template",
            hint="Add template=<code>.",
        )
    tmpl = get_template_or_raise(db_session=db_session, code=code)
    total = count_lines(db_session=db_session, segment=segment)
    if total == 0:
        raise InvalidInput(
            f"Segment {segment.no} is empty; there is nothing to log.",
            hint="Add contacts with `segment add`.",
        )
    _check_salespeople(db_session, segment)
    blocked = _blocked(db_session, segment)
    if blocked == total:
        raise Conflict(f"Every contact of segment {segment.no} is privacy blocked.")

    now = utcnow()
    who = actor.salesperson or actor.user
    logged = LoggedSegment(
        segment_no=segment.no,
        description=segment.description,
        campaign_no=segment.campaign_no,
        skipped=blocked,
        created_at=now,
        created_by=who,
        created_via=actor.channel.value,
    )
    db_session.add(logged)
    db_session.flush()
    entry_id = None
    if segment.campaign_no:
        entry = CampaignEntry(
            campaign_no=segment.campaign_no,
            description=segment.description,
            date=now.date(),
            user=who,
            segment_no=segment.no,
            salesperson=segment.salesperson,
            logged_segment_id=logged.id,
        )
        db_session.add(entry)
        db_session.flush()
        entry_id = entry.id

    logged.interactions = _insert_interactions(
        db_session, segment, tmpl, logged.id, entry_id, actor, now
    )
    segment.interaction_template = tmpl.code
    segment.logged_segment_id = logged.id
    stamp(segment, actor)
    result = LogResult(logged, None)
    if follow_up:
        result.follow_up = _follow_up(db_session, actor, segment)
        logged.follow_up_segment_no = result.follow_up.no
    db_session.flush()
    log.info(
        "Segment %s logged as %d (%d interactions, %d blocked skipped) by %s",
        segment.no,
        logged.id,
        logged.interactions,
        blocked,
        actor,
    )
    return result


def _check_salespeople(db_session: Session, segment: SegmentHeader) -> None:
    if segment.salesperson:
        return
    stmt = (
        select(Contact.no)
        .join(LINES, LINES.c.contact_id == Contact.id)
        .outerjoin(Salesperson, Salesperson.code == Contact.salesperson)
        .where(*active(segment.id))  # type: ignore[arg-type]
        .where((Salesperson.code.is_(None)) | Salesperson.blocked.is_(True))
        .limit(5)
    )
    missing = list(db_session.scalars(stmt))
    if missing:
        raise InvalidInput(
            "Each interaction needs a salesperson that is not blocked; these contacts have "
            f"none: {', '.join(missing)}.",
            field="salesperson",
            hint="Give the segment a salesperson with `segment new ... salesperson=`, or set "
            "the contacts' salesperson.",
        )


def _blocked(db_session: Session, segment: SegmentHeader) -> int:
    stmt = (
        select(func.count())
        .select_from(LINES)
        .join(Contact, Contact.id == LINES.c.contact_id)
        .where(*active(segment.id), Contact.privacy_blocked.is_(True))  # type: ignore[arg-type]
    )
    return db_session.scalar(stmt) or 0


def _insert_interactions(
    db_session: Session,
    segment: SegmentHeader,
    tmpl: InteractionTemplate,
    logged_id: int,
    entry_id: int | None,
    actor: Actor,
    now: dt.datetime,
) -> int:
    cost = segment.unit_cost if segment.unit_cost is not None else tmpl.unit_cost
    duration = (
        segment.unit_duration_min
        if segment.unit_duration_min is not None
        else tmpl.unit_duration_min
    )
    who = actor.salesperson or actor.user
    values = {
        "contact_id": Contact.id,
        "company_id": func.coalesce(Contact.company_id, Contact.id),
        "occurred_at": literal(now, UTCDateTime),
        "description": literal(segment.description[:250], String),
        "subject": literal(segment.subject, String),
        "template_code": literal(tmpl.code, String),
        "group_code": literal(tmpl.group_code, String),
        "information_flow": literal(tmpl.information_flow, String),
        "initiated_by": literal(tmpl.initiated_by, String),
        "cost": literal(cost, Money),
        "duration_min": literal(duration, Integer),
        "salesperson": func.coalesce(literal(segment.salesperson, String), Contact.salesperson),
        "evaluation": literal("", String),
        "attempt_failed": literal(False, Boolean),
        "correspondence_type": literal(tmpl.correspondence_type, String),
        "canceled": literal(False, Boolean),
        "postponed": literal(False, Boolean),
        "campaign_no": literal(segment.campaign_no, String),
        "campaign_entry_id": literal(entry_id, Integer),
        "campaign_target": literal(segment.campaign_target, Boolean),
        "campaign_response": literal(segment.campaign_response, Boolean),
        "segment_no": literal(segment.no, String),
        "logged_segment_id": literal(logged_id, Integer),
        "email_logged": literal(False, Boolean),
        "created_at": literal(now, UTCDateTime),
        "created_by": literal(who, String),
        "created_via": literal(actor.channel.value, String),
        "modified_at": literal(now, UTCDateTime),
        "modified_by": literal(who, String),
        "modified_via": literal(actor.channel.value, String),
    }
    rows = (
        select(*values.values())
        .select_from(LINES)
        .join(Contact, Contact.id == LINES.c.contact_id)
        .where(*active(segment.id), Contact.privacy_blocked.is_(False))  # type: ignore[arg-type]
        .order_by(LINES.c.id)
    )
    result = db_session.execute(insert(ENTRIES).from_select(list(values), rows))
    return result.rowcount or 0  # type: ignore[attr-defined]


def _follow_up(db_session: Session, actor: Actor, segment: SegmentHeader) -> SegmentHeader:
    follow = SegmentHeader(
        no=next_number(db_session, "SEGMENT"),
        description=f"Follow-up on segment {segment.no}"[:100],
        date=segment.date,
        salesperson=segment.salesperson,
        campaign_no=segment.campaign_no,
        campaign_target=segment.campaign_target,
        campaign_response=segment.campaign_response,
    )
    stamp(follow, actor, created=True)
    db_session.add(follow)
    db_session.flush()
    # The follow-up's lines are its starting contents: no criteria action added them.
    rows = select(literal(follow.id), LINES.c.contact_id, LINES.c.company_id).where(
        *active(segment.id)  # type: ignore[arg-type]
    )
    db_session.execute(insert(LINES).from_select(["segment_id", "contact_id", "company_id"], rows))
    return follow


def cancel_logged(*, db_session: Session, actor: Actor, logged: LoggedSegment) -> int:
    """Cancel a logged segment with its interactions and campaign entries; return interactions."""
    if logged.canceled:
        raise Conflict(f"Logged segment {logged.id} is canceled already.")
    logged.canceled = True
    result = db_session.execute(
        update(ENTRIES)
        .where(ENTRIES.c.logged_segment_id == logged.id, ENTRIES.c.canceled.is_(False))
        .values(canceled=True, modified_at=utcnow(), modified_by=actor.salesperson or actor.user)
    )
    db_session.execute(
        update(CampaignEntry)
        .where(CampaignEntry.logged_segment_id == logged.id)
        .values(canceled=True)
    )
    db_session.flush()
    log.info("Logged segment %d canceled by %s", logged.id, actor)
    return result.rowcount or 0  # type: ignore[attr-defined]

"""Segment services: create segments, run criteria actions set-based, go back, save and reuse."""

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, delete, exists, func, insert, literal, select, update
from sqlalchemy.orm import Session, aliased

from crm.audit import Actor, stamp
from crm.campaigns.models import Campaign
from crm.contacts.models import Contact, ContactMailingGroup
from crm.errors import Conflict, InvalidInput, NotFound
from crm.interactions.service import get_template_or_raise
from crm.numbering import next_number
from crm.segments import criteria as crit
from crm.segments.models import (
    LoggedSegment,
    SavedCriteria,
    SavedCriteriaAction,
    SegmentCriteriaAction,
    SegmentHeader,
    SegmentLine,
)
from crm.setup.models import MailingGroup
from crm.setup.service import get_salesperson_or_raise

log = logging.getLogger(__name__)

LINES = SegmentLine.__table__


@dataclass
class SegmentCreate:
    """What a user gives for a new segment; everything but the description is optional."""

    description: str
    salesperson: str | None = None
    interaction_template: str | None = None
    campaign_no: str | None = None
    campaign_target: bool = False
    campaign_response: bool = False
    subject: str | None = None
    unit_cost: Decimal | None = None
    unit_duration_min: int | None = None


def create(
    *, db_session: Session, actor: Actor, data: SegmentCreate, today: dt.date
) -> SegmentHeader:
    """Create an empty segment with the next segment number."""
    if not data.description.strip():
        raise InvalidInput("A segment needs a description.", field="description")
    segment = SegmentHeader(
        no=next_number(db_session, "SEGMENT"),
        description=data.description.strip()[:100],
        date=today,
        campaign_target=data.campaign_target,
        campaign_response=data.campaign_response,
        subject=data.subject,
        unit_cost=data.unit_cost,
        unit_duration_min=data.unit_duration_min,
    )
    if data.salesperson or actor.salesperson:
        code = data.salesperson or actor.salesperson or ""
        segment.salesperson = get_salesperson_or_raise(db_session=db_session, code=code).code
    if data.interaction_template:
        template = get_template_or_raise(db_session=db_session, code=data.interaction_template)
        segment.interaction_template = template.code
    if data.campaign_no:
        segment.campaign_no = _campaign_no(db_session, data.campaign_no)
    stamp(segment, actor, created=True)
    db_session.add(segment)
    db_session.flush()
    log.info("Segment %s created by %s", segment.no, actor)
    return segment


def _campaign_no(db_session: Session, no: str) -> str:
    campaign = db_session.scalars(select(Campaign).where(Campaign.no == no.strip().upper())).first()
    if campaign is None:
        raise NotFound(f"There is no campaign '{no}'.", hint="`campaign list` shows them.")
    return campaign.no


def get_by_no(*, db_session: Session, no: str) -> SegmentHeader:
    """Return the segment with this number, or say how to find one."""
    stmt = select(SegmentHeader).where(SegmentHeader.no == no.strip().upper())
    segment = db_session.scalars(stmt).first()
    if segment is None:
        raise NotFound(f"There is no segment '{no}'.", hint="`segment list` shows them.")
    return segment


def find(*, db_session: Session, logged: bool | None = None) -> list[tuple[SegmentHeader, int]]:
    """Return segments with their number of contacts, newest first."""
    count = (
        select(func.count())
        .where(LINES.c.segment_id == SegmentHeader.id, LINES.c.removed_by_action.is_(None))
        .scalar_subquery()
    )
    stmt = select(SegmentHeader, count).order_by(SegmentHeader.no.desc())
    if logged is not None:
        column = SegmentHeader.logged_segment_id
        stmt = stmt.where(column.is_not(None) if logged else column.is_(None))
    return [(segment, lines) for segment, lines in db_session.execute(stmt.limit(200))]


def active(segment_id: int) -> list[object]:
    """Return the conditions selecting a segment's current lines."""
    return [LINES.c.segment_id == segment_id, LINES.c.removed_by_action.is_(None)]


def count_lines(*, db_session: Session, segment: SegmentHeader) -> int:
    """Return how many contacts the segment holds now."""
    stmt = select(func.count()).select_from(LINES).where(*active(segment.id))  # type: ignore[arg-type]
    return db_session.scalar(stmt) or 0


def contact_ids(*, db_session: Session, segment: SegmentHeader) -> list[int]:
    """Return the ids of the segment's contacts, in id order (for tests and small exports)."""
    stmt = select(LINES.c.contact_id).where(*active(segment.id)).order_by(LINES.c.contact_id)  # type: ignore[arg-type]
    return list(db_session.scalars(stmt))


def actions(*, db_session: Session, segment: SegmentHeader) -> list[SegmentCriteriaAction]:
    """Return the criteria actions that built the segment, in order."""
    stmt = (
        select(SegmentCriteriaAction)
        .where(SegmentCriteriaAction.segment_id == segment.id)
        .order_by(SegmentCriteriaAction.action_no)
    )
    return list(db_session.scalars(stmt))


def _check_open(segment: SegmentHeader) -> None:
    if segment.logged_segment_id is not None:
        raise Conflict(
            f"Segment {segment.no} is logged and can no longer change.",
            hint=f"Reuse its contacts in a new segment: `segment reuse <new> logged="
            f"{segment.logged_segment_id}`.",
        )


def run_action(
    *,
    db_session: Session,
    actor: Actor,
    segment: SegmentHeader,
    action: crit.Action,
    criteria: crit.Criteria,
) -> SegmentCriteriaAction:
    """Add, reduce or refine the segment's contacts with ONE set-based statement.

    Add inserts the matching contacts not already in; reduce stamps the matching lines as
    removed by this action, refine the lines that do not match. Nothing is loaded into Python.
    """
    _check_open(segment)
    crit.logged_segment_exists(db_session=db_session, criteria=criteria)
    action_no = _last_action_no(db_session, segment) + 1
    if action is crit.Action.ADD:
        changed = _add(db_session, segment.id, action_no, criteria)
    else:
        changed = _remove(db_session, segment.id, action_no, criteria, action)
    record = SegmentCriteriaAction(
        segment_id=segment.id,
        action_no=action_no,
        action=action.value,
        criteria=criteria.text(),
        lines_changed=changed,
        created_by=actor.salesperson or actor.user,
    )
    db_session.add(record)
    stamp(segment, actor)
    db_session.flush()
    log.info("Segment %s %s %s: %d lines", segment.no, action.value, record.criteria, changed)
    return record


def _last_action_no(db_session: Session, segment: SegmentHeader) -> int:
    stmt = select(func.max(SegmentCriteriaAction.action_no)).where(
        SegmentCriteriaAction.segment_id == segment.id
    )
    return db_session.scalar(stmt) or 0


def _add(db_session: Session, segment_id: int, action_no: int, criteria: crit.Criteria) -> int:
    c = aliased(Contact, name="c")
    present = LINES.alias("present")
    already = exists().where(
        present.c.segment_id == segment_id,
        present.c.removed_by_action.is_(None),
        present.c.contact_id == c.id,
    )
    rows = select(
        literal(segment_id), c.id, func.coalesce(c.company_id, c.id), literal(action_no)
    ).where(crit.selection(criteria, c), ~already)
    stmt = insert(LINES).from_select(
        ["segment_id", "contact_id", "company_id", "added_by_action"], rows
    )
    return db_session.execute(stmt).rowcount or 0  # type: ignore[attr-defined]


def _remove(
    db_session: Session,
    segment_id: int,
    action_no: int,
    criteria: crit.Criteria,
    action: crit.Action,
) -> int:
    c = aliased(Contact, name="c")
    matches = exists().where(c.id == LINES.c.contact_id, crit.selection(criteria, c))
    stmt = (
        update(LINES)
        .where(*active(segment_id), matches if action is crit.Action.REDUCE else ~matches)  # type: ignore[arg-type]
        .values(removed_by_action=action_no)
    )
    return db_session.execute(stmt).rowcount or 0  # type: ignore[attr-defined]


def go_back(
    *, db_session: Session, actor: Actor, segment: SegmentHeader, steps: int = 1
) -> list[SegmentCriteriaAction]:
    """Undo the last criteria actions, restoring exactly the contents before each."""
    _check_open(segment)
    history = actions(db_session=db_session, segment=segment)
    if steps < 1:
        raise InvalidInput("Go back at least one step.", field="steps")
    if not history:
        raise Conflict(f"Segment {segment.no} has no criteria action to undo.")
    if steps > len(history):
        raise InvalidInput(
            f"Segment {segment.no} has only {len(history)} criteria actions to undo.",
            field="steps",
        )
    undone = history[-steps:][::-1]
    for record in undone:
        db_session.execute(
            delete(LINES).where(
                LINES.c.segment_id == segment.id, LINES.c.added_by_action == record.action_no
            )
        )
        db_session.execute(
            update(LINES)
            .where(LINES.c.segment_id == segment.id, LINES.c.removed_by_action == record.action_no)
            .values(removed_by_action=None)
        )
        db_session.delete(record)
    stamp(segment, actor)
    db_session.flush()
    log.info("Segment %s went back %d steps (by %s)", segment.no, steps, actor)
    return undone


def save_criteria(
    *, db_session: Session, actor: Actor, segment: SegmentHeader, code: str, description: str = ""
) -> SavedCriteria:
    """Store the segment's criteria actions, in order, under a code for reuse."""
    code = code.strip().upper()
    if not code or len(code) > 20:
        raise InvalidInput("A criteria code has 1 to 20 characters.", field="code")
    if db_session.get(SavedCriteria, code) is not None:
        raise Conflict(
            f"Saved criteria {code} exist already.", hint="Choose another code for these."
        )
    history = actions(db_session=db_session, segment=segment)
    if not history:
        raise InvalidInput(
            f"Segment {segment.no} has no criteria actions to save.",
            hint="Build it with `segment add` first.",
        )
    saved = SavedCriteria(code=code, description=description or segment.description)
    stamp(saved, actor, created=True)
    db_session.add(saved)
    for seq, record in enumerate(history, start=1):
        db_session.add(
            SavedCriteriaAction(code=code, seq=seq, action=record.action, criteria=record.criteria)
        )
    db_session.flush()
    log.info("Criteria %s saved from segment %s by %s", code, segment.no, actor)
    return saved


def saved_criteria(*, db_session: Session) -> list[tuple[SavedCriteria, list[SavedCriteriaAction]]]:
    """Return every saved criteria with its actions."""
    result = []
    for saved in db_session.scalars(select(SavedCriteria).order_by(SavedCriteria.code)):
        result.append((saved, _saved_actions(db_session, saved.code)))
    return result


def _saved_actions(db_session: Session, code: str) -> list[SavedCriteriaAction]:
    stmt = (
        select(SavedCriteriaAction)
        .where(SavedCriteriaAction.code == code)
        .order_by(SavedCriteriaAction.seq)
    )
    return list(db_session.scalars(stmt))


def reuse_criteria(
    *, db_session: Session, actor: Actor, segment: SegmentHeader, code: str, today: dt.date
) -> list[SegmentCriteriaAction]:
    """Replay saved criteria on the segment, one recorded action per saved action."""
    saved = db_session.get(SavedCriteria, code.strip().upper())
    if saved is None:
        known = db_session.scalars(select(SavedCriteria.code).order_by(SavedCriteria.code))
        raise NotFound(
            f"There are no saved criteria '{code}'.",
            hint=f"Saved criteria: {', '.join(known) or 'none yet'}.",
        )
    done = []
    for item in _saved_actions(db_session, saved.code):
        options = crit.split_text(item.criteria)
        criteria = crit.parse(db_session=db_session, options=options, today=today)
        done.append(
            run_action(
                db_session=db_session,
                actor=actor,
                segment=segment,
                action=crit.Action(item.action),
                criteria=criteria,
            )
        )
    return done


def reuse_logged(
    *, db_session: Session, actor: Actor, segment: SegmentHeader, logged_id: int
) -> SegmentCriteriaAction:
    """Add the contacts of a logged segment (its interactions) to the segment."""
    criteria = crit.Criteria({"logged": (str(logged_id),)}, ignore_exclusion=True)
    return run_action(
        db_session=db_session,
        actor=actor,
        segment=segment,
        action=crit.Action.ADD,
        criteria=criteria,
    )


def apply_mailing_group(
    *, db_session: Session, actor: Actor, segment: SegmentHeader, code: str
) -> int:
    """Give every contact of the segment the mailing group; return how many got it."""
    group = db_session.get(MailingGroup, code.strip().upper())
    if group is None:
        known = db_session.scalars(select(MailingGroup.code).order_by(MailingGroup.code))
        raise InvalidInput(
            f"There is no mailing group '{code}'.",
            field="group",
            hint=f"Mailing groups: {', '.join(known) or 'none yet'}.",
        )
    member = ContactMailingGroup.__table__
    has = exists().where(member.c.contact_id == LINES.c.contact_id, member.c.code == group.code)
    rows = (
        select(LINES.c.contact_id, literal(group.code))
        .where(and_(*active(segment.id)), ~has)  # type: ignore[arg-type]
        .distinct()
    )
    result = db_session.execute(insert(member).from_select(["contact_id", "code"], rows))
    log.info("Mailing group %s applied to segment %s by %s", group.code, segment.no, actor)
    return result.rowcount or 0  # type: ignore[attr-defined]


def get_logged(*, db_session: Session, key: str) -> LoggedSegment:
    """Return a logged segment by its entry number or by the number of its segment."""
    text = key.strip().upper()
    logged = None
    if text.isdigit():
        logged = db_session.get(LoggedSegment, int(text))
    else:
        stmt = select(LoggedSegment).where(LoggedSegment.segment_no == text)
        logged = db_session.scalars(stmt.order_by(LoggedSegment.id.desc())).first()
    if logged is None:
        raise NotFound(
            f"There is no logged segment '{key}'.", hint="`segment list logged=yes` shows them."
        )
    return logged

"""Send services: schedule a campaign send, freeze its audience, claim and settle outbox rows.

Each outbox row goes pending -> sending -> sent. A row is marked sending (and committed)
before its message leaves, so a crash between sending and marking leaves it in `sending`:
the next worker asks the mailbox whether that Message-ID went out before sending it again.
"""

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, func, insert, select, update
from sqlalchemy.orm import Session

from crm.audit import Actor
from crm.campaigns import service as campaign_service
from crm.campaigns import suppression
from crm.campaigns.audience import recipients
from crm.campaigns.models import Campaign, CampaignEntry, EmailSuppression
from crm.contacts.models import Contact
from crm.errors import Conflict, InvalidInput, NotFound
from crm.interactions.models import InteractionLogEntry
from crm.interactions.service import get_template_or_raise
from crm.segments import service as segment_service
from crm.sends import tokens
from crm.sends.models import CampaignSend, OutboxMessage, RowState, SendStatus
from crm.setup.service import get_marketing_setup

log = logging.getLogger(__name__)

ACTIVE = (SendStatus.SCHEDULED.value, SendStatus.SENDING.value, SendStatus.PAUSED.value)
DUPLICATE = "duplicate address"
BLOCKED_SINCE = "privacy blocked"


def schedule(
    *,
    db_session: Session,
    actor: Actor,
    campaign: Campaign,
    at: dt.datetime,
    segment_no: str | None = None,
    template: str | None = None,
    progress_channel: str | None = None,
) -> CampaignSend:
    """Schedule a send of the campaign's e-mail to its audience (or one of its segments)."""
    if not campaign.email_subject or not (campaign.email_text or campaign.email_html):
        raise Conflict(
            f"Campaign {campaign.no} has no e-mail to send yet.",
            hint=f"Write it with `campaign content {campaign.no} subject=... text=...`.",
        )
    code = template or get_marketing_setup(db_session=db_session).email_template
    if not code:
        raise InvalidInput(
            "A send is logged as interactions, and no e-mail interaction template is set.",
            field="template",
            hint="Add template=<code>, or set one with `setup marketing edit email_template=...`.",
        )
    code = get_template_or_raise(db_session=db_session, code=code).code
    if segment_no is not None:
        segment = segment_service.get_by_no(db_session=db_session, no=segment_no)
        if segment.campaign_no != campaign.no:
            raise InvalidInput(
                f"Segment {segment.no} is not linked to campaign {campaign.no}.",
                field="segment",
                hint=f"Link it with `campaign link {campaign.no} {segment.no}`.",
            )
        segment_no = segment.no
    busy = db_session.scalar(
        select(CampaignSend.id).where(
            CampaignSend.campaign_no == campaign.no, CampaignSend.status.in_(ACTIVE)
        )
    )
    if busy is not None:
        raise Conflict(
            f"Campaign {campaign.no} has a send under way (send {busy}).",
            hint=f"Wait for it, or see it with `campaign status {campaign.no}`.",
        )
    send = CampaignSend(
        campaign_no=campaign.no,
        segment_no=segment_no,
        interaction_template=code,
        status=SendStatus.SCHEDULED.value,
        scheduled_at=at,
        requested_by=actor.salesperson or actor.user,
        requested_via=actor.channel.value,
        created_at=dt.datetime.now(dt.UTC),
        total=0,
        progress_channel=progress_channel,
    )
    db_session.add(send)
    db_session.flush()
    log.info("Send %s of campaign %s scheduled for %s by %s", send.id, campaign.no, at, actor)
    return send


def latest(*, db_session: Session, campaign: Campaign) -> CampaignSend:
    """Return the campaign's newest send, or say that there is none."""
    send = db_session.scalars(
        select(CampaignSend)
        .where(CampaignSend.campaign_no == campaign.no)
        .order_by(CampaignSend.id.desc())
    ).first()
    if send is None:
        raise NotFound(
            f"Campaign {campaign.no} was never sent.",
            hint=f"Send it with `campaign send {campaign.no}`.",
        )
    return send


def pause(*, db_session: Session, actor: Actor, campaign: Campaign) -> CampaignSend:
    """Pause the campaign's send: no more mail leaves until it is resumed."""
    send = latest(db_session=db_session, campaign=campaign)
    if send.status not in (SendStatus.SCHEDULED.value, SendStatus.SENDING.value):
        raise Conflict(f"Send {send.id} of {campaign.no} is {send.status}; it cannot be paused.")
    send.status = SendStatus.PAUSED.value
    db_session.flush()
    log.info("Send %s paused by %s", send.id, actor)
    return send


def resume(*, db_session: Session, actor: Actor, campaign: Campaign) -> CampaignSend:
    """Resume a paused send where it stopped."""
    send = latest(db_session=db_session, campaign=campaign)
    if send.status != SendStatus.PAUSED.value:
        raise Conflict(f"Send {send.id} of {campaign.no} is {send.status}, not paused.")
    send.status = (SendStatus.SENDING if send.frozen_at else SendStatus.SCHEDULED).value
    db_session.flush()
    log.info("Send %s resumed by %s", send.id, actor)
    return send


def due(*, db_session: Session, now: dt.datetime) -> list[int]:
    """Return the sends to work on now: started ones first, then scheduled ones due."""
    return list(
        db_session.scalars(
            select(CampaignSend.id)
            .where(
                (CampaignSend.status == SendStatus.SENDING.value)
                | (
                    (CampaignSend.status == SendStatus.SCHEDULED.value)
                    & (CampaignSend.scheduled_at <= now)
                )
            )
            .order_by(CampaignSend.id)
        )
    )


def take(
    *, db_session: Session, send_id: int, worker: str, now: dt.datetime, lease: dt.timedelta
) -> CampaignSend | None:
    """Take (or renew) the send for this worker; None when another live worker holds it."""
    result = db_session.execute(
        update(CampaignSend)
        .where(CampaignSend.id == send_id)
        .where(CampaignSend.status.in_((SendStatus.SCHEDULED.value, SendStatus.SENDING.value)))
        .where(
            CampaignSend.worker.is_(None)
            | (CampaignSend.worker == worker)
            | (CampaignSend.worker_until < now)
        )
        .values(worker=worker, worker_until=now + lease)
    )
    if not cast(CursorResult[Any], result).rowcount:
        return None
    send = db_session.get(CampaignSend, send_id, populate_existing=True)
    return send


def release(*, db_session: Session, send_id: int, worker: str) -> None:
    """Give the send up, so that the next worker need not wait for the lease to run out."""
    db_session.execute(
        update(CampaignSend)
        .where(CampaignSend.id == send_id, CampaignSend.worker == worker)
        .values(worker=None, worker_until=None)
    )


def freeze(*, db_session: Session, send: CampaignSend, now: dt.datetime) -> int:
    """Write one outbox row per contact of the audience, with why any of them is skipped."""
    if send.frozen_at is not None:
        return send.total
    campaign = campaign_service.get_by_no(db_session=db_session, no=send.campaign_no)
    audience = recipients(db_session=db_session, campaign=campaign)
    if send.segment_no:
        segment = segment_service.get_by_no(db_session=db_session, no=send.segment_no)
        members = set(segment_service.contact_ids(db_session=db_session, segment=segment))
    ids = _contact_ids(db_session, [person.contact_no for person in audience])
    rows, seen = [], set()
    for person in audience:
        contact_id = ids[person.contact_no]
        if send.segment_no and contact_id not in members:
            continue
        address = (person.email or "").strip().lower() or None
        reason = person.excluded
        if reason is None and address in seen:
            reason = DUPLICATE
        if reason is None:
            seen.add(address)
        rows.append(
            {
                "send_id": send.id,
                "contact_id": contact_id,
                "contact_no": person.contact_no,
                "address": address,
                "state": (RowState.SKIPPED if reason else RowState.PENDING).value,
                "reason": reason,
                "attempts": 0,
            }
        )
    if rows:
        db_session.execute(insert(OutboxMessage), rows)
    entry = CampaignEntry(
        campaign_no=campaign.no,
        description=f"E-mail: {campaign.description}"[:100],
        date=now.date(),
        user=send.requested_by,
        segment_no=send.segment_no,
        salesperson=campaign.salesperson,
    )
    db_session.add(entry)
    db_session.flush()
    send.campaign_entry_id, send.total, send.frozen_at = entry.id, len(rows), now
    send.status = SendStatus.SENDING.value
    db_session.flush()
    log.info("Send %s frozen: %s recipients", send.id, len(rows))
    return len(rows)


def _contact_ids(db_session: Session, numbers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(numbers), 5000):
        chunk = numbers[start : start + 5000]
        found.update(
            {
                no: contact_id
                for no, contact_id in db_session.execute(
                    select(Contact.no, Contact.id).where(Contact.no.in_(chunk))
                )
            }
        )
    return found


def in_flight(*, db_session: Session, send_id: int) -> list[OutboxMessage]:
    """Return the rows a previous worker marked sending and never settled."""
    return list(
        db_session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.send_id == send_id, OutboxMessage.state == RowState.SENDING.value)
            .order_by(OutboxMessage.id)
        )
    )


def claim(
    *, db_session: Session, send_id: int, limit: int, now: dt.datetime, domain: str
) -> list[OutboxMessage]:
    """Claim the next pending rows and mark them sending; two workers never claim one row.

    Rows whose contact became privacy blocked, or whose address was suppressed, since the
    audience was frozen are skipped here with the reason.
    """
    rows = list(
        db_session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.send_id == send_id, OutboxMessage.state == RowState.PENDING.value)
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    blocked = _now_excluded(db_session, rows)
    claimed = []
    for row in rows:
        if row.id in blocked:
            row.state, row.reason = RowState.SKIPPED.value, blocked[row.id]
            continue
        row.state, row.claimed_at = RowState.SENDING.value, now
        row.attempts += 1
        row.message_id = tokens.message_id(send_id, row.id, domain)
        claimed.append(row)
    db_session.flush()
    return claimed


def _now_excluded(db_session: Session, rows: list[OutboxMessage]) -> dict[int, str]:
    if not rows:
        return {}
    contact_ids = {row.contact_id for row in rows}
    blocked = set(
        db_session.scalars(
            select(Contact.id).where(Contact.id.in_(contact_ids), Contact.privacy_blocked)
        )
    )
    addresses = {row.address for row in rows if row.address}
    suppressed = dict(
        db_session.execute(
            select(EmailSuppression.address, EmailSuppression.reason).where(
                EmailSuppression.address.in_(addresses)
            )
        ).all()
    )
    found = {}
    for row in rows:
        if row.contact_id in blocked:
            found[row.id] = BLOCKED_SINCE
        elif row.address in suppressed:
            found[row.id] = suppressed[row.address]
    return found


@dataclass
class Delivered:
    """A row that left, with the subject it left with."""

    row_id: int
    subject: str


def mark_sent(
    *, db_session: Session, send: CampaignSend, delivered: list[Delivered], now: dt.datetime
) -> int:
    """Mark rows sent and log one interaction each against the send's campaign entry."""
    if not delivered:
        return 0
    rows = {
        row.id: row
        for row in db_session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_([item.row_id for item in delivered]))
        )
    }
    contacts = {
        contact.id: contact
        for contact in db_session.scalars(
            select(Contact).where(Contact.id.in_({row.contact_id for row in rows.values()}))
        )
    }
    campaign = campaign_service.get_by_no(db_session=db_session, no=send.campaign_no)
    template = get_template_or_raise(db_session=db_session, code=send.interaction_template)
    entries = []
    for item in delivered:
        row, contact = rows[item.row_id], contacts[rows[item.row_id].contact_id]
        entry = InteractionLogEntry(
            contact_id=contact.id,
            company_id=contact.company_id or contact.id,
            occurred_at=now,
            description=item.subject[:250] or campaign.description,
            subject=item.subject[:250],
            template_code=template.code,
            group_code=template.group_code,
            information_flow="outbound",
            initiated_by="us",
            cost=template.unit_cost,
            duration_min=template.unit_duration_min,
            salesperson=campaign.salesperson or contact.salesperson,
            correspondence_type="email",
            campaign_no=campaign.no,
            campaign_entry_id=send.campaign_entry_id,
            campaign_target=True,
            campaign_response=False,
            segment_no=send.segment_no,
            message_id=row.message_id,
            created_at=now,
            created_by=send.requested_by,
            created_via="scheduler",
            modified_at=now,
            modified_by=send.requested_by,
            modified_via="scheduler",
        )
        entries.append((row, entry))
    db_session.add_all([entry for _, entry in entries])
    db_session.flush()
    for row, entry in entries:
        row.state, row.sent_at, row.interaction_id, row.error = (
            RowState.SENT.value,
            now,
            entry.id,
            None,
        )
    db_session.flush()
    return len(entries)


def requeue(*, db_session: Session, row_ids: list[int]) -> None:
    """Put rows that certainly did not leave back to pending."""
    if row_ids:
        db_session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(row_ids))
            .values(state=RowState.PENDING.value)
        )


def mark_failed(*, db_session: Session, row_id: int, error: str) -> None:
    """Record that the mailbox refused a message for good (a malformed address, say)."""
    db_session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(state=RowState.FAILED.value, error=error[:500])
    )


def finish_if_done(*, db_session: Session, send: CampaignSend, now: dt.datetime) -> bool:
    """Close the send when no row is left to send; True when it is done."""
    left = db_session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.send_id == send.id,
            OutboxMessage.state.in_((RowState.PENDING.value, RowState.SENDING.value)),
        )
    )
    if left:
        return False
    send.status, send.finished_at, send.worker, send.worker_until = (
        SendStatus.DONE.value,
        now,
        None,
        None,
    )
    db_session.flush()
    log.info("Send %s of %s is done", send.id, send.campaign_no)
    return True


@dataclass
class SendProgress:
    """Where a send stands: rows per state, and skipped rows per reason."""

    send: CampaignSend
    states: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def settled(self) -> int:
        return self.send.total - self.states[RowState.PENDING] - self.states[RowState.SENDING]


def progress(*, db_session: Session, send: CampaignSend) -> SendProgress:
    """Count a send's rows by state and skip reason."""
    result = SendProgress(send)
    for state, reason, count in db_session.execute(
        select(OutboxMessage.state, OutboxMessage.reason, func.count())
        .where(OutboxMessage.send_id == send.id)
        .group_by(OutboxMessage.state, OutboxMessage.reason)
    ):
        result.states[state] += count
        if reason:
            result.reasons[reason] += count
    return result


def unsubscribe(*, db_session: Session, secret: str, text: str) -> str | None:
    """Suppress the address an unsubscribe token (in a subject or URL) was made for.

    Returns the address, or None when the text holds no valid token; the mail watcher calls
    this with the subject of a List-Unsubscribe mail, the HTTP endpoint with the URL's token.
    """
    parsed = tokens.parse_token(text)
    if parsed is None:
        return None
    outbox_id, signature = parsed
    row = db_session.get(OutboxMessage, outbox_id)
    if row is None or not row.address or not tokens.verify(secret, row.id, signature, row.address):
        log.warning("Unsubscribe with an invalid token for outbox row %s", outbox_id)
        return None
    suppression.add(
        db_session=db_session,
        address=row.address,
        reason=suppression.Reason.UNSUBSCRIBED,
        detail=f"List-Unsubscribe of send {row.send_id}",
    )
    return row.address


def record_bounce(*, db_session: Session, message_id: str, detail: str | None = None) -> str | None:
    """Mark bounced the address a returned Rapport message was sent to; None when not ours."""
    outbox_id = tokens.outbox_id_of(message_id)
    row = db_session.get(OutboxMessage, outbox_id) if outbox_id is not None else None
    if row is None or not row.address:
        return None
    suppression.add(
        db_session=db_session,
        address=row.address,
        reason=suppression.Reason.BOUNCED,
        detail=(detail or f"bounce of send {row.send_id}")[:250],
    )
    return row.address

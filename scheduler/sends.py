"""The campaign send job: freeze the audience, then send in throttled batches, exactly once."""

import datetime as dt
import logging
import math
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from crm.campaigns import service as campaign_service
from crm.campaigns.content import Renderer, contact_fields
from crm.contacts.models import Contact
from crm.progress import NoProgress, Progress
from crm.sends import service as send_service
from crm.sends import tokens
from crm.sends.models import CampaignSend, OutboxMessage
from scheduler.outbound import Outgoing, Sender, build_message
from scheduler.ports import Collaborators, PostedMessage
from scheduler.runtime import Outcome

log = logging.getLogger(__name__)

DEFAULTS = {
    "per_minute": 600,
    "batch_size": 100,
    "lease_seconds": 120,
    "tick_seconds": 30,
    "progress_every_seconds": 5.0,
}


@dataclass
class SendOptions:
    """How a send runs: its pace, batch size, secret and public URL."""

    secret: str
    per_minute: int | None = 600
    batch_size: int = 100
    lease_seconds: float = 120
    tick_seconds: int = 30
    public_url: str | None = None
    progress_every_seconds: float = 5.0

    @classmethod
    def of(cls, collaborators: Collaborators) -> "SendOptions":
        options = {**DEFAULTS, **collaborators.options}
        secret = options.get("unsubscribe_secret")
        if not secret:
            raise RuntimeError("RAPPORT_UNSUBSCRIBE_SECRET is not set: campaign mail needs it")
        return cls(
            secret=secret,
            per_minute=options["per_minute"],
            batch_size=options["batch_size"],
            lease_seconds=options["lease_seconds"],
            tick_seconds=options["tick_seconds"],
            public_url=options.get("public_url"),
            progress_every_seconds=options["progress_every_seconds"],
        )

    def tick_budget(self) -> int | None:
        """Return how many messages one tick may send, to keep to the per-minute pace."""
        if not self.per_minute:
            return None
        return max(1, math.floor(self.per_minute * self.tick_seconds / 60))


def run_due_sends(collaborators: Collaborators) -> Outcome:
    """Work on every send that is due or under way, within this tick's budget."""
    sender: Sender | None = collaborators.mailbox
    if sender is None:
        return Outcome(summary="no mailbox configured: nothing sent")
    options = SendOptions.of(collaborators)
    with collaborators.sessions.begin() as session:
        due = send_service.due(db_session=session, now=collaborators.clock())
    budget = options.tick_budget()
    outcome = Outcome()
    for send_id in due:
        sent = process_send(collaborators, send_id, options=options, budget=budget)
        outcome.done += sent
        if budget is not None:
            budget -= sent
            if budget <= 0:
                break
    outcome.summary = f"{outcome.done} campaign mails sent"
    return outcome


def process_send(
    collaborators: Collaborators,
    send_id: int,
    *,
    options: SendOptions,
    budget: int | None = None,
    progress: Progress | None = None,
) -> int:
    """Send what the budget allows of one send; return how many messages left."""
    sender: Sender = collaborators.mailbox
    worker = f"{collaborators.instance}:{uuid.uuid4().hex[:8]}"
    lease = dt.timedelta(seconds=options.lease_seconds)
    progress = progress or NoProgress()
    with collaborators.sessions.begin() as session:
        send = send_service.take(
            db_session=session,
            send_id=send_id,
            worker=worker,
            now=collaborators.clock(),
            lease=lease,
        )
        if send is None:
            return 0
        send_service.freeze(db_session=session, send=send, now=collaborators.clock())
        state = send_service.progress(db_session=session, send=send)
        total, settled = send.total, state.settled
    progress.start(total, f"Send {send_id}")
    progress.advance(settled)
    reporter = _SlackProgress(collaborators, send_id, options.progress_every_seconds)
    sent = 0
    try:
        _recover(collaborators, send_id, sender)
        while budget is None or sent < budget:
            limit = options.batch_size if budget is None else min(options.batch_size, budget - sent)
            batch = _claim(collaborators, send_id, worker, lease, limit, sender, options)
            if batch is None:
                break
            refused = sender.send([build_message(item, sender=sender.address) for item in batch])
            with collaborators.sessions.begin() as session:
                send = session.get(CampaignSend, send_id)
                delivered = [
                    send_service.Delivered(item.row_id, item.subject)
                    for item in batch
                    if item.message_id not in refused
                ]
                now = collaborators.clock()
                sent += send_service.mark_sent(
                    db_session=session, send=send, delivered=delivered, now=now
                )
                for item in batch:
                    if item.message_id in refused:
                        send_service.mark_failed(
                            db_session=session, row_id=item.row_id, error=refused[item.message_id]
                        )
            progress.advance(len(batch))
            reporter.update(force=False)
    finally:
        with collaborators.sessions.begin() as session:
            send_service.release(db_session=session, send_id=send_id, worker=worker)
        progress.finish()
        reporter.update(force=True)
    return sent


def _claim(
    collaborators: Collaborators,
    send_id: int,
    worker: str,
    lease: dt.timedelta,
    limit: int,
    sender: Sender,
    options: SendOptions,
) -> list[Outgoing] | None:
    """Claim and render the next batch in one transaction; None when the send stops here."""
    with collaborators.sessions.begin() as session:
        now = collaborators.clock()
        send = send_service.take(
            db_session=session, send_id=send_id, worker=worker, now=now, lease=lease
        )
        if send is None:
            log.info("Send %s is paused or held by another worker; stopping", send_id)
            return None
        rows = send_service.claim(
            db_session=session, send_id=send_id, limit=limit, now=now, domain=_domain(sender)
        )
        if not rows:
            send_service.finish_if_done(db_session=session, send=send, now=now)
            return None
        return _render(session, send, rows, collaborators.renderer, sender, options)


def _render(
    session: Session,
    send: CampaignSend,
    rows: list[OutboxMessage],
    renderer: Renderer,
    sender: Sender,
    options: SendOptions,
) -> list[Outgoing]:
    campaign = campaign_service.get_by_no(db_session=session, no=send.campaign_no)
    contacts = {contact.id: contact for contact in _contacts(session, rows)}
    batch = []
    for row in rows:
        fields = contact_fields(db_session=session, contact=contacts[row.contact_id])
        token = tokens.make_token(options.secret, row.id, row.address or "")
        header, post = tokens.list_unsubscribe(
            token=token, mailbox=sender.address, public_url=options.public_url
        )
        batch.append(
            Outgoing(
                row_id=row.id,
                message_id=row.message_id or "",
                to=row.address or "",
                subject=renderer.render(
                    campaign.email_subject or "", fields, name="subject", html=False
                ).strip(),
                text=renderer.render(campaign.email_text or "", fields, name="text", html=False),
                html=renderer.render(campaign.email_html or "", fields, name="html", html=True),
                list_unsubscribe=header,
                list_unsubscribe_post=post,
                campaign_no=campaign.no,
            )
        )
    return batch


def _contacts(session: Session, rows: list[OutboxMessage]) -> list[Contact]:
    from sqlalchemy import select

    return list(
        session.scalars(select(Contact).where(Contact.id.in_({row.contact_id for row in rows})))
    )


def _recover(collaborators: Collaborators, send_id: int, sender: Sender) -> None:
    """Settle rows a dead worker left `sending`: sent if the mailbox has them, else pending."""
    with collaborators.sessions.begin() as session:
        rows = send_service.in_flight(db_session=session, send_id=send_id)
        if not rows:
            return
        ids = [row.message_id or "" for row in rows]
        found = sender.sent_ids(ids)
        send = session.get(CampaignSend, send_id)
        if found is None:
            # The mailbox cannot tell: sending again could mail someone twice, so these rows
            # are marked failed for a person to look at rather than guessed.
            for row in rows:
                send_service.mark_failed(
                    db_session=session, row_id=row.id, error="interrupted; delivery unknown"
                )
            return
        done = [
            send_service.Delivered(row.id, "") for row in rows if (row.message_id or "") in found
        ]
        send_service.mark_sent(
            db_session=session, send=send, delivered=done, now=collaborators.clock()
        )
        send_service.requeue(
            db_session=session,
            row_ids=[row.id for row in rows if (row.message_id or "") not in found],
        )
        log.warning(
            "Send %s: %s interrupted messages had left, %s go again",
            send_id,
            len(done),
            len(rows) - len(done),
        )


def _domain(sender: Sender) -> str:
    return sender.address.rpartition("@")[2] or "rapport.local"


class _SlackProgress:
    """Keep one Slack message per send up to date, at most every few seconds."""

    def __init__(self, collaborators: Collaborators, send_id: int, every: float) -> None:
        self._collaborators, self._send_id, self._every = collaborators, send_id, every
        self._last = 0.0

    def update(self, *, force: bool) -> None:
        notifier = self._collaborators.notifier
        if notifier is None or (not force and time.monotonic() - self._last < self._every):
            return
        self._last = time.monotonic()
        try:
            with self._collaborators.sessions.begin() as session:
                send = session.get(CampaignSend, self._send_id)
                if send is None or not send.progress_channel:
                    return
                state = send_service.progress(db_session=session, send=send)
                text, blocks = progress_message(state)
                if send.progress_ts:
                    notifier.update(
                        PostedMessage(send.progress_channel, send.progress_ts), text, blocks
                    )
                else:
                    posted = notifier.post(send.progress_channel, text, blocks)
                    send.progress_channel, send.progress_ts = posted.channel, posted.ts
        except Exception:
            # Progress is a courtesy; a Slack hiccup must not stop the mail.
            log.warning("Could not update the progress of send %s", self._send_id, exc_info=True)


def progress_message(state: send_service.SendProgress) -> tuple[str, list[dict[str, Any]]]:
    """Return the text and blocks of a send's progress message."""
    send = state.send
    total = max(send.total, 1)
    share = state.settled / total
    bar = "█" * round(share * 20) + "░" * (20 - round(share * 20))
    text = (
        f"Campaign {send.campaign_no}, send {send.id}: {send.status}. "
        f"{state.states['sent']} sent, {state.states['skipped']} skipped, "
        f"{state.states['failed']} failed of {send.total}."
    )
    lines = [f"`{bar}` {share:.0%}", text]
    if state.reasons:
        lines.append("Skipped: " + ", ".join(f"{why} {n}" for why, n in state.reasons.items()))
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}
    ]
    if send.status in ("sending", "scheduled"):
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Pause"},
                        "action_id": "rapport.command:campaign.pause",
                        "value": f"campaign pause {send.campaign_no}",
                    }
                ],
            }
        )
    return text, blocks

"""Send tables: a scheduled send of a campaign, and its outbox of one row per recipient."""

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, UTCDateTime


class SendStatus(StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    DONE = "done"
    CANCELED = "canceled"


class RowState(StrEnum):
    """pending -> sending -> sent; skipped from the start; failed when the mailbox refused."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"


class CampaignSend(Base):
    """One send of a campaign's e-mail to its audience (or one segment of it), now or later."""

    __tablename__ = "campaign_send"
    __table_args__ = (Index("ix_campaign_send_due", "status", "scheduled_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_no: Mapped[str] = mapped_column(ForeignKey("campaign.no"), index=True)
    segment_no: Mapped[str | None] = mapped_column(String(20))
    interaction_template: Mapped[str] = mapped_column(ForeignKey("interaction_template.code"))
    status: Mapped[str] = mapped_column(String(10), default=SendStatus.SCHEDULED.value)
    scheduled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    requested_by: Mapped[str | None] = mapped_column(String(50))
    requested_via: Mapped[str] = mapped_column(String(10), default="console")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    frozen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    campaign_entry_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_entry.id"))
    total: Mapped[int] = mapped_column(Integer, default=0)
    # The worker holding the send, and until when: a dead worker's lease runs out.
    worker: Mapped[str | None] = mapped_column(String(100))
    worker_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Where progress is shown in Slack (a message updated as the send advances).
    progress_channel: Mapped[str | None] = mapped_column(String(30))
    progress_ts: Mapped[str | None] = mapped_column(String(30))


class OutboxMessage(Base):
    """One recipient of one send: its address, its state, and the Message-ID it goes out with."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("send_id", "contact_id"),
        Index("ix_outbox_message_send_state", "send_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    send_id: Mapped[int] = mapped_column(ForeignKey("campaign_send.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    contact_no: Mapped[str] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(10), default=RowState.PENDING.value)
    reason: Mapped[str | None] = mapped_column(String(30))
    message_id: Mapped[str | None] = mapped_column(String(250), unique=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    interaction_id: Mapped[int | None] = mapped_column(Integer)

"""Mail logging tables: processed messages, their interactions and senders held for review."""

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, UTCDateTime, utcnow


class MessageStatus(StrEnum):
    LOGGED = "logged"
    PENDING = "pending"
    IGNORED = "ignored"
    SKIPPED = "skipped"
    FAILED = "failed"


class PendingStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class MailMessage(Base):
    """One message the watcher took from the queue, and what became of it."""

    __tablename__ = "mail_message"
    __table_args__ = (
        Index("ix_mail_message_sender_processed", "sender", "processed_at"),
        Index("ix_mail_message_status_processed", "status", "processed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(250), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(250))
    dedupe_key: Mapped[str] = mapped_column(String(250), default="")
    kind: Mapped[str] = mapped_column(String(12), default="")
    direction: Mapped[str] = mapped_column(String(10), default="")
    sender: Mapped[str | None] = mapped_column(String(200))
    salesperson: Mapped[str | None] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(250), default="")
    occurred_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(500), default="")
    attachments: Mapped[str] = mapped_column(Text, default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailInteraction(Base):
    """The interaction one message logged for one contact: never twice for the pair."""

    __tablename__ = "mail_interaction"
    __table_args__ = (UniqueConstraint("dedupe_key", "contact_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(250))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interaction_log_entry.id", ondelete="CASCADE")
    )


class MailPendingSender(Base):
    """An address no contact has, held for the salesperson to confirm or dismiss."""

    __tablename__ = "mail_pending_sender"
    __table_args__ = (
        UniqueConstraint("message_id", "email"),
        Index("ix_mail_pending_sender_status", "status", "salesperson"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("mail_message.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    salesperson: Mapped[str | None] = mapped_column(String(20))
    choices: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(10), default=PendingStatus.PENDING.value)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))

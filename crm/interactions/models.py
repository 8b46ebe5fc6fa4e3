"""Interaction tables: groups, templates and the interaction log."""

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.audit import Audited
from crm.db import Base, Money, UTCDateTime
from crm.setup.models import CodeList


class InformationFlow(StrEnum):
    NONE = ""
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class InitiatedBy(StrEnum):
    NONE = ""
    US = "us"
    THEM = "them"


class Evaluation(StrEnum):
    NONE = ""
    VERY_POSITIVE = "very_positive"
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"
    VERY_NEGATIVE = "very_negative"


class InteractionGroup(CodeList, Base):
    __tablename__ = "interaction_group"


class InteractionTemplate(Base):
    """The kind of an interaction, with the defaults it fills in."""

    __tablename__ = "interaction_template"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    group_code: Mapped[str] = mapped_column(ForeignKey("interaction_group.code"))
    description: Mapped[str] = mapped_column(String(100), default="")
    unit_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    unit_duration_min: Mapped[int] = mapped_column(Integer, default=0)
    information_flow: Mapped[str] = mapped_column(String(10), default="")
    initiated_by: Mapped[str] = mapped_column(String(10), default="")
    correspondence_type: Mapped[str] = mapped_column(String(10), default="email")
    campaign_no: Mapped[str | None] = mapped_column(String(20))
    campaign_target: Mapped[bool] = mapped_column(Boolean, default=False)
    campaign_response: Mapped[bool] = mapped_column(Boolean, default=False)


class InteractionLogEntry(Audited, Base):
    """One thing that happened with a contact: a call, a mail, a meeting, a campaign letter."""

    __tablename__ = "interaction_log_entry"
    __table_args__ = (
        Index("ix_interaction_contact_occurred", "contact_id", "occurred_at"),
        Index("ix_interaction_company_occurred", "company_id", "occurred_at"),
        Index("ix_interaction_salesperson", "salesperson"),
        Index("ix_interaction_template_occurred", "template_code", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Null only once the contact was deleted: Business Central keeps the history, unlinked.
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), nullable=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    description: Mapped[str] = mapped_column(String(250), default="")
    subject: Mapped[str | None] = mapped_column(String(250))
    notes: Mapped[str | None] = mapped_column(Text)

    template_code: Mapped[str] = mapped_column(ForeignKey("interaction_template.code"))
    group_code: Mapped[str] = mapped_column(ForeignKey("interaction_group.code"))
    information_flow: Mapped[str] = mapped_column(String(10), default="")
    initiated_by: Mapped[str] = mapped_column(String(10), default="")
    cost: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    duration_min: Mapped[int] = mapped_column(Integer, default=0)
    salesperson: Mapped[str | None] = mapped_column(ForeignKey("salesperson.code"))
    evaluation: Mapped[str] = mapped_column(String(15), default="")
    attempt_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    correspondence_type: Mapped[str] = mapped_column(String(10), default="")

    canceled: Mapped[bool] = mapped_column(Boolean, default=False)
    postponed: Mapped[bool] = mapped_column(Boolean, default=False)

    # Soft references: segments, campaigns, tasks and opportunities have their own modules.
    campaign_no: Mapped[str | None] = mapped_column(String(20), index=True)
    campaign_entry_id: Mapped[int | None] = mapped_column(Integer)
    campaign_target: Mapped[bool] = mapped_column(Boolean, default=False)
    campaign_response: Mapped[bool] = mapped_column(Boolean, default=False)
    segment_no: Mapped[str | None] = mapped_column(String(20))
    logged_segment_id: Mapped[int | None] = mapped_column(Integer, index=True)
    task_no: Mapped[str | None] = mapped_column(String(20))
    opportunity_no: Mapped[str | None] = mapped_column(String(20), index=True)

    email_logged: Mapped[bool] = mapped_column(Boolean, default=False)
    message_id: Mapped[str | None] = mapped_column(String(250), index=True)
    source_link: Mapped[str | None] = mapped_column(String(500))

"""Segment tables: headers, lines, criteria actions, saved criteria and logged segments."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.audit import Audited
from crm.db import Base, Money, UTCDateTime, utcnow


class SegmentHeader(Audited, Base):
    """A list of contacts under construction, with the interaction it will be logged as."""

    __tablename__ = "segment_header"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    no: Mapped[str] = mapped_column(String(20), unique=True)
    description: Mapped[str] = mapped_column(String(100), default="")
    date: Mapped[dt.date] = mapped_column(Date)
    salesperson: Mapped[str | None] = mapped_column(ForeignKey("salesperson.code"))
    campaign_no: Mapped[str | None] = mapped_column(ForeignKey("campaign.no"), index=True)
    campaign_target: Mapped[bool] = mapped_column(Boolean, default=False)
    campaign_response: Mapped[bool] = mapped_column(Boolean, default=False)
    interaction_template: Mapped[str | None] = mapped_column(
        ForeignKey("interaction_template.code")
    )
    subject: Mapped[str | None] = mapped_column(String(250))
    unit_cost: Mapped[Decimal | None] = mapped_column(Money)
    unit_duration_min: Mapped[int | None] = mapped_column(Integer)
    logged_segment_id: Mapped[int | None] = mapped_column(Integer)


class SegmentLine(Base):
    """One contact in a segment, stamped with the criteria action that added or removed it.

    Reduce and refine stamp `removed_by_action` instead of deleting, so that going back
    deletes what the last action added and clears what it removed: the previous contents,
    exactly, with two set-based statements whatever the size of the segment.
    """

    __tablename__ = "segment_line"
    __table_args__ = (
        Index("ix_segment_line_active", "segment_id", "removed_by_action", "contact_id"),
        Index("ix_segment_line_contact", "contact_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segment_header.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    company_id: Mapped[int | None] = mapped_column(Integer)
    added_by_action: Mapped[int | None] = mapped_column(Integer)
    removed_by_action: Mapped[int | None] = mapped_column(Integer)


class SegmentCriteriaAction(Base):
    """One add, reduce or refine run on a segment, with its criteria as typed (canonical)."""

    __tablename__ = "segment_criteria_action"
    __table_args__ = (UniqueConstraint("segment_id", "action_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segment_header.id", ondelete="CASCADE"))
    action_no: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))
    criteria: Mapped[str] = mapped_column(Text, default="")
    lines_changed: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(50))


class SavedCriteria(Audited, Base):
    """A reusable, ordered sequence of criteria actions under a code."""

    __tablename__ = "saved_segment_criteria"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    description: Mapped[str] = mapped_column(String(100), default="")


class SavedCriteriaAction(Base):
    __tablename__ = "saved_segment_criteria_action"

    code: Mapped[str] = mapped_column(
        ForeignKey("saved_segment_criteria.code", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(10))
    criteria: Mapped[str] = mapped_column(Text, default="")


class LoggedSegment(Base):
    """The register of a logged segment: its interactions and campaign entries point here."""

    __tablename__ = "logged_segment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    segment_no: Mapped[str] = mapped_column(String(20), index=True)
    description: Mapped[str] = mapped_column(String(100), default="")
    campaign_no: Mapped[str | None] = mapped_column(String(20))
    interactions: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    follow_up_segment_no: Mapped[str | None] = mapped_column(String(20))
    canceled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(50))
    created_via: Mapped[str] = mapped_column(String(10), default="console")

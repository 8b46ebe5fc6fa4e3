"""Digest tables: subscriptions of a channel or person to a segment, and the digests posted."""

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, UTCDateTime


class DigestSubscription(Base):
    """A channel or person that wants a segment's changes daily or weekly at a local time."""

    __tablename__ = "digest_subscription"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(String(30))  # a Slack channel or user id
    segment_no: Mapped[str | None] = mapped_column(String(20))
    criteria_code: Mapped[str | None] = mapped_column(String(20))
    frequency: Mapped[str] = mapped_column(String(10), default="daily")
    weekday: Mapped[str | None] = mapped_column(String(3))  # mon..sun, weekly only
    at_time: Mapped[str] = mapped_column(String(5), default="08:00")
    time_zone: Mapped[str] = mapped_column(String(50), default="UTC")
    created_by: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Changes are counted from here: the end of the last digest period.
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class DigestRun(Base):
    """One digest period of one subscription: posted, or not because nothing changed."""

    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("subscription_id", "period_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("digest_subscription.id", ondelete="CASCADE")
    )
    period_start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    posted: Mapped[bool] = mapped_column(Boolean, default=False)
    changes: Mapped[int] = mapped_column(Integer, default=0)
    message_ts: Mapped[str | None] = mapped_column(String(30))

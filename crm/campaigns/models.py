"""Campaign tables: campaigns, statuses, entries, target groups and e-mail suppression."""

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.audit import Audited
from crm.db import Base, UTCDateTime, utcnow
from crm.setup.models import CodeList


class CampaignStatus(CodeList, Base):
    __tablename__ = "campaign_status"


class Campaign(Audited, Base):
    """A marketing effort over a period, with its segments and its e-mail content."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    no: Mapped[str] = mapped_column(String(20), unique=True)
    description: Mapped[str] = mapped_column(String(100))
    starting_date: Mapped[dt.date | None] = mapped_column(Date)
    ending_date: Mapped[dt.date | None] = mapped_column(Date)
    status_code: Mapped[str | None] = mapped_column(ForeignKey("campaign_status.code"))
    salesperson: Mapped[str | None] = mapped_column(ForeignKey("salesperson.code"))

    # Jinja2 templates written by users; stored as text, rendered only by the mail side.
    email_subject: Mapped[str | None] = mapped_column(Text)
    email_html: Mapped[str | None] = mapped_column(Text)
    email_text: Mapped[str | None] = mapped_column(Text)


class CampaignEntry(Base):
    """One logged batch of a campaign (a logged segment); canceling it cancels its interactions."""

    __tablename__ = "campaign_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_no: Mapped[str] = mapped_column(ForeignKey("campaign.no"), index=True)
    description: Mapped[str] = mapped_column(String(100), default="")
    date: Mapped[dt.date] = mapped_column(Date)
    user: Mapped[str | None] = mapped_column(String(50))
    segment_no: Mapped[str | None] = mapped_column(String(20))
    salesperson: Mapped[str | None] = mapped_column(String(20))
    logged_segment_id: Mapped[int | None] = mapped_column(Integer, index=True)
    canceled: Mapped[bool] = mapped_column(Boolean, default=False)


class CampaignTargetGroup(Base):
    """A company (or lone person) the activated campaign targets."""

    __tablename__ = "campaign_target_group"

    campaign_no: Mapped[str] = mapped_column(
        ForeignKey("campaign.no", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True
    )
    type: Mapped[str] = mapped_column(String(10), default="contact")


class EmailSuppression(Base):
    """An address no campaign may mail: it unsubscribed or bounced."""

    __tablename__ = "email_suppression"

    address: Mapped[str] = mapped_column(String(200), primary_key=True)
    reason: Mapped[str] = mapped_column(String(15))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    detail: Mapped[str | None] = mapped_column(String(250))

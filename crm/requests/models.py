"""The processed-request table: one row per request key a front has acted on."""

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, UTCDateTime, utcnow


class ProcessedRequest(Base):
    """A request key (a Slack trigger, a modal, a button press) and when it was acted on."""

    __tablename__ = "processed_request"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

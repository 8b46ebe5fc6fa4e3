"""Job tables: what each scheduled job last did, requests to it, the leader lease, preferences."""

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, UTCDateTime


class JobAction(StrEnum):
    RUN = "run"
    PAUSE = "pause"
    RESUME = "resume"
    SYNC = "sync"  # re-read dynamic schedules (digests) from the database


class JobState(Base):
    """One scheduled job as the leader last saw it, and whether an admin paused it."""

    __tablename__ = "job_state"

    job_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    schedule: Mapped[str] = mapped_column(String(200), default="")
    next_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    last_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[str] = mapped_column(String(10), default="")
    last_summary: Mapped[str] = mapped_column(String(250), default="")
    last_instance: Mapped[str] = mapped_column(String(100), default="")


class JobRun(Base):
    """One run of one job: when, where, and how it ended."""

    __tablename__ = "job_run"
    __table_args__ = (Index("ix_job_run_job_started", "job_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(100))
    instance: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="running")
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(String(250), default="")


class JobRequest(Base):
    """An admin's request to a job, applied by whichever instance leads the scheduler."""

    __tablename__ = "job_request"
    __table_args__ = (Index("ix_job_request_pending", "applied_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(10))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    requested_by: Mapped[str | None] = mapped_column(String(50))
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SchedulerLease(Base):
    """Who leads the scheduler, where no advisory lock exists (SQLite): a lease renewed often."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class NotificationPreference(Base):
    """Which scheduled messages a salesperson gets; everything is on until switched off."""

    __tablename__ = "notification_preference"

    salesperson: Mapped[str] = mapped_column(
        ForeignKey("salesperson.code", ondelete="CASCADE"), primary_key=True
    )
    task_reminders: Mapped[bool] = mapped_column(Boolean, default=True)
    reminder_minutes: Mapped[int] = mapped_column(Integer, default=30)
    overdue_summary: Mapped[bool] = mapped_column(Boolean, default=True)
    summary_hour: Mapped[int] = mapped_column(Integer, default=8)


class OverdueSummarySent(Base):
    """The morning summary a salesperson got on a day: at most one per local day."""

    __tablename__ = "overdue_summary_sent"
    __table_args__ = (UniqueConstraint("salesperson", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    salesperson: Mapped[str] = mapped_column(ForeignKey("salesperson.code", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(Date)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    tasks: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text, default="")


# APScheduler's job store table, declared here (without importing APScheduler) so that the
# migrations create it and Alembic's comparison knows it; the store itself reads and writes it.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)

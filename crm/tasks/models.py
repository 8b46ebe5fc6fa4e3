"""Task tables: activities with their steps, and tasks."""

import datetime as dt
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from crm.audit import Audited
from crm.db import Base, UTCDateTime


class TaskType(StrEnum):
    NONE = ""
    MEETING = "meeting"
    PHONE_CALL = "phone_call"


class TaskStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    WAITING = "waiting"
    POSTPONED = "postponed"


class SystemTaskType(StrEnum):
    ORGANIZER = "organizer"
    TEAM = "team"
    SALESPERSON_ATTENDEE = "salesperson_attendee"
    CONTACT_ATTENDEE = "contact_attendee"


class Activity(Base):
    __tablename__ = "activity"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    description: Mapped[str] = mapped_column(String(100), default="")


class ActivityStep(Base):
    __tablename__ = "activity_step"

    activity_code: Mapped[str] = mapped_column(
        ForeignKey("activity.code", ondelete="CASCADE"), primary_key=True
    )
    step_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(12), default="")
    description: Mapped[str] = mapped_column(String(100), default="")
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    date_formula: Mapped[str | None] = mapped_column(String(20))


class Task(Audited, Base):
    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_salesperson_open", "salesperson", "closed", "due_date"),
        Index("ix_task_contact", "contact_id"),
        Index("ix_task_opportunity", "opportunity_id"),
        Index("ix_task_company", "company_id"),
        Index("ix_task_team_open", "team", "closed", "due_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    no: Mapped[str] = mapped_column(String(20), unique=True)
    type: Mapped[str] = mapped_column(String(12), default="")
    description: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[dt.date] = mapped_column(Date)
    start_time: Mapped[dt.time | None] = mapped_column(Time)
    duration_min: Mapped[int] = mapped_column(Integer, default=0)
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    location: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12), default=TaskStatus.NOT_STARTED.value)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    canceled: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_by: Mapped[str | None] = mapped_column(ForeignKey("salesperson.code"))

    salesperson: Mapped[str | None] = mapped_column(ForeignKey("salesperson.code"))
    team: Mapped[str | None] = mapped_column(ForeignKey("team.code"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    campaign_no: Mapped[str | None] = mapped_column(String(20))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunity.id"))
    opportunity_entry_id: Mapped[int | None] = mapped_column(ForeignKey("opportunity_entry.id"))
    segment_no: Mapped[str | None] = mapped_column(String(20))
    activity_code: Mapped[str | None] = mapped_column(String(20))
    interaction_template: Mapped[str | None] = mapped_column(String(20))

    recurring: Mapped[bool] = mapped_column(Boolean, default=False)
    recurring_interval: Mapped[str | None] = mapped_column(String(20))
    calc_due_from: Mapped[str] = mapped_column(String(12), default="")
    organizer_task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    system_type: Mapped[str] = mapped_column(String(25), default=SystemTaskType.ORGANIZER.value)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

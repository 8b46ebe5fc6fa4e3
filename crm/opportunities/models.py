"""Opportunity tables: sales cycles, stages, close codes, opportunities and their entries."""

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.audit import Audited
from crm.db import Base, Money, Percent


class ProbabilityMethod(StrEnum):
    MULTIPLY = "multiply"
    ADD = "add"
    CHANCES = "chances"
    COMPLETED = "completed"


class OpportunityStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    WON = "won"
    LOST = "lost"


class ActionTaken(StrEnum):
    NONE = ""
    NEXT = "next"
    PREVIOUS = "previous"
    UPDATED = "updated"
    JUMPED = "jumped"
    WON = "won"
    LOST = "lost"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class CloseType(StrEnum):
    WON = "won"
    LOST = "lost"


class SalesCycle(Base):
    __tablename__ = "sales_cycle"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    description: Mapped[str] = mapped_column(String(100), default="")
    probability_method: Mapped[str] = mapped_column(String(10), default="multiply")
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)


class SalesCycleStage(Base):
    __tablename__ = "sales_cycle_stage"

    cycle_code: Mapped[str] = mapped_column(
        ForeignKey("sales_cycle.code", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[int] = mapped_column(Integer, primary_key=True)
    description: Mapped[str] = mapped_column(String(100), default="")
    completed_pct: Mapped[Decimal] = mapped_column(Percent, default=Decimal("0"))
    chances_pct: Mapped[Decimal] = mapped_column(Percent, default=Decimal("0"))
    activity_code: Mapped[str | None] = mapped_column(String(20))
    quote_required: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_skip: Mapped[bool] = mapped_column(Boolean, default=False)
    date_formula: Mapped[str | None] = mapped_column(String(20))


class CloseOpportunityCode(Base):
    __tablename__ = "close_opportunity_code"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    description: Mapped[str] = mapped_column(String(100), default="")
    type: Mapped[str] = mapped_column(String(5))


class Opportunity(Audited, Base):
    __tablename__ = "opportunity"
    __table_args__ = (
        Index("ix_opportunity_contact", "contact_id"),
        Index("ix_opportunity_company", "company_id"),
        Index("ix_opportunity_salesperson_status", "salesperson", "status"),
        Index("ix_opportunity_cycle_closed", "sales_cycle", "closed"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    no: Mapped[str] = mapped_column(String(20), unique=True)
    description: Mapped[str] = mapped_column(String(200))
    salesperson: Mapped[str] = mapped_column(ForeignKey("salesperson.code"))
    # Null only once the contact was deleted: Business Central keeps closed ones, unlinked.
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), nullable=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    campaign_no: Mapped[str | None] = mapped_column(String(20))
    segment_no: Mapped[str | None] = mapped_column(String(20))
    sales_cycle: Mapped[str] = mapped_column(ForeignKey("sales_cycle.code"))
    creation_date: Mapped[dt.date] = mapped_column(Date)
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL.value)
    status: Mapped[str] = mapped_column(String(15), default=OpportunityStatus.NOT_STARTED.value)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    date_closed: Mapped[dt.date | None] = mapped_column(Date)
    interaction_id: Mapped[int | None] = mapped_column(Integer)


class OpportunityEntry(Base):
    """One step of an opportunity through its cycle; exactly one entry is active."""

    __tablename__ = "opportunity_entry"
    __table_args__ = (
        Index("ix_opportunity_entry_opp_active", "opportunity_id", "active"),
        Index("ix_opportunity_entry_cycle_active", "sales_cycle", "active", "stage"),
        Index(
            "ix_opportunity_entry_cycle_figures",
            "sales_cycle",
            "active",
            "stage",
            "action_taken",
            "days_open",
            "estimated_value",
            "calcd_current_value",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunity.id", ondelete="CASCADE"))
    sales_cycle: Mapped[str] = mapped_column(ForeignKey("sales_cycle.code"))
    stage: Mapped[int] = mapped_column(Integer)
    previous_stage: Mapped[int | None] = mapped_column(Integer)
    # Null only once the contact was deleted: Business Central keeps closed ones, unlinked.
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), nullable=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    salesperson: Mapped[str] = mapped_column(ForeignKey("salesperson.code"))
    campaign_no: Mapped[str | None] = mapped_column(String(20))
    date_of_change: Mapped[dt.date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    date_closed: Mapped[dt.date | None] = mapped_column(Date)
    days_open: Mapped[int] = mapped_column(Integer, default=0)
    action_taken: Mapped[str] = mapped_column(String(10), default="")
    estimated_value: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    calcd_current_value: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    completed_pct: Mapped[Decimal] = mapped_column(Percent, default=Decimal("0"))
    chances_pct: Mapped[Decimal] = mapped_column(Percent, default=Decimal("0"))
    probability_pct: Mapped[Decimal] = mapped_column(Percent, default=Decimal("0"))
    close_code: Mapped[str | None] = mapped_column(ForeignKey("close_opportunity_code.code"))
    estimated_close_date: Mapped[dt.date | None] = mapped_column(Date)

"""Setup tables: the marketing setup singleton, salespeople, teams and code lists."""

from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit import Audited
from crm.db import Base


class Role(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


class CorrespondenceType(StrEnum):
    NONE = ""
    HARD_COPY = "hard_copy"
    EMAIL = "email"


class MarketingSetup(Base):
    """The one row of settings that shape new records (Business Central's Marketing Setup)."""

    __tablename__ = "marketing_setup"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)

    inherit_salesperson: Mapped[bool] = mapped_column(Boolean, default=True)
    inherit_territory: Mapped[bool] = mapped_column(Boolean, default=True)
    inherit_country: Mapped[bool] = mapped_column(Boolean, default=True)
    inherit_language: Mapped[bool] = mapped_column(Boolean, default=True)
    inherit_address: Mapped[bool] = mapped_column(Boolean, default=True)
    inherit_communication: Mapped[bool] = mapped_column(Boolean, default=True)

    default_salesperson: Mapped[str | None] = mapped_column(String(20))
    default_territory: Mapped[str | None] = mapped_column(String(20))
    default_country: Mapped[str | None] = mapped_column(String(10))
    default_language: Mapped[str | None] = mapped_column(String(10))
    default_correspondence: Mapped[str] = mapped_column(String(10), default="email")
    default_sales_cycle: Mapped[str | None] = mapped_column(String(20))
    default_task_date_formula: Mapped[str | None] = mapped_column(String(20))

    autosearch_duplicates: Mapped[bool] = mapped_column(Boolean, default=True)
    maintain_search_strings: Mapped[bool] = mapped_column(Boolean, default=True)
    search_hit_pct: Mapped[int] = mapped_column(Integer, default=60)

    email_template: Mapped[str | None] = mapped_column(String(20))
    phone_call_template: Mapped[str | None] = mapped_column(String(20))
    meeting_template: Mapped[str | None] = mapped_column(String(20))


class Salesperson(Audited, Base):
    """A member of the team: owns contacts, opportunities and tasks."""

    __tablename__ = "salesperson"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    search_email: Mapped[str | None] = mapped_column(String(200), index=True, unique=True)
    slack_user_id: Mapped[str | None] = mapped_column(String(30), unique=True)
    phone: Mapped[str | None] = mapped_column(String(30))
    role: Mapped[str] = mapped_column(String(10), default=Role.MEMBER.value)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    time_zone: Mapped[str] = mapped_column(String(50), default="UTC")


class Team(Base):
    __tablename__ = "team"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    members: Mapped[list["TeamMember"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class TeamMember(Base):
    __tablename__ = "team_member"

    team_code: Mapped[str] = mapped_column(
        ForeignKey("team.code", ondelete="CASCADE"), primary_key=True
    )
    salesperson_code: Mapped[str] = mapped_column(
        ForeignKey("salesperson.code", ondelete="CASCADE"), primary_key=True
    )


class CodeList:
    """A code and its description; the shape of every classification list."""

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    description: Mapped[str] = mapped_column(String(100), default="")


class BusinessRelation(CodeList, Base):
    """Customer, vendor, prospect, ...: companies only."""

    __tablename__ = "business_relation"


class IndustryGroup(CodeList, Base):
    """Companies only."""

    __tablename__ = "industry_group"


class MailingGroup(CodeList, Base):
    __tablename__ = "mailing_group"


class JobResponsibility(CodeList, Base):
    """Persons only."""

    __tablename__ = "job_responsibility"


class OrganizationalLevel(CodeList, Base):
    """Persons only."""

    __tablename__ = "organizational_level"


class Territory(CodeList, Base):
    __tablename__ = "territory"


class InternalDomain(Base):
    """An e-mail domain of our own organization: mail from it is internal."""

    __tablename__ = "internal_domain"

    domain: Mapped[str] = mapped_column(String(200), primary_key=True)

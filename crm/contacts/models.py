"""Contact tables: companies, persons, their classifications and duplicates."""

from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit import Audited
from crm.db import Base


class ContactType(StrEnum):
    COMPANY = "company"
    PERSON = "person"


class Contact(Audited, Base):
    """A company or a person; a person may belong to a company."""

    __tablename__ = "contact"
    __table_args__ = (
        Index("ix_contact_search_name", "search_name"),
        Index("ix_contact_company_id", "company_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    no: Mapped[str] = mapped_column(String(20), unique=True)
    type: Mapped[str] = mapped_column(String(10), default=ContactType.COMPANY.value)
    name: Mapped[str] = mapped_column(String(200))
    name2: Mapped[str | None] = mapped_column(String(200))
    search_name: Mapped[str] = mapped_column(String(200))

    company_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    company_name: Mapped[str | None] = mapped_column(String(200))
    first_name: Mapped[str | None] = mapped_column(String(60))
    middle_name: Mapped[str | None] = mapped_column(String(60))
    surname: Mapped[str | None] = mapped_column(String(60))
    job_title: Mapped[str | None] = mapped_column(String(100))
    organizational_level: Mapped[str | None] = mapped_column(
        ForeignKey("organizational_level.code")
    )

    address: Mapped[str | None] = mapped_column(String(200))
    address2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(60))
    post_code: Mapped[str | None] = mapped_column(String(20), index=True)
    county: Mapped[str | None] = mapped_column(String(60))
    country: Mapped[str | None] = mapped_column(String(10))
    territory: Mapped[str | None] = mapped_column(ForeignKey("territory.code"))

    phone: Mapped[str | None] = mapped_column(String(30))
    mobile_phone: Mapped[str | None] = mapped_column(String(30))
    search_phone: Mapped[str | None] = mapped_column(String(30), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    search_email: Mapped[str | None] = mapped_column(String(200), index=True)
    home_page: Mapped[str | None] = mapped_column(String(200))

    salesperson: Mapped[str | None] = mapped_column(ForeignKey("salesperson.code"), index=True)
    language: Mapped[str | None] = mapped_column(String(10))
    correspondence_type: Mapped[str] = mapped_column(String(10), default="email")
    vat_registration_no: Mapped[str | None] = mapped_column(String(30), index=True)
    currency: Mapped[str | None] = mapped_column(String(10))
    external_id: Mapped[str | None] = mapped_column(String(100))

    exclude_from_segments: Mapped[bool] = mapped_column(Boolean, default=False)
    privacy_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    minor: Mapped[bool] = mapped_column(Boolean, default=False)
    parental_consent: Mapped[bool] = mapped_column(Boolean, default=False)

    company: Mapped["Contact | None"] = relationship(remote_side=[id], foreign_keys=[company_id])
    alt_emails: Mapped[list["ContactAltEmail"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_company(self) -> bool:
        return self.type == ContactType.COMPANY.value

    def __repr__(self) -> str:
        return f"<Contact {self.no} {self.name!r}>"


class ContactAltEmail(Base):
    """An alternative e-mail address of a contact, matched like the primary one."""

    __tablename__ = "contact_alt_email"
    __table_args__ = (UniqueConstraint("contact_id", "search_email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(200))
    search_email: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str | None] = mapped_column(String(100))


class ContactBusinessRelation(Base):
    __tablename__ = "contact_business_relation"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(ForeignKey("business_relation.code"), primary_key=True)


class ContactIndustryGroup(Base):
    __tablename__ = "contact_industry_group"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(ForeignKey("industry_group.code"), primary_key=True)


class ContactMailingGroup(Base):
    __tablename__ = "contact_mailing_group"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(ForeignKey("mailing_group.code"), primary_key=True)


class ContactJobResponsibility(Base):
    __tablename__ = "contact_job_responsibility"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(ForeignKey("job_responsibility.code"), primary_key=True)


# The search tables are derived from the contacts: on SQLite they keep their rows in primary
# key order, with no rowid tree beside it, so a bulk import writes one tree fewer per row.
LEAN_INDEX = {"sqlite_with_rowid": False}


class DuplicateSearchString(Base):
    """One indexed fragment of a company's fields (Business Central's duplicate search)."""

    __tablename__ = "duplicate_search_string"
    __table_args__ = (
        Index("ix_duplicate_search_string_value", "field", "part", "value"),
        LEAN_INDEX,
    )

    # No foreign key, as on every derived search table: the contact service deletes the rows
    # with their contact (crm.contacts.duplicates.drop_index_rows).
    contact_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    field: Mapped[str] = mapped_column(String(30), primary_key=True)
    part: Mapped[str] = mapped_column(String(5), primary_key=True)
    value: Mapped[str] = mapped_column(String(10))


class ContactDuplicate(Base):
    """A pair of contacts that look alike, with the evidence, or marked as separate."""

    __tablename__ = "contact_duplicate"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True
    )
    duplicate_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[int] = mapped_column(Integer, default=0)
    evidence: Mapped[str] = mapped_column(Text, default="")
    separate: Mapped[bool] = mapped_column(Boolean, default=False)


# Prefix searches compare words byte by byte: on PostgreSQL the "C" collation keeps the index
# usable for them whatever the database's own collation is.
SearchWordType = String(60).with_variant(String(60, collation="C"), "postgresql")


class ContactSearchWord(Base):
    """One normalized word of a contact's name, company, e-mail or phone, for `contact find`."""

    __tablename__ = "contact_search_word"
    __table_args__ = (Index("ix_contact_search_word_word", "word", "contact_id"), LEAN_INDEX)

    contact_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    word: Mapped[str] = mapped_column(SearchWordType, primary_key=True)


class SearchGram(Base):
    """A trigram of a word some contact has: finds words by resemblance, typos included."""

    __tablename__ = "search_gram"
    __table_args__ = LEAN_INDEX

    gram: Mapped[str] = mapped_column(String(3), primary_key=True)
    word: Mapped[str] = mapped_column(SearchWordType, primary_key=True)

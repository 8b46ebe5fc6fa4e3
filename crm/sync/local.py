"""The Rapport side of each mapping: which records are in scope, their values, their writes."""

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from crm.audit import Actor, stamp
from crm.contacts import service as contact_service
from crm.contacts.models import Contact, ContactType
from crm.opportunities import service as opportunity_service
from crm.opportunities.models import Opportunity
from crm.opportunities.service import OpportunityCreate, OpportunityUpdate, UpdateAction
from crm.setup.models import Salesperson
from crm.sync.catalogue import (
    ACCOUNTS,
    BOOL,
    CONTACTS,
    DATE,
    DECIMAL,
    EMAIL,
    LOOKUP,
    OPPORTUNITIES,
    SALESPEOPLE,
    FieldSpec,
    MappingSpec,
    mapping_spec,
)
from crm.sync.models import SyncCoupling
from crm.sync.remote import Row
from crm.values import search_email, search_phone

Values = dict[str, str | None]
CHUNK = 500


class Skip(Exception):
    """A record is out of scope or cannot be synchronized yet; the message says why."""


class Links(Protocol):
    """Translates lookups between Rapport keys and Dataverse ids through couplings."""

    def remote_id(self, mapping: str, local_key: str | None) -> str | None: ...

    def local_key(self, mapping: str, remote_id: str | None) -> str | None: ...


def canonical(spec: FieldSpec, value: Any) -> str | None:
    """Return the form a value is compared and hashed in, the same for both sides."""
    if value is None:
        return None
    if spec.kind == BOOL:
        return "true" if value in (True, "true", 1, "1") else "false"
    if spec.kind == DECIMAL:
        try:
            return str(Decimal(str(value)).quantize(Decimal("0.01")))
        except InvalidOperation:
            return None
    if spec.kind == DATE:
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        return text[:10] or None
    text = str(value).strip()
    if spec.kind in (EMAIL, LOOKUP):
        text = text.lower()
    return text or None


def remote_values(mapping: MappingSpec, row: Row) -> Values:
    """Return a Dataverse row's values in canonical form."""
    return {spec.field: canonical(spec, row.get(spec.column)) for spec in mapping.fields}


def remote_body(mapping: MappingSpec, values: Values, fields: Iterable[str]) -> Row:
    """Return the JSON body that writes these fields to Dataverse."""
    body: Row = {}
    for name in fields:
        spec = mapping.spec(name)
        value = values.get(name)
        if spec.kind == LOOKUP:
            # An empty lookup is left alone: an owner cannot be empty, and a parent account
            # is only cleared in Sales, never by a record Rapport cannot place.
            if value:
                body[f"{spec.bind}@odata.bind"] = (
                    f"/{mapping_spec(spec.target or '').entity_set}({value})"
                )
        elif spec.kind == BOOL:
            body[spec.column] = value == "true" if value is not None else None
        elif spec.kind == DECIMAL:
            body[spec.column] = float(value) if value is not None else None
        else:
            body[spec.column] = value
    return body


class LocalTable:
    """How one mapping reads and writes Rapport records."""

    mapping: MappingSpec
    # True when write and create refuse before changing anything, so that the engine needs
    # no savepoint per record (savepoints make a 10,000-row pull quadratic).
    atomic = True

    def key(self, record: Any) -> str:
        raise NotImplementedError

    def changed(self, session: Session, since: dt.datetime | None) -> list[Any]:
        """Return the records in scope changed at or after `since` (all of them without)."""
        raise NotImplementedError

    def by_keys(self, session: Session, keys: Sequence[str]) -> dict[str, Any]:
        """Return the records with these keys, by key."""
        raise NotImplementedError

    def vanished(self, session: Session) -> set[str]:
        """Return the coupled keys whose Rapport record no longer exists, in one query."""
        column = self.key_attribute()
        gone = select(SyncCoupling.local_key).where(
            SyncCoupling.mapping == self.mapping.name,
            ~select(column).where(column == SyncCoupling.local_key).exists(),
        )
        return set(session.scalars(gone))

    def key_attribute(self) -> Any:
        raise NotImplementedError

    def values(self, record: Any, links: Links) -> Values:
        """Return the record's values in canonical form."""
        raise NotImplementedError

    def in_scope(self, row: Row) -> str | None:
        """Return why a Dataverse row is not synchronized, or None when it is."""
        return None

    def write(
        self, session: Session, record: Any, values: Values, links: Links, actor: Actor
    ) -> None:
        """Set these fields on the record and stamp it as changed by the sync."""
        raise NotImplementedError

    def create(self, session: Session, values: Values, links: Links, actor: Actor) -> Any:
        """Create a record from a Dataverse row's values."""
        raise NotImplementedError

    def delete(self, session: Session, record: Any) -> None:
        """Delete a record whose Dataverse row was deleted."""
        session.delete(record)
        session.flush()

    def match(self, session: Session, values: Values, fields: Sequence[str]) -> list[Any]:
        """Return the records whose match fields equal these values."""
        raise NotImplementedError


class Salespeople(LocalTable):
    """Salespeople, from Sales users (one way, as in Business Central)."""

    def __init__(self, mapping: MappingSpec) -> None:
        self.mapping = mapping

    def key(self, record: Salesperson) -> str:
        return record.code

    def key_attribute(self) -> Any:
        return Salesperson.code

    def changed(self, session: Session, since: dt.datetime | None) -> list[Any]:
        stmt = select(Salesperson)
        if since is not None:
            stmt = stmt.where(Salesperson.modified_at >= since)
        return list(session.scalars(stmt))

    def by_keys(self, session: Session, keys: Sequence[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            for person in session.scalars(select(Salesperson).where(Salesperson.code.in_(chunk))):
                found[person.code] = person
        return found

    def values(self, record: Salesperson, links: Links) -> Values:
        raw = {
            "name": record.name,
            "email": record.email,
            "phone": record.phone,
            "blocked": record.blocked,
        }
        return {spec.field: canonical(spec, raw[spec.field]) for spec in self.mapping.fields}

    def in_scope(self, row: Row) -> str | None:
        # 4 is a non-interactive (application or integration) user: never a salesperson.
        if row.get("accessmode") == 4:
            return "a non-interactive user"
        if not row.get("internalemailaddress"):
            return "a user without an e-mail address"
        return None

    def write(
        self, session: Session, record: Salesperson, values: Values, links: Links, actor: Actor
    ) -> None:
        for name, value in values.items():
            if name == "name":
                record.name = value or record.name
            elif name == "email":
                record.email, record.search_email = value, search_email(value)
            elif name == "phone":
                record.phone = value
            elif name == "blocked":
                record.blocked = value == "true"
        stamp(record, actor)

    def create(self, session: Session, values: Values, links: Links, actor: Actor) -> Any:
        email = values.get("email") or ""
        existing = session.scalars(
            select(Salesperson).where(Salesperson.search_email == search_email(email))
        ).first()
        if existing is not None:
            raise Skip(f"salesperson {existing.code} has this e-mail but another Sales user")
        person = Salesperson(code=_free_code(session, email), name=values.get("name") or email)
        self.write(session, person, values, links, actor)
        stamp(person, actor, created=True)
        session.add(person)
        session.flush()
        return person

    def match(self, session: Session, values: Values, fields: Sequence[str]) -> list[Any]:
        if "email" not in fields or not values.get("email"):
            return []
        stmt = select(Salesperson).where(Salesperson.search_email == search_email(values["email"]))
        return list(session.scalars(stmt))


def _free_code(session: Session, email: str) -> str:
    base = re.sub(r"[^A-Z0-9]", "", email.split("@")[0].upper())[:16] or "USER"
    code, n = base, 1
    while session.get(Salesperson, code) is not None:
        n += 1
        code = f"{base}{n}"
    return code


CONTACT_TEXT = (
    "name",
    "phone",
    "mobile_phone",
    "home_page",
    "address",
    "city",
    "post_code",
    "country",
    "job_title",
    "first_name",
    "surname",
    "email",
)


class Contacts(LocalTable):
    """Company contacts with accounts, or person contacts (with a company) with contacts."""

    def __init__(self, mapping: MappingSpec, *, persons: bool) -> None:
        self.mapping = mapping
        self.persons = persons

    def key(self, record: Contact) -> str:
        return record.no

    def key_attribute(self) -> Any:
        return Contact.no

    def _scope(self) -> Any:
        if self.persons:
            return select(Contact).where(
                Contact.type == ContactType.PERSON.value, Contact.company_id.is_not(None)
            )
        return select(Contact).where(Contact.type == ContactType.COMPANY.value)

    def changed(self, session: Session, since: dt.datetime | None) -> list[Any]:
        stmt = self._scope()
        if since is not None:
            stmt = stmt.where(Contact.modified_at >= since)
        return list(session.scalars(stmt.order_by(Contact.id)))

    def by_keys(self, session: Session, keys: Sequence[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for start in range(0, len(keys), CHUNK):
            stmt = self._scope().where(Contact.no.in_(keys[start : start + CHUNK]))
            for contact in session.scalars(stmt):
                found[contact.no] = contact
        return found

    def values(self, record: Contact, links: Links) -> Values:
        result: Values = {}
        for spec in self.mapping.fields:
            if spec.field == "company":
                company = record.company.no if record.company else None
                result["company"] = links.remote_id(ACCOUNTS, company)
                if company and result["company"] is None:
                    raise Skip(f"its company {company} is not coupled to an account yet")
            elif spec.field == "salesperson":
                result["salesperson"] = links.remote_id(SALESPEOPLE, record.salesperson)
            else:
                result[spec.field] = canonical(spec, getattr(record, spec.field))
        if self.persons and not (record.first_name or record.surname):
            # A person typed as one name ("Jane Roe") gets Sales's first and last name from it.
            first, _, last = record.name.strip().rpartition(" ")
            result["first_name"], result["surname"] = first or None, last or None
        return result

    def in_scope(self, row: Row) -> str | None:
        if self.persons and not row.get("_parentcustomerid_value"):
            return "a contact without a parent account"
        return None

    def write(
        self, session: Session, record: Contact, values: Values, links: Links, actor: Actor
    ) -> None:
        # Everything that can refuse the change is checked before the record is touched.
        company = self._company(session, values["company"], links) if "company" in values else None
        code = None
        if values.get("salesperson"):
            code = links.local_key(SALESPEOPLE, values["salesperson"])
            if code is None:
                raise Skip(f"owner {values['salesperson']} is not coupled to a salesperson")
        if self.persons and record.name and not (record.first_name or record.surname):
            first, _, last = record.name.strip().rpartition(" ")
            record.first_name, record.surname = first or None, last or None
        name = self._name(record, values)
        for key, value in values.items():
            if key == "email":
                record.email, record.search_email = value, search_email(value)
            elif key == "phone":
                record.phone, record.search_phone = value, search_phone(value)
            elif key in CONTACT_TEXT:
                setattr(record, key, value)
        if company is not None:
            record.company_id, record.company_name = company.id, company.name
            record.company = company
        if "salesperson" in values:
            record.salesperson = code
        record.name, record.search_name = name, name.upper()
        stamp(record, actor)

    def _name(self, record: Contact, values: Values) -> str:
        if self.persons:
            first = values.get("first_name", record.first_name)
            last = values.get("surname", record.surname)
            name = " ".join(part for part in (first, last) if part) or record.name
        else:
            name = values.get("name", record.name) or ""
        if not name.strip():
            raise Skip("the record would have no name")
        return name.strip()

    def _company(self, session: Session, remote_id: str | None, links: Links) -> Contact:
        company_no = links.local_key(ACCOUNTS, remote_id)
        if company_no is None:
            raise Skip(f"its account {remote_id} is not coupled to a company")
        company = contact_service.get_by_no(db_session=session, no=company_no)
        if company is None:
            raise Skip(f"company {company_no} no longer exists")
        return company

    def create(self, session: Session, values: Values, links: Links, actor: Actor) -> Any:
        if self.persons:
            full = " ".join(v for v in (values.get("first_name"), values.get("surname")) if v)
            name, kind = full, ContactType.PERSON
        else:
            name, kind = values.get("name") or "", ContactType.COMPANY
        if not name.strip():
            raise Skip("the row has no name")
        company = None
        if self.persons:
            company_no = links.local_key(ACCOUNTS, values.get("company"))
            if company_no is None:
                raise Skip(f"its account {values.get('company')} is not coupled to a company")
            company = contact_service.get_by_no(db_session=session, no=company_no)
        contact = contact_service.create(
            db_session=session, actor=actor, name=name, type=kind, company=company
        )
        self.write(session, contact, values, links, actor)
        return contact

    def match(self, session: Session, values: Values, fields: Sequence[str]) -> list[Any]:
        stmt = self._scope()
        used = False
        for name in fields:
            value = values.get(name)
            if not value:
                continue
            used = True
            if name == "email":
                stmt = stmt.where(Contact.search_email == search_email(value))
            elif name == "name":
                stmt = stmt.where(Contact.search_name == value.upper())
            elif name in CONTACT_TEXT:
                stmt = stmt.where(getattr(Contact, name) == value)
        return list(session.scalars(stmt.limit(3))) if used else []


def local_table(mapping: MappingSpec) -> LocalTable | None:
    """Return the Rapport side of a mapping, or None where Rapport has none yet."""
    if mapping.name == SALESPEOPLE:
        return Salespeople(mapping)
    if mapping.name == ACCOUNTS:
        return Contacts(mapping, persons=False)
    if mapping.name == CONTACTS:
        return Contacts(mapping, persons=True)
    if mapping.name == OPPORTUNITIES:
        return Opportunities(mapping)
    return None


class Opportunities(LocalTable):
    """Open opportunities with Sales opportunities, through Rapport's opportunity service."""

    atomic = False  # the opportunity service may refuse an estimate after changing the record

    def __init__(self, mapping: MappingSpec) -> None:
        self.mapping = mapping

    def key(self, record: Opportunity) -> str:
        return record.no

    def key_attribute(self) -> Any:
        return Opportunity.no

    def _scope(self) -> Any:
        return select(Opportunity).where(Opportunity.closed.is_(False))

    def changed(self, session: Session, since: dt.datetime | None) -> list[Any]:
        stmt = self._scope()
        if since is not None:
            stmt = stmt.where(Opportunity.modified_at >= since)
        return list(session.scalars(stmt.order_by(Opportunity.id)))

    def by_keys(self, session: Session, keys: Sequence[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for start in range(0, len(keys), CHUNK):
            stmt = self._scope().where(Opportunity.no.in_(keys[start : start + CHUNK]))
            for opportunity in session.scalars(stmt):
                found[opportunity.no] = opportunity
        return found

    def values(self, record: Opportunity, links: Links) -> Values:
        session = object_session(record)
        assert session is not None
        contact = session.get(Contact, record.contact_id)
        company = session.get(Contact, record.company_id) if record.company_id else None
        person = contact if contact is not None and not contact.is_company else None
        result: Values = {
            "description": record.description.strip() or None,
            "contact": links.remote_id(CONTACTS, person.no) if person else None,
            "company": links.remote_id(ACCOUNTS, company.no) if company else None,
            "salesperson": links.remote_id(SALESPEOPLE, record.salesperson),
        }
        if person is not None and result["contact"] is None:
            raise Skip(f"its contact {person.no} is not coupled to a Sales contact yet")
        if company is not None and result["company"] is None:
            raise Skip(f"its company {company.no} is not coupled to an account yet")
        entry = opportunity_service.active_entry(db_session=session, opportunity=record)
        result["estimated_value"] = canonical(
            self.mapping.spec("estimated_value"), entry.estimated_value if entry else None
        )
        result["close_date"] = canonical(
            self.mapping.spec("close_date"), entry.estimated_close_date if entry else None
        )
        return result

    def in_scope(self, row: Row) -> str | None:
        if row.get("statecode") not in (0, None):
            return "a closed opportunity"
        if not (row.get("_parentcontactid_value") or row.get("_parentaccountid_value")):
            return "an opportunity without a contact or account"
        return None

    def _contact(self, session: Session, values: Values, links: Links) -> Contact:
        if values.get("contact"):
            key, kind = links.local_key(CONTACTS, values["contact"]), "contact"
        else:
            key, kind = links.local_key(ACCOUNTS, values.get("company")), "account"
        contact = contact_service.get_by_no(db_session=session, no=key) if key else None
        if contact is None:
            raise Skip(f"its {kind} is not coupled to a Rapport contact")
        return contact

    def write(
        self, session: Session, record: Opportunity, values: Values, links: Links, actor: Actor
    ) -> None:
        if "description" in values:
            record.description = (values["description"] or record.description)[:200]
        if "salesperson" in values and values["salesperson"]:
            code = links.local_key(SALESPEOPLE, values["salesperson"])
            if code is None:
                raise Skip(f"owner {values['salesperson']} is not coupled to a salesperson")
            record.salesperson = code
        if {"contact", "company"} & values.keys():
            merged = {"contact": values.get("contact"), "company": values.get("company")}
            contact = self._contact(session, merged, links)
            record.contact_id = contact.id
            record.company_id = contact.company_id or contact.id
        if {"estimated_value", "close_date"} & values.keys():
            self._estimate(session, record, values, actor)
        stamp(record, actor)

    def _estimate(
        self, session: Session, record: Opportunity, values: Values, actor: Actor
    ) -> None:
        current = opportunity_service.active_entry(db_session=session, opportunity=record)
        value = values.get("estimated_value")
        close = values.get("close_date")
        opportunity_service.update(
            db_session=session,
            actor=actor,
            opportunity=record,
            action=UpdateAction.UPDATE if current else UpdateAction.FIRST,
            data=OpportunityUpdate(
                estimated_value=Decimal(value) if value else None,
                estimated_close_date=dt.date.fromisoformat(close) if close else None,
            ),
        )

    def create(self, session: Session, values: Values, links: Links, actor: Actor) -> Any:
        contact = self._contact(session, values, links)
        code = links.local_key(SALESPEOPLE, values.get("salesperson"))
        value, close = values.get("estimated_value"), values.get("close_date")
        return opportunity_service.create(
            db_session=session,
            actor=actor,
            contact=contact,
            data=OpportunityCreate(
                description=values.get("description") or "",
                salesperson=code or contact.salesperson,
                estimated_value=Decimal(value) if value else None,
                estimated_close_date=dt.date.fromisoformat(close) if close else None,
            ),
        )

    def delete(self, session: Session, record: Any) -> None:
        raise Skip("Rapport keeps opportunities; close it with `opp lose` instead")

    def match(self, session: Session, values: Values, fields: Sequence[str]) -> list[Any]:
        return []

"""Contact services: create, change, classify, delete, find and merge companies and persons."""

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, delete, func, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from crm.audit import Actor, stamp
from crm.contacts import duplicates as dupes
from crm.contacts import search
from crm.contacts.models import Contact, ContactAltEmail, ContactSearchWord, ContactType
from crm.contacts.schemas import (
    ADDRESS_FIELDS,
    COMMUNICATION_FIELDS,
    COMMUNICATION_ON_CREATE,
    EDIT_KEYS,
    FIELDS,
    INHERITED,
    LISTS,
    FieldSpec,
)
from crm.errors import Ambiguous, Choice, Conflict, InvalidInput, NotFound
from crm.interactions.models import InteractionLogEntry
from crm.numbering import check_manual, next_number
from crm.opportunities.models import Opportunity, OpportunityStatus
from crm.segments.models import SegmentHeader, SegmentLine
from crm.setup import service as setup_service
from crm.setup.models import MarketingSetup
from crm.tasks.models import Task
from crm.values import normalize_email, normalize_phone, parse_bool, search_email, search_phone

log = logging.getLogger(__name__)

CHOICES_SHOWN = 8
# A change to any of these re-runs the duplicate search, as Business Central does.
DUPLICATE_FIELDS = {"name", "name2", "address", "address2", "city", "post_code", "vat", "phone"}
OPEN_OPPORTUNITY = (OpportunityStatus.NOT_STARTED.value, OpportunityStatus.IN_PROGRESS.value)


@dataclass
class Outcome:
    """A contact created or changed, the duplicates it looks like and what else moved."""

    contact: Contact
    duplicates: list[dupes.Duplicate] = field(default_factory=list)
    persons_updated: int = 0


@dataclass
class Details:
    """Everything a contact's card shows."""

    contact: Contact
    classifications: dict[str, list[str]]
    persons: list[Contact]
    interactions: int
    open_opportunities: int
    open_tasks: int


# Looking up


def get(*, db_session: Session, contact_id: int) -> Contact | None:
    """Return the contact with this id, or None."""
    return db_session.get(Contact, contact_id)


def get_by_no(*, db_session: Session, no: str) -> Contact | None:
    """Return the contact with this number, or None."""
    return db_session.scalars(select(Contact).where(Contact.no == no.strip().upper())).first()


def get_by_email(*, db_session: Session, email: str) -> list[Contact]:
    """Return the contacts whose primary or alternative e-mail is this address."""
    key = search_email(email)
    alt = select(ContactAltEmail.contact_id).where(ContactAltEmail.search_email == key)
    stmt = select(Contact).where(or_(Contact.search_email == key, Contact.id.in_(alt)))
    return list(db_session.scalars(stmt.order_by(Contact.no)))


def resolve(*, db_session: Session, name: str) -> Contact:
    """Return the one contact a user means by a number, an e-mail or part of a name.

    Raises Ambiguous with a short list when several contacts fit, never a guess.
    """
    text = name.strip()
    if not text:
        raise InvalidInput("Name a contact by its number, e-mail or name.", field="contact")
    if contact := get_by_no(db_session=db_session, no=text):
        return contact
    if "@" in text:
        matches = get_by_email(db_session=db_session, email=text)
    else:
        matches = _by_name(db_session, text)
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFound(
            f"No contact matches '{text}'.",
            hint="Try `contact find <words>`, or add it with `contact add`.",
        )
    raise Ambiguous(
        f"{len(matches)} contacts match '{text}'. Which one?",
        choices=[Choice(c.no, label(c)) for c in matches[:CHOICES_SHOWN]],
        hint="Name it by its number.",
    )


def _by_name(db_session: Session, text: str) -> list[Contact]:
    key = text.upper()
    exact = list(db_session.scalars(select(Contact).where(Contact.search_name == key).limit(10)))
    if exact:
        return exact
    # Every word typed must begin a word of the contact: found through the search-word index.
    words = search.words_of(text)
    if not words:
        return []
    ids = None
    for word in words:
        stmt = select(ContactSearchWord.contact_id).where(
            ContactSearchWord.word >= word, ContactSearchWord.word < word + "\uffff"
        )
        found = set(db_session.scalars(stmt.limit(5000)))
        ids = found if ids is None else ids & found
    # The words may come from the company or the e-mail: keep contacts whose own name fits.
    names = db_session.execute(select(Contact.id, Contact.name).where(Contact.id.in_(ids or ())))
    fitting = [
        cid
        for cid, contact_name in names
        if all(any(w.startswith(typed) for w in search.words_of(contact_name)) for typed in words)
    ]
    contacts = (
        select(Contact)
        .where(Contact.id.in_(fitting))
        .order_by(func.length(Contact.name), Contact.no)
        .limit(CHOICES_SHOWN + 1)
    )
    return list(db_session.scalars(contacts))


def label(contact: Contact) -> str:
    """Return a contact as a line in a list: name, company and e-mail."""
    parts = [contact.name]
    if contact.company_name and contact.type == ContactType.PERSON.value:
        parts.append(f"at {contact.company_name}")
    if contact.email:
        parts.append(f"<{contact.email}>")
    return " ".join(parts)


def find(
    *,
    db_session: Session,
    text: str,
    type: str | None = None,
    company: str | None = None,
    salesperson: str | None = None,
    limit: int = 20,
) -> list[search.Hit]:
    """Return the contacts matching words of a name, e-mail, phone or company, best first."""
    if type is not None and type not in {t.value for t in ContactType}:
        raise InvalidInput(f"'{type}' is not a type.", field="type", hint="Use company or person.")
    company_id = None
    if company:
        company_id = resolve(db_session=db_session, name=company).id
    code = None
    if salesperson:
        code = setup_service.get_salesperson_or_raise(db_session=db_session, code=salesperson).code
    return search.find(
        db_session=db_session,
        text=text,
        type=type,
        company_id=company_id,
        salesperson=code,
        limit=limit,
    )


def details(*, db_session: Session, contact: Contact) -> Details:
    """Return a contact with its classifications, persons and open work."""
    persons: list[Contact] = []
    if contact.is_company:
        persons = list(
            db_session.scalars(
                select(Contact).where(Contact.company_id == contact.id).order_by(Contact.name)
            )
        )
    return Details(
        contact=contact,
        classifications=classifications(db_session, contact),
        persons=persons,
        interactions=_count(
            db_session, InteractionLogEntry, InteractionLogEntry.contact_id, contact
        ),
        open_opportunities=_open_opportunities(db_session, [contact.id]),
        open_tasks=_open_tasks(db_session, [contact.id]),
    )


def classifications(db_session: Session, contact: Contact) -> dict[str, list[str]]:
    """Return the codes of each classification list a contact carries."""
    found: dict[str, list[str]] = {}
    for kind, spec in LISTS.items():
        model = spec.model
        stmt = select(model.code).where(model.contact_id == contact.id).order_by(model.code)
        found[kind] = list(db_session.scalars(stmt))
    return found


# Creating


def create(
    *,
    db_session: Session,
    actor: Actor,
    name: str,
    type: ContactType = ContactType.COMPANY,
    company: Contact | None = None,
    email: str | None = None,
    phone: str | None = None,
    values: Mapping[str, str] | None = None,
    no: str | None = None,
) -> Contact:
    """Create a company or a person with the setup's defaults and its company's values."""
    return add(
        db_session=db_session,
        actor=actor,
        name=name,
        type=type,
        company=company,
        email=email,
        phone=phone,
        values=values,
        no=no,
    ).contact


def add(
    *,
    db_session: Session,
    actor: Actor,
    name: str,
    type: ContactType = ContactType.COMPANY,
    company: Contact | None = None,
    email: str | None = None,
    phone: str | None = None,
    values: Mapping[str, str] | None = None,
    no: str | None = None,
) -> Outcome:
    """Create a contact and return it with the existing contacts it looks like.

    Duplicates never stop the creation (Business Central creates and notifies); the caller
    shows them with merge and separate actions.
    """
    given = dict(values or {})
    given.update({k: v for k, v in (("email", email), ("phone", phone)) if v})
    given["name"] = name
    if company is not None and not company.is_company:
        raise InvalidInput(
            f"{company.no} {company.name} is a person; persons belong to companies.",
            field="company",
        )
    setup = setup_service.get_marketing_setup(db_session=db_session)
    # A new contact has no alternative e-mails: said here, they are never loaded to find out.
    contact = Contact(
        type=type.value, name="", search_name="", correspondence_type="email", alt_emails=[]
    )
    for flag in ("exclude_from_segments", "privacy_blocked", "minor", "parental_consent"):
        setattr(contact, flag, False)
    _apply_defaults(db_session, contact, actor, setup)
    if company is not None:
        _join_company(contact, company, setup, old=None)
    _apply(db_session, contact, given, new=True)
    if no:
        contact.no = check_manual(db_session, "CONTACT", no)
        if get_by_no(db_session=db_session, no=contact.no) is not None:
            raise Conflict(f"Contact number {contact.no} is taken.", hint="Leave no= out.")
    else:
        contact.no = _free_number(db_session)
    stamp(contact, actor, created=True)
    db_session.add(contact)
    db_session.flush()
    _apply_lists(db_session, contact, given)
    outcome = Outcome(contact, _reindex(db_session, contact, setup, check=True, new=True))
    log.info("Contact %s created by %s", contact.no, actor)
    return outcome


def _apply_defaults(
    db_session: Session, contact: Contact, actor: Actor, setup: MarketingSetup
) -> None:
    code = actor.salesperson or setup.default_salesperson
    person = setup_service.get_salesperson(db_session=db_session, code=code) if code else None
    contact.salesperson = person.code if person and not person.blocked else None
    contact.territory = setup.default_territory
    contact.country = setup.default_country
    contact.language = setup.default_language
    contact.correspondence_type = setup.default_correspondence or ""


def _join_company(
    contact: Contact, company: Contact, setup: MarketingSetup, old: dict[str, object] | None
) -> None:
    """Link a person to a company and take over the company's values it has not overridden.

    A new person takes the company's values where they are set (inheritance beats the
    setup's defaults); a person moving from another company keeps what it changed itself.
    """
    contact.company_id, contact.company_name = company.id, company.name
    contact.company = company
    for switch, attrs in INHERITED.items():
        if getattr(setup, switch):
            for attr in attrs:
                _follow(contact, company, attr, old)
    if setup.inherit_address and (old is None or _address(contact) == _address_of(old)):
        for attr in ADDRESS_FIELDS:
            setattr(contact, attr, getattr(company, attr))
    if setup.inherit_communication:
        for attr in COMMUNICATION_ON_CREATE if old is None else COMMUNICATION_FIELDS:
            _follow(contact, company, attr, old)
    _search_keys(contact)


def _follow(contact: Contact, company: Contact, attr: str, old: dict[str, object] | None) -> None:
    value = getattr(company, attr)
    if old is None:
        if value:
            setattr(contact, attr, value)
    elif getattr(contact, attr) == old.get(attr):
        setattr(contact, attr, value)


def _address(contact: Contact) -> tuple[object, ...]:
    return tuple(getattr(contact, attr) for attr in ADDRESS_FIELDS)


def _address_of(values: Mapping[str, object]) -> tuple[object, ...]:
    return tuple(values.get(attr) for attr in ADDRESS_FIELDS)


def _free_number(db_session: Session) -> str:
    # Numbers typed in by hand or imported may already be taken; skip them as BC does.
    while True:
        number = next_number(db_session, "CONTACT")
        if get_by_no(db_session=db_session, no=number) is None:
            return number


# Changing


def update(
    *,
    db_session: Session,
    actor: Actor,
    contact: Contact,
    values: Mapping[str, str],
    check_duplicates: bool = True,
) -> Outcome:
    """Change a contact's fields, type, company, classifications or alternative e-mails.

    A company's change flows to its persons where they still held the company's old value.
    The duplicate check runs when a field it compares changed, unless check_duplicates is off
    (a file's updates, as its new contacts, are not checked one by one).
    """
    if not values:
        raise InvalidInput(
            "Say what to change, as key=value.", hint=f"Keys: {', '.join(EDIT_KEYS)}."
        )
    setup = setup_service.get_marketing_setup(db_session=db_session)
    old = _snapshot(contact)
    if "type" in values:
        _change_type(db_session, contact, values["type"])
    if "company" in values:
        _change_company(db_session, contact, values["company"], setup)
    _apply(db_session, contact, values, new=False)
    _apply_lists(db_session, contact, values)
    stamp(contact, actor)
    db_session.flush()
    persons = _propagate(db_session, contact, old, setup, actor) if contact.is_company else 0
    check = check_duplicates and (bool(DUPLICATE_FIELDS & set(values)) or "type" in values)
    outcome = Outcome(contact, _reindex(db_session, contact, setup, check=check), persons)
    log.info("Contact %s changed by %s: %s", contact.no, actor, ", ".join(sorted(values)))
    return outcome


def _snapshot(contact: Contact) -> dict[str, object]:
    attrs = {spec.attr for spec in FIELDS.values()}
    return {attr: getattr(contact, attr) for attr in attrs}


def _apply(db_session: Session, contact: Contact, values: Mapping[str, str], *, new: bool) -> None:
    unknown = sorted(set(values) - set(EDIT_KEYS))
    if unknown:
        raise InvalidInput(
            f"A contact has no field {', '.join(unknown)}.",
            field=unknown[0],
            hint=f"Fields: {', '.join(EDIT_KEYS)}.",
        )
    # Consent before minor before the block: their rules depend on each other.
    order = sorted(
        (key for key in values if key in FIELDS),
        key=lambda k: (
            ["parental_consent", "minor", "privacy_blocked"].index(k)
            if k in {"parental_consent", "minor", "privacy_blocked"}
            else -1
        ),
    )
    if contact.is_company and (values.get("level") or "").strip():
        raise InvalidInput(
            "Organizational levels are for persons only.",
            field="level",
            hint="Give the level to a person of this company.",
        )
    for key in order:
        setattr(contact, FIELDS[key].attr, _read(db_session, key, FIELDS[key], values[key]))
        if key == "minor" and contact.minor:
            contact.privacy_blocked = True
        unblocked = key == "privacy_blocked" and not contact.privacy_blocked
        if unblocked and contact.minor and not contact.parental_consent:
            raise InvalidInput(
                f"{contact.name} is a minor: the privacy block stays until parental "
                "consent is received.",
                field="privacy_blocked",
                hint="Add parental_consent=yes once you have it.",
            )
    if "parental_consent" in values and not contact.parental_consent and contact.minor:
        contact.privacy_blocked = True
    if not contact.name:
        raise InvalidInput("A contact needs a name.", field="name")
    if not contact.is_company and ("name" in values or new):
        _split_name(contact, values)
    _search_keys(contact)


def _read(db_session: Session, key: str, spec: FieldSpec, text: str) -> object:
    value = text.strip()
    if spec.kind == "bool":
        return parse_bool(value, field=key)
    if spec.kind == "correspondence":
        return setup_service.correspondence_type(value, field=key)
    if not value:
        if key == "name":
            raise InvalidInput("A contact needs a name.", field="name")
        return None
    if len(value) > spec.size:
        raise InvalidInput(f"{spec.label} takes at most {spec.size} characters.", field=key)
    if spec.kind == "email":
        return normalize_email(value, field=key)
    if spec.kind == "phone":
        return normalize_phone(value, field=key)
    if spec.kind == "salesperson":
        return setup_service.active_salesperson_code(db_session=db_session, code=value, field=key)
    if spec.kind == "code":
        assert spec.code_list is not None
        try:
            return setup_service.get_code(
                db_session=db_session, kind=spec.code_list, code=value
            ).code
        except NotFound as error:
            raise InvalidInput(error.message, field=key, hint=error.hint) from None
    if spec.kind == "short":
        if not re.fullmatch(r"[A-Za-z0-9-]{1,10}", value):
            raise InvalidInput(f"{spec.label} is a code of up to 10 letters.", field=key)
        return value.upper()
    if spec.kind == "vat":
        return re.sub(r"[\s.-]", "", value).upper()
    return value


def _split_name(contact: Contact, values: Mapping[str, str]) -> None:
    # A person typed as one name gets first, middle and surname, unless they were given.
    parts = contact.name.split()
    if "first_name" not in values and parts:
        contact.first_name = parts[0][:60] if len(parts) > 1 else None
    if "surname" not in values and parts:
        contact.surname = parts[-1][:60]
    if "middle_name" not in values:
        contact.middle_name = " ".join(parts[1:-1])[:60] or None


def _search_keys(contact: Contact) -> None:
    contact.search_name = contact.name.upper()[:200]
    contact.search_email = search_email(contact.email)
    contact.search_phone = search_phone(contact.phone)


def _change_type(db_session: Session, contact: Contact, text: str) -> None:
    wanted = text.strip().lower()
    if wanted not in {t.value for t in ContactType}:
        raise InvalidInput(f"'{text}' is not a type.", field="type", hint="Use company or person.")
    if wanted == contact.type:
        return
    used = _activity(db_session, [contact.id])
    if used:
        raise Conflict(
            f"{contact.no} has {used}: its type cannot change.",
            hint="Create a new contact of the other type instead.",
        )
    lists = classifications(db_session, contact)
    if wanted == ContactType.COMPANY.value:
        if contact.organizational_level or lists["job"]:
            raise Conflict(
                f"{contact.no} has an organizational level or job responsibilities.",
                hint="Remove them first: level= job=",
            )
        contact.company_id, contact.company_name, contact.company = None, None, None
    else:
        persons = db_session.scalar(
            select(func.count()).select_from(Contact).where(Contact.company_id == contact.id)
        )
        if persons:
            raise Conflict(
                f"{contact.no} {contact.name} has {persons} persons: a company with persons "
                "cannot become a person.",
                hint="Move or delete its persons first.",
            )
        if (
            lists["relation"]
            or lists["industry"]
            or contact.currency
            or contact.vat_registration_no
        ):
            raise Conflict(
                f"{contact.no} has business relations, industry groups, a currency or a VAT no.",
                hint="Remove them first: relation= industry= currency= vat=",
            )
    contact.type = wanted


def _change_company(
    db_session: Session, contact: Contact, text: str, setup: MarketingSetup
) -> None:
    if contact.is_company:
        raise InvalidInput(
            "Only persons belong to companies.", field="company", hint="Add type=person first."
        )
    if not text.strip():
        if contact.company_id is not None:
            _check_off_segments(db_session, contact, "leave its company")
        contact.company_id, contact.company_name, contact.company = None, None, None
        return
    company = resolve(db_session=db_session, name=text)
    if not company.is_company:
        raise InvalidInput(
            f"{company.no} {company.name} is a person, not a company.", field="company"
        )
    if company.id == contact.company_id:
        return
    _check_off_segments(db_session, contact, "move to another company")
    previous = contact.company
    old = _snapshot(previous) if previous is not None else {}
    _join_company(contact, company, setup, old=old)


def _propagate(
    db_session: Session,
    company: Contact,
    old: dict[str, object],
    setup: MarketingSetup,
    actor: Actor,
) -> int:
    """Carry a company's changes to its persons, where they never overrode the old value."""
    persons = list(db_session.scalars(select(Contact).where(Contact.company_id == company.id)))
    for person in persons:
        person.company_name = company.name
        before = _snapshot(person)
        for switch, attrs in INHERITED.items():
            if getattr(setup, switch):
                for attr in attrs:
                    _follow(person, company, attr, old)
        if setup.inherit_address and _address(person) == _address_of(old):
            for attr in ADDRESS_FIELDS:
                setattr(person, attr, getattr(company, attr))
        if setup.inherit_communication:
            for attr in COMMUNICATION_FIELDS:
                _follow(person, company, attr, old)
        _search_keys(person)
        if before != _snapshot(person) or person.company_name != old.get("name"):
            stamp(person, actor)
            search.index(db_session, person)
    db_session.flush()
    return len(persons)


def _apply_lists(db_session: Session, contact: Contact, values: Mapping[str, str]) -> None:
    for kind, spec in LISTS.items():
        if kind not in values:
            continue
        if spec.only and contact.type != spec.only and values[kind].strip():
            raise InvalidInput(
                f"{spec.label} are for {spec.only} contacts only.",
                field=kind,
                hint=f"{contact.no} is a {contact.type}.",
            )
        current = set(classifications(db_session, contact)[kind])
        wanted = _list_change(values[kind], current, kind)
        for code in wanted - current:
            setup_service_code = _checked_code(db_session, spec.code_list, code, kind)
            db_session.add(spec.model(contact_id=contact.id, code=setup_service_code))
        if current - wanted:
            model = spec.model
            db_session.execute(
                delete(model).where(
                    model.contact_id == contact.id,
                    model.code.in_(current - wanted),
                )
            )
    if "alt_email" in values:
        _alt_emails(db_session, contact, values["alt_email"])
    db_session.flush()


def _list_change(text: str, current: set[str], kind: str) -> set[str]:
    """Read `A,B` (exactly these), `+A` (add), `-A` (remove) or nothing (none)."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        return set()
    if all(item[0] in "+-" for item in items):
        wanted = set(current)
        for item in items:
            code = item[1:].strip().upper()
            if item[0] == "+":
                wanted.add(code)
            else:
                wanted.discard(code)
        return wanted
    if any(item[0] in "+-" for item in items):
        raise InvalidInput(
            f"Mixing +/- with plain codes in {kind}= is unclear.",
            field=kind,
            hint=f"Write {kind}=A,B to set the list, or {kind}=+A,-B to change it.",
        )
    return {item.upper() for item in items}


def _checked_code(db_session: Session, code_list: str, code: str, field: str) -> str:
    try:
        return setup_service.get_code(db_session=db_session, kind=code_list, code=code).code
    except NotFound as error:
        raise InvalidInput(error.message, field=field, hint=error.hint) from None


def _alt_emails(db_session: Session, contact: Contact, text: str) -> None:
    current = {alt.search_email: alt for alt in contact.alt_emails}
    for item in (i.strip() for i in text.split(",") if i.strip()):
        sign, address = (item[0], item[1:]) if item[0] in "+-" else ("+", item)
        key = search_email(address) or ""
        if sign == "-":
            if key not in current:
                raise NotFound(f"{address} is not an alternative e-mail of {contact.no}.")
            contact.alt_emails.remove(current.pop(key))
        elif key not in current and key != contact.search_email:
            email = normalize_email(address, field="alt_email")
            alt = ContactAltEmail(contact_id=contact.id, email=email, search_email=key)
            contact.alt_emails.append(alt)
            current[key] = alt


def _reindex(
    db_session: Session, contact: Contact, setup: MarketingSetup, *, check: bool, new: bool = False
) -> list[dupes.Duplicate]:
    db_session.flush()
    search.index(db_session, contact, new=new)
    dupes.maintain(db_session, contact, setup, new=new)
    if not (check and setup.autosearch_duplicates):
        return []
    found = dupes.check(db_session, contact, setup)
    dupes.record(db_session, contact, found)
    return found


# Deleting


@dataclass
class Deleted:
    """What went with a deleted contact."""

    no: str
    name: str
    persons: int
    relinked: dict[str, int]


def remove(*, db_session: Session, actor: Actor, contact: Contact) -> Deleted:
    """Delete a contact by Business Central's rules.

    Refused while it (or, for a company, one of its persons) has open tasks or open
    opportunities. A company takes its persons with it and leaves its history unlinked; a
    person's history moves to its company.
    """
    persons: list[int] = []
    if contact.is_company:
        persons = list(
            db_session.scalars(select(Contact.id).where(Contact.company_id == contact.id))
        )
    ids = [contact.id, *persons]
    _check_deletable(db_session, contact, ids)
    target = contact.company_id if not contact.is_company else None
    moved: dict[str, int] = {}
    db_session.flush()
    for table, column in dupes.contact_references():
        if table.name == "contact" or _cascades(column):
            continue
        if target is None and not column.nullable:
            rows = db_session.scalar(select(func.count()).select_from(table).where(column.in_(ids)))
            if rows:
                raise Conflict(
                    f"{contact.no} still has {rows} rows in {table.name}.",
                    hint="Remove them first; they cannot exist without a contact.",
                )
            continue
        result = db_session.execute(
            sql_update(table).where(column.in_(ids)).values({column.name: target})
        )
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            moved[table.name] = moved.get(table.name, 0) + count
    no, name = contact.no, contact.name
    dupes.drop_index_rows(db_session, ids)
    db_session.execute(delete(Contact).where(Contact.id.in_(persons)))
    db_session.execute(delete(Contact).where(Contact.id == contact.id))
    db_session.expunge(contact)
    log.info("Contact %s deleted by %s with %d persons", no, actor, len(persons))
    return Deleted(no, name, len(persons), moved)


def _cascades(column: Column[Any]) -> bool:
    return any(fk.ondelete in {"CASCADE", "SET NULL"} for fk in column.foreign_keys)


def _check_off_segments(db_session: Session, contact: Contact, doing: str) -> None:
    """Refuse while the contact is on a segment not logged yet, as Business Central does."""
    if segments := _unlogged_segments(db_session, [contact.id]):
        raise Conflict(
            f"{contact.no} {contact.name} cannot {doing} while on segment "
            f"{', '.join(segments)}, which is not logged yet.",
            hint=_off_segments_hint(contact, segments),
        )


def _unlogged_segments(db_session: Session, ids: list[int]) -> list[str]:
    stmt = (
        select(SegmentHeader.no)
        .join(SegmentLine, SegmentLine.segment_id == SegmentHeader.id)
        .where(
            SegmentLine.contact_id.in_(ids),
            SegmentLine.removed_by_action.is_(None),
            SegmentHeader.logged_segment_id.is_(None),
        )
        .distinct()
        .order_by(SegmentHeader.no)
    )
    return list(db_session.scalars(stmt))


def _off_segments_hint(contact: Contact, segments: list[str]) -> str:
    return (
        f"Log the segment first (`segment log {segments[0]}`), or take the contact off it "
        f"(`segment reduce {segments[0]} no={contact.no}`)."
    )


def _check_deletable(db_session: Session, contact: Contact, ids: list[int]) -> None:
    tasks = _open_tasks(db_session, ids)
    opportunities = _open_opportunities(db_session, ids)
    if tasks or opportunities:
        whose = "it or its persons have" if len(ids) > 1 else "it has"
        raise Conflict(
            f"{contact.no} {contact.name} cannot be deleted: {whose} {tasks} open tasks and "
            f"{opportunities} open opportunities.",
            hint="Close or cancel them first (`task list contact=...`, `opp list contact=...`).",
        )
    if segments := _unlogged_segments(db_session, ids):
        whose = "it or its persons are" if len(ids) > 1 else "it is"
        raise Conflict(
            f"{contact.no} {contact.name} cannot be deleted: {whose} on segment "
            f"{', '.join(segments)}, which is not logged yet.",
            hint=_off_segments_hint(contact, segments),
        )


def _open_tasks(db_session: Session, ids: list[int]) -> int:
    stmt = (
        select(func.count())
        .select_from(Task)
        .where(Task.contact_id.in_(ids), Task.closed.is_(False), Task.canceled.is_(False))
    )
    return db_session.scalar(stmt) or 0


def _open_opportunities(db_session: Session, ids: list[int]) -> int:
    stmt = (
        select(func.count())
        .select_from(Opportunity)
        .where(Opportunity.contact_id.in_(ids), Opportunity.status.in_(OPEN_OPPORTUNITY))
    )
    return db_session.scalar(stmt) or 0


def _count(db_session: Session, model: type, column: Any, contact: Contact) -> int:
    stmt = select(func.count()).select_from(model).where(column == contact.id)
    return db_session.scalar(stmt) or 0


def _activity(db_session: Session, ids: list[int]) -> str:
    counts = {
        "interaction": db_session.scalar(
            select(func.count())
            .select_from(InteractionLogEntry)
            .where(InteractionLogEntry.contact_id.in_(ids))
        ),
        "task": db_session.scalar(
            select(func.count()).select_from(Task).where(Task.contact_id.in_(ids))
        ),
        "opportunity": db_session.scalar(
            select(func.count()).select_from(Opportunity).where(Opportunity.contact_id.in_(ids))
        ),
    }
    plurals = {"interaction": "interactions", "task": "tasks", "opportunity": "opportunities"}
    return ", ".join(f"{n} {what if n == 1 else plurals[what]}" for what, n in counts.items() if n)


# Duplicates


def duplicates_of(*, db_session: Session, contact: Contact) -> list[dupes.Duplicate]:
    """Search for the contacts this one looks like now, and remember the pairs."""
    setup = setup_service.get_marketing_setup(db_session=db_session)
    found = dupes.check(db_session, contact, setup)
    dupes.record(db_session, contact, found)
    return found


def duplicate_pairs(*, db_session: Session) -> list[tuple[Contact, Contact, int, str]]:
    """Return the duplicate pairs found so far that nobody has marked separate."""
    return [(a, b, p.score, p.evidence) for a, b, p in dupes.pairs(db_session)]


def separate(*, db_session: Session, contact: Contact, other: Contact) -> None:
    """Mark two contacts as different people or companies, for good."""
    dupes.separate(db_session, contact, other)


def merge(
    *, db_session: Session, actor: Actor, keep: Contact, duplicate: Contact, take: list[str]
) -> dict[str, int]:
    """Merge a duplicate into the contact kept, taking the named fields from the duplicate."""
    attrs = []
    for key in take:
        if key not in FIELDS:
            raise InvalidInput(
                f"'{key}' is not a field a merge can take.",
                field="take",
                hint=f"Fields: {', '.join(FIELDS)}.",
            )
        attrs.append(FIELDS[key].attr)
    moved = dupes.merge(db_session, actor, keep, duplicate, attrs)
    _search_keys(keep)
    setup = setup_service.get_marketing_setup(db_session=db_session)
    _reindex(db_session, keep, setup, check=False)
    persons = db_session.scalars(select(Contact).where(Contact.company_id == keep.id))
    for person in persons:
        search.index(db_session, person)
    return moved

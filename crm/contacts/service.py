"""Contact services: create, look up and resolve contacts by what people type."""

import logging

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from crm.audit import Actor, stamp
from crm.contacts.models import Contact, ContactAltEmail, ContactType
from crm.errors import Ambiguous, Choice, InvalidInput, NotFound
from crm.numbering import next_number
from crm.values import normalize_email, normalize_phone, search_email, search_phone

log = logging.getLogger(__name__)

CHOICES_SHOWN = 8


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
        choices=[Choice(c.no, _label(c)) for c in matches[:CHOICES_SHOWN]],
        hint="Name it by its number.",
    )


def _by_name(db_session: Session, text: str) -> list[Contact]:
    key = text.upper()
    exact = list(db_session.scalars(select(Contact).where(Contact.search_name == key).limit(10)))
    if exact:
        return exact
    pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = (
        select(Contact)
        .where(Contact.search_name.like(pattern, escape="\\"))
        .order_by(func.length(Contact.name), Contact.no)
        .limit(CHOICES_SHOWN + 1)
    )
    return list(db_session.scalars(stmt))


def _label(contact: Contact) -> str:
    parts = [contact.name]
    if contact.company_name and contact.type == ContactType.PERSON.value:
        parts.append(f"at {contact.company_name}")
    if contact.email:
        parts.append(f"<{contact.email}>")
    return " ".join(parts)


def create(
    *,
    db_session: Session,
    actor: Actor,
    name: str,
    type: ContactType = ContactType.COMPANY,
    company: Contact | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> Contact:
    """Create a company or a person and give it the next contact number."""
    name = name.strip()
    if not name:
        raise InvalidInput("A contact needs a name.", field="name")
    if company is not None and not company.is_company:
        raise InvalidInput(f"{company.no} is a person; persons belong to companies.")
    contact = Contact(
        no=_free_number(db_session),
        type=type.value,
        name=name,
        search_name=name.upper(),
        company_id=company.id if company else None,
        company_name=company.name if company else None,
        email=normalize_email(email) if email else None,
        phone=normalize_phone(phone) if phone else None,
    )
    contact.search_email = search_email(contact.email)
    contact.search_phone = search_phone(contact.phone)
    stamp(contact, actor, created=True)
    db_session.add(contact)
    db_session.flush()
    log.info("Contact %s created by %s", contact.no, actor)
    return contact


def _free_number(db_session: Session) -> str:
    # Numbers typed in by hand or imported may already be taken; skip them as BC does.
    while True:
        number = next_number(db_session, "CONTACT")
        if get_by_no(db_session=db_session, no=number) is None:
            return number

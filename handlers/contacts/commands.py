"""Contact commands: what `contact ...` runs."""

from crm.contacts import service as contact_service
from crm.contacts.models import Contact, ContactType
from handlers.context import Context
from handlers.grammar import Args
from handlers.interactions.views import activity_sections
from handlers.views import Card, Message, View


def add_contact(context: Context, args: Args) -> View:
    company = None
    if company_name := args.get("company"):
        company = contact_service.resolve(db_session=context.session, name=company_name)
    contact = contact_service.create(
        db_session=context.session,
        actor=context.actor,
        name=args.word(0, "name"),
        type=ContactType.PERSON if company else ContactType.COMPANY,
        company=company,
        email=args.get("email"),
        phone=args.get("phone"),
    )
    return Message(f"Added {contact.type} {contact.no} {contact.name}.", data={"no": contact.no})


def show_contact(context: Context, args: Args) -> View:
    contact = contact_service.resolve(db_session=context.session, name=args.rest(0))
    card = contact_card(contact)
    card.sections += activity_sections(context, contact)
    return card


def contact_card(contact: Contact) -> Card:
    """Return the card of one contact."""
    fields = [("Type", contact.type)]
    if contact.company_name and not contact.is_company:
        fields.append(("Company", contact.company_name))
    for label, value in (("E-mail", contact.email), ("Phone", contact.phone)):
        if value:
            fields.append((label, value))
    return Card(title=f"{contact.no} · {contact.name}", fields=fields, key=contact.no)

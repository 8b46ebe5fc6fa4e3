"""Contact commands: what `contact add|show|edit|delete` runs."""

from crm.contacts import service as contact_service
from crm.contacts.duplicates import Duplicate
from crm.contacts.models import Contact, ContactType
from crm.contacts.schemas import FIELDS, LISTS
from crm.errors import InvalidInput
from handlers.context import Context
from handlers.grammar import Args
from handlers.interactions.views import activity_sections
from handlers.views import Action, Card, Message, Stack, Table, Tone, View, counted

CARD_SKIPS = {"name", "privacy_blocked", "minor", "parental_consent", "exclude"}


def add_contact(context: Context, args: Args) -> View:
    options = dict(args.options)
    company = None
    if company_name := options.pop("company", None):
        company = contact_service.resolve(db_session=context.session, name=company_name)
    kind = options.pop("type", None) or ("person" if company else "company")
    if kind not in {t.value for t in ContactType}:
        raise InvalidInput(f"'{kind}' is not a type.", field="type", hint="Use company or person.")
    outcome = contact_service.add(
        db_session=context.session,
        actor=context.actor,
        name=args.word(0, "name") if len(args.words) < 2 else args.rest(0),
        type=ContactType(kind),
        company=company,
        no=options.pop("no", None),
        values=options,
    )
    contact = outcome.contact
    done = Message(
        f"Added {contact.type} {contact.no} {contact.name}"
        + (f" at {contact.company_name}." if contact.company_name else "."),
        data={"no": contact.no, "duplicates": [d.contact.no for d in outcome.duplicates]},
    )
    if not outcome.duplicates:
        return done
    return Stack([done, duplicates_view(contact, outcome.duplicates)])


def duplicates_view(contact: Contact, found: list[Duplicate]) -> View:
    """Show the contacts one looks like, with the evidence and what to do about them."""
    rows = [[d.contact.no, d.contact.name, f"{d.score}", "; ".join(d.evidence)] for d in found]
    best = found[0].contact
    return Card(
        title=f"{contact.no} looks like {counted(len(found), 'existing contact')}",
        subtitle="Created anyway; merge it if it is the same, or keep them apart.",
        sections=[
            Table(
                "Possible duplicates",
                ["no", "name", "score", "evidence"],
                rows,
                keys=[d.contact.no for d in found],
            )
        ],
        actions=[
            Action(f"Merge into {best.no}", f"contact merge {best.no} {contact.no}", "primary"),
            Action("Keep separate", f"contact separate {contact.no} {best.no}"),
        ],
        key=contact.no,
    )


def show_contact(context: Context, args: Args) -> View:
    contact = contact_service.resolve(db_session=context.session, name=args.rest(0))
    details = contact_service.details(db_session=context.session, contact=contact)
    card = contact_card(contact, details, context)
    card.sections += activity_sections(context, contact)
    return card


def contact_card(
    contact: Contact,
    details: contact_service.Details | None = None,
    context: Context | None = None,
) -> Card:
    """Return the card of one contact."""
    fields = [("Type", contact.type)]
    if contact.company_name and not contact.is_company:
        fields.append(("Company", contact.company_name))
    for key, spec in FIELDS.items():
        value = getattr(contact, spec.attr)
        if key not in CARD_SKIPS and value not in (None, ""):
            fields.append((spec.label, str(value)))
    for alt in contact.alt_emails:
        fields.append(
            ("Alt. e-mail", alt.email + (f" ({alt.description})" if alt.description else ""))
        )
    flags = [
        label
        for label, on in (
            ("privacy blocked", contact.privacy_blocked),
            ("minor", contact.minor),
            ("parental consent received", contact.parental_consent),
            ("excluded from segments", contact.exclude_from_segments),
        )
        if on
    ]
    if flags:
        fields.append(("Flags", ", ".join(flags)))
    sections: list[View] = []
    if details is not None:
        for kind, codes in details.classifications.items():
            if codes:
                fields.append((LISTS[kind].label, ", ".join(codes)))
        activity = [
            counted(details.interactions, "interaction"),
            counted(details.open_opportunities, "open opportunity", "open opportunities"),
            counted(details.open_tasks, "open task"),
        ]
        fields.append(("Activity", ", ".join(activity)))
        if details.persons:
            rows = [
                [p.no, p.name, p.job_title or "", p.email or "", p.phone or ""]
                for p in details.persons
            ]
            sections.append(
                Table(
                    "Persons",
                    ["no", "name", "job title", "e-mail", "phone"],
                    rows,
                    keys=[p.no for p in details.persons],
                )
            )
    created = context.local(contact.created_at) if context else contact.created_at
    return Card(
        title=f"{contact.no} · {contact.name}",
        subtitle=f"created {created:%Y-%m-%d} by {contact.created_by or 'system'}",
        fields=fields,
        sections=sections,
        actions=[
            Action("Edit", f"contact edit {contact.no} "),
            Action("Duplicates", f"contact dupes {contact.no}"),
        ],
        key=contact.no,
    )


def edit_contact(context: Context, args: Args) -> View:
    contact = contact_service.resolve(db_session=context.session, name=args.word(0, "contact"))
    outcome = contact_service.update(
        db_session=context.session, actor=context.actor, contact=contact, values=args.options
    )
    note = (
        f" {outcome.persons_updated} persons checked for inherited values."
        if outcome.persons_updated
        else ""
    )
    done = Message(
        f"Changed {contact.no} {contact.name}: {', '.join(sorted(args.options))}.{note}",
        data={"no": contact.no},
    )
    if outcome.duplicates:
        return Stack([done, duplicates_view(contact, outcome.duplicates)])
    return done


def delete_contact(context: Context, args: Args) -> View:
    contact = contact_service.resolve(db_session=context.session, name=args.rest(0))
    deleted = contact_service.remove(
        db_session=context.session, actor=context.actor, contact=contact
    )
    moved = ", ".join(f"{n} {table}" for table, n in deleted.relinked.items())
    persons = f" with its {deleted.persons} persons" if deleted.persons else ""
    return Message(
        f"Deleted {deleted.no} {deleted.name}{persons}.",
        tone=Tone.OK,
        hint=f"Kept the history, re-linked or unlinked: {moved}." if moved else None,
        data={"no": deleted.no, "persons": deleted.persons, "relinked": deleted.relinked},
    )

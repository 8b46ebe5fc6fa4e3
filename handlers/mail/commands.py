"""Mail commands: what `mail pending|confirm|dismiss` runs."""

from crm.contacts import service as contact_service
from crm.errors import InvalidInput
from crm.maillog import service as maillog
from crm.values import parse_bool, parse_int
from handlers.context import Context
from handlers.grammar import Args
from handlers.views import Message, Table, View


def pending(context: Context, args: Args) -> View:
    everyone = parse_bool(args.get("all", "no") or "no", field="all")
    mine = None if everyone else context.actor.salesperson
    held = maillog.list_pending(db_session=context.session, salesperson=mine)
    if not held:
        return Message("No senders are waiting for a decision.")
    rows = []
    for item in held:
        choices = item.choices.replace(" ", ", ") or "—"
        when = context.local(item.created_at).strftime("%Y-%m-%d %H:%M")
        rows.append([str(item.id), item.email, item.name or "—", choices, when])
    return Table(
        title="Senders held for review",
        columns=["Id", "Address", "Name", "Matches", "Held since"],
        rows=rows,
        keys=[str(item.id) for item in held],
        note="`mail confirm <id> contact=<contact>`, `mail confirm <id> create=yes` "
        "or `mail dismiss <id>`.",
    )


def confirm(context: Context, args: Args) -> View:
    pending_id = parse_int(args.word(0, "id"), field="id")
    name = args.get("contact")
    create = parse_bool(args.get("create", "no") or "no", field="create")
    if name and create:
        raise InvalidInput("Give contact= or create=yes, not both.", field="create")
    contact = contact_service.resolve(db_session=context.session, name=name) if name else None
    contact, entry = maillog.confirm_pending(
        db_session=context.session,
        actor=context.actor,
        pending_id=pending_id,
        contact=contact,
        create=create,
    )
    return Message(
        f"Logged “{entry.description}” for {contact.no} {contact.name}.",
        data={"contact": contact.no, "interaction": entry.id},
    )


def dismiss(context: Context, args: Args) -> View:
    pending_id = parse_int(args.word(0, "id"), field="id")
    item = maillog.dismiss_pending(
        db_session=context.session, actor=context.actor, pending_id=pending_id
    )
    return Message(
        f"Dismissed {item.email}: that message is not logged for it.",
        data={"id": item.id},
    )

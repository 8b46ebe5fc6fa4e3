"""Contact commands that match contacts: find, dupes, separate, merge."""

from crm.contacts import service as contact_service
from crm.values import parse_int
from handlers.contacts.commands import duplicates_view
from handlers.context import Context
from handlers.grammar import Args
from handlers.views import Message, Table, Tone, View


def find_contacts(context: Context, args: Args) -> View:
    limit = parse_int(args.get("limit", "20") or "20", field="limit")
    hits = contact_service.find(
        db_session=context.session,
        text=args.rest(0),
        type=args.get("type"),
        company=args.get("company"),
        salesperson=args.get("salesperson"),
        limit=max(1, min(limit, 200)),
    )
    rows = [
        [h.no, h.name, h.type, h.company_name or "", h.email or "", h.phone or "", h.city or ""]
        for h in hits
    ]
    return Table(
        f"Contacts matching '{args.rest(0)}'" if args.words else "Contacts",
        ["no", "name", "type", "company", "e-mail", "phone", "city"],
        rows,
        note=None if hits else "Nothing found. Try fewer words, or `contact add`.",
        keys=[h.no for h in hits],
    )


def show_duplicates(context: Context, args: Args) -> View:
    if args.words:
        contact = contact_service.resolve(db_session=context.session, name=args.rest(0))
        found = contact_service.duplicates_of(db_session=context.session, contact=contact)
        if not found:
            return Message(f"{contact.no} {contact.name} looks like no other contact.")
        return duplicates_view(contact, found)
    pairs = contact_service.duplicate_pairs(db_session=context.session)
    rows = [[a.no, a.name, b.no, b.name, str(score), evidence] for a, b, score, evidence in pairs]
    return Table(
        "Likely duplicates",
        ["no", "name", "duplicate", "its name", "score", "evidence"],
        rows,
        note="Merge with `contact merge <keep> <duplicate>`, or keep apart with "
        "`contact separate <a> <b>`.",
    )


def separate_contacts(context: Context, args: Args) -> View:
    one = contact_service.resolve(db_session=context.session, name=args.word(0, "first contact"))
    other = contact_service.resolve(db_session=context.session, name=args.word(1, "other contact"))
    contact_service.separate(db_session=context.session, contact=one, other=other)
    return Message(f"{one.no} and {other.no} are kept separate: never offered as duplicates again.")


def merge_contacts(context: Context, args: Args) -> View:
    keep = contact_service.resolve(db_session=context.session, name=args.word(0, "contact to keep"))
    duplicate = contact_service.resolve(db_session=context.session, name=args.word(1, "duplicate"))
    take = [item.strip() for item in (args.get("take") or "").split(",") if item.strip()]
    no = duplicate.no
    moved = contact_service.merge(
        db_session=context.session, actor=context.actor, keep=keep, duplicate=duplicate, take=take
    )
    what = ", ".join(f"{n} {table}" for table, n in sorted(moved.items())) or "nothing else"
    return Message(
        f"Merged {no} into {keep.no} {keep.name} and deleted {no}.",
        tone=Tone.OK,
        hint=f"Moved over: {what}.",
        data={"no": keep.no, "merged": no, "moved": moved},
    )

"""Setup commands for lists and settings: code lists, domains, number series, marketing."""

from crm.setup import service as setup_service
from crm.setup.models import MarketingSetup
from handlers.context import Context
from handlers.grammar import Args
from handlers.setup.people import _action
from handlers.views import Card, Message, Table, View

MARKETING_GROUPS = {
    "Inheritance (company → persons)": [
        "inherit_salesperson",
        "inherit_territory",
        "inherit_country",
        "inherit_language",
        "inherit_address",
        "inherit_communication",
    ],
    "Defaults for new contacts": [
        "default_salesperson",
        "default_territory",
        "default_country",
        "default_language",
        "default_correspondence",
    ],
    "Duplicate search": ["autosearch_duplicates", "maintain_search_strings", "search_hit_pct"],
}


def relation(context: Context, args: Args) -> View:
    return _code_list("relation", context, args)


def industry(context: Context, args: Args) -> View:
    return _code_list("industry", context, args)


def mailing(context: Context, args: Args) -> View:
    return _code_list("mailing", context, args)


def job(context: Context, args: Args) -> View:
    return _code_list("job", context, args)


def level(context: Context, args: Args) -> View:
    return _code_list("level", context, args)


def territory(context: Context, args: Args) -> View:
    return _code_list("territory", context, args)


def _code_list(kind: str, context: Context, args: Args) -> View:
    name = setup_service.CODE_LIST_NAMES[kind]
    action = _action(args, ("add", "list", "delete"))
    session = context.session
    if action == "list":
        codes = setup_service.list_codes(db_session=session, kind=kind)
        return Table(
            f"{name.capitalize()} codes",
            ["code", "description"],
            [[c.code, c.description] for c in codes],
            keys=[c.code for c in codes],
        )
    code = args.word(1, "code")
    if action == "add":
        row = setup_service.create_code(
            db_session=session, kind=kind, code=code, description=args.rest(2)
        )
        return Message(f"Added {name} {row.code} {row.description}.")
    setup_service.delete_code(db_session=session, kind=kind, code=code)
    return Message(f"Deleted {name} {code.upper()}.")


def domain(context: Context, args: Args) -> View:
    action = _action(args, ("add", "list", "delete"))
    session = context.session
    if action == "list":
        domains = setup_service.list_domains(db_session=session)
        return Table("Internal e-mail domains", ["domain"], [[d] for d in domains])
    name = args.word(1, "domain")
    if action == "add":
        added = setup_service.create_domain(db_session=session, domain=name)
        return Message(f"Added internal domain {added}: mail from it counts as ours.")
    setup_service.delete_domain(db_session=session, domain=name)
    return Message(f"Removed internal domain {name}.")


def series(context: Context, args: Args) -> View:
    action = _action(args, ("list", "edit"))
    session = context.session
    if action == "list":
        rows = [
            [
                s.code,
                s.description,
                f"{s.prefix}{s.last_no:0{s.width}d}",
                "yes" if s.allow_manual else "no",
            ]
            for s in setup_service.list_series(db_session=session)
        ]
        return Table("Number series", ["code", "description", "last number", "manual"], rows)
    found = setup_service.update_series(
        db_session=session, code=args.word(1, "series code"), values=args.options
    )
    return Message(f"Changed number series {found.code}: {', '.join(sorted(args.options))}.")


def marketing(context: Context, args: Args) -> View:
    action = _action(args, ("show", "edit"))
    session = context.session
    if action == "edit" and args.options:
        setup = setup_service.update_marketing_setup(db_session=session, changes=args.options)
    else:
        setup = setup_service.get_marketing_setup(db_session=session)
    return marketing_card(setup)


def marketing_card(setup: MarketingSetup) -> Card:
    """Return the marketing setup as a card, grouped as Business Central groups it."""
    sections: list[View] = []
    for title, keys in MARKETING_GROUPS.items():
        rows = [[key, _shown(getattr(setup, key))] for key in keys]
        sections.append(Table(title, ["setting", "value"], rows))
    return Card(
        title="Marketing setup",
        subtitle="Change with `setup marketing edit key=value`.",
        sections=sections,
    )


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)

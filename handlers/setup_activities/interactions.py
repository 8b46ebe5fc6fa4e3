"""`setup group` and `setup template`: how interactions are classified and what they default to."""

from crm.errors import InvalidInput
from crm.interactions import setup as interaction_setup
from crm.interactions.models import InformationFlow, InitiatedBy, InteractionTemplate
from crm.interactions.setup import TemplateData
from crm.setup.models import CorrespondenceType
from crm.values import parse_bool, parse_decimal, parse_int
from handlers.context import Context
from handlers.grammar import Args
from handlers.interactions.options import choice, money
from handlers.views import Message, Table, View

SUBVERBS = "add, edit, list or delete"


def subverb(args: Args, allowed: str = SUBVERBS) -> str:
    """Return what a setup command should do with its thing: add, edit, list, delete, ..."""
    word = (args.optional_word(0) or "list").lower()
    if word not in allowed.replace(" or ", ", ").split(", "):
        raise InvalidInput(f"'{word}' is not something setup can do here.", hint=f"Use {allowed}.")
    return word


def group(context: Context, args: Args) -> View:
    db_session = context.session
    action = subverb(args)
    if action == "list":
        rows = [
            [g.code, g.description] for g in interaction_setup.list_groups(db_session=db_session)
        ]
        return Table("Interaction groups", ["code", "description"], rows)
    code = args.word(1, "code")
    if action == "delete":
        interaction_setup.delete_group(db_session=db_session, code=code)
        return Message(f"Deleted interaction group {code.upper()}.")
    description = args.rest(2)
    if action == "add":
        created = interaction_setup.create_group(
            db_session=db_session, code=code, description=description
        )
        return Message(f"Added interaction group {created.code}.")
    changed = interaction_setup.update_group(
        db_session=db_session, code=code, description=description
    )
    return Message(f"Changed interaction group {changed.code}.")


def template(context: Context, args: Args) -> View:
    db_session = context.session
    action = subverb(args, "add, edit, list, delete or defaults")
    if action == "list":
        return _template_table(interaction_setup.list_templates(db_session=db_session))
    if action == "defaults":
        setup = interaction_setup.set_template_setup(
            db_session=db_session,
            email=args.get("email"),
            phone_call=args.get("phone"),
            meeting=args.get("meeting"),
        )
        return Message(
            f"E-mails log as {setup.email_template or '—'}, phone calls as "
            f"{setup.phone_call_template or '—'}, meetings as {setup.meeting_template or '—'}."
        )
    code = args.word(1, "code")
    if action == "delete":
        interaction_setup.delete_template(db_session=db_session, code=code)
        return Message(f"Deleted interaction template {code.upper()}.")
    data = _template_data(args)
    if action == "add":
        created = interaction_setup.create_template(db_session=db_session, code=code, data=data)
        return Message(f"Added interaction template {created.code} in group {created.group_code}.")
    changed = interaction_setup.update_template(db_session=db_session, code=code, data=data)
    return Message(f"Changed interaction template {changed.code}.")


def _template_data(args: Args) -> TemplateData:
    def flag(key: str) -> bool | None:
        text = args.get(key)
        return parse_bool(text, field=key) if text else None

    description = args.get("description") or (args.rest(2) if len(args.words) > 2 else None)
    cost, duration = args.get("cost"), args.get("duration")
    flow, initiated = args.get("flow"), args.get("initiated")
    correspondence = args.get("correspondence")
    return TemplateData(
        group=args.get("group"),
        description=description,
        unit_cost=parse_decimal(cost, field="cost") if cost else None,
        unit_duration_min=parse_int(duration, field="duration") if duration else None,
        information_flow=choice(InformationFlow, flow, "flow") if flow else None,
        initiated_by=choice(InitiatedBy, initiated, "initiated") if initiated else None,
        correspondence_type=choice(CorrespondenceType, correspondence, "correspondence")
        if correspondence
        else None,
        campaign_no=args.get("campaign"),
        campaign_target=flag("target"),
        campaign_response=flag("response"),
    )


def _template_table(templates: list[InteractionTemplate]) -> Table:
    rows = [
        [
            t.code,
            t.description,
            t.group_code,
            money(t.unit_cost),
            str(t.unit_duration_min),
            t.information_flow or "—",
            t.initiated_by or "—",
            t.correspondence_type or "—",
            " ".join(
                part
                for part, on in (
                    (t.campaign_no or "", True),
                    ("target", t.campaign_target),
                    ("response", t.campaign_response),
                )
                if on and part
            ),
        ]
        for t in templates
    ]
    columns = ["code", "description", "group", "cost", "min", "flow", "by", "mail", "campaign"]
    return Table("Interaction templates", columns, rows)

"""Setup commands for people: salespeople and teams."""

from crm.errors import InvalidInput
from crm.setup import service as setup_service
from crm.setup.models import Salesperson
from crm.values import parse_bool
from handlers.context import Context
from handlers.grammar import Args
from handlers.views import Card, Message, Table, View


def _action(args: Args, allowed: tuple[str, ...]) -> str:
    action = (args.optional_word(0) or "list").lower()
    if action not in allowed:
        raise InvalidInput(
            f"'{action}' is not one of {', '.join(allowed)}.",
            field="action",
            hint=f"Usage: {args.usage}",
        )
    return action


def salesperson(context: Context, args: Args) -> View:
    action = _action(args, ("add", "edit", "list", "block", "show"))
    session = context.session
    if action == "list":
        people = setup_service.list_salespeople(db_session=session)
        rows = [
            [
                p.code,
                p.name,
                p.email or "",
                p.slack_user_id or "",
                p.role,
                "blocked" if p.blocked else "",
                p.time_zone,
            ]
            for p in people
        ]
        return Table(
            "Salespeople",
            ["code", "name", "e-mail", "slack", "role", "blocked", "time zone"],
            rows,
            keys=[p.code for p in people],
        )
    code = args.word(1, "salesperson code")
    if action == "show":
        return _card(setup_service.get_salesperson_or_raise(db_session=session, code=code))
    if action == "add":
        values = dict(args.options)
        name = values.pop("name", None) or args.rest(2)
        if not name:
            raise InvalidInput("The name is missing.", field="name", hint=f"Usage: {args.usage}")
        person = setup_service.create_salesperson(
            db_session=session, actor=context.actor, code=code, name=name, values=values
        )
        return Message(f"Added salesperson {person.code} {person.name} ({person.role}).")
    values = dict(args.options)
    if action == "block":
        values.setdefault("blocked", "yes")
        parse_bool(values["blocked"], field="blocked")
    if not values:
        raise InvalidInput("Say what to change, as key=value.", hint=f"Usage: {args.usage}")
    person = setup_service.update_salesperson(
        db_session=session, actor=context.actor, code=code, values=values
    )
    if action == "block":
        state = "blocked" if person.blocked else "unblocked"
        return Message(f"Salesperson {person.code} {person.name} is {state}.")
    return Message(f"Changed salesperson {person.code}: {', '.join(sorted(values))}.")


def _card(person: Salesperson) -> Card:
    fields = [
        ("Name", person.name),
        ("E-mail", person.email or ""),
        ("Slack", person.slack_user_id or ""),
        ("Role", person.role),
        ("Time zone", person.time_zone),
        ("Blocked", "yes" if person.blocked else "no"),
    ]
    return Card(title=f"Salesperson {person.code}", fields=fields, key=person.code)


def team(context: Context, args: Args) -> View:
    action = _action(args, ("add", "member", "list"))
    session = context.session
    if action == "list":
        teams = setup_service.list_teams(db_session=session)
        rows = [
            [t.code, t.name, ", ".join(sorted(m.salesperson_code for m in t.members))]
            for t in teams
        ]
        return Table("Teams", ["code", "name", "members"], rows, keys=[t.code for t in teams])
    code = args.word(1, "team code")
    if action == "add":
        found = setup_service.create_team(db_session=session, code=code, name=args.rest(2))
        return Message(f"Added team {found.code} {found.name}.")
    remove = parse_bool(args.get("remove", "no") or "no", field="remove")
    found = setup_service.set_team_member(
        db_session=session, team=code, salesperson=args.word(2, "salesperson"), member=not remove
    )
    members = ", ".join(sorted(m.salesperson_code for m in found.members)) or "nobody"
    return Message(f"Team {found.code} now has: {members}.")

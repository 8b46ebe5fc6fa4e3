"""Opportunity commands: what `opp ...` runs."""

from crm.contacts import service as contact_service
from crm.errors import InvalidInput
from crm.interactions import service as interactions
from crm.opportunities import service as opps
from crm.opportunities.models import Priority
from crm.opportunities.service import OpportunityUpdate, UpdateAction
from crm.values import parse_int
from handlers.context import Context
from handlers.grammar import Args
from handlers.interactions.options import (
    choice,
    date_option,
    int_option,
    money_option,
    percent_option,
    salesperson_filter,
)
from handlers.opportunities.views import (
    PAGE,
    change_view,
    opportunity_card,
    opportunity_table,
    statistics_view,
)
from handlers.views import Message, View


def new(context: Context, args: Args) -> View:
    contact = contact_service.resolve(db_session=context.session, name=args.word(0, "contact"))
    interaction = None
    if entry := args.get("interaction"):
        interaction = interactions.get_or_raise(db_session=context.session, entry_no=entry)
    data = opps.OpportunityCreate(
        description=args.rest(1),
        salesperson=args.get("salesperson"),
        sales_cycle=args.get("cycle"),
        estimated_value=money_option(args, "value"),
        chances_pct=percent_option(args, "chances"),
        estimated_close_date=date_option(context, args, "close"),
        priority=choice(Priority, args.get("priority") or "normal", "priority"),
        campaign_no=args.get("campaign"),
    )
    opportunity = opps.create(
        db_session=context.session,
        actor=context.actor,
        contact=contact,
        data=data,
        interaction=interaction,
        today=context.today(),
    )
    state = "at its first stage" if opportunity.status == "in_progress" else "not started yet"
    hint = (
        None
        if opportunity.status == "in_progress"
        else (f"Activate it with `opp first {opportunity.no} value=<amount>`.")
    )
    return Message(
        f"Opened opportunity {opportunity.no} {opportunity.description} for {contact.no} "
        f"{contact.name}, {state}.",
        hint=hint,
        data={"no": opportunity.no},
    )


def show(context: Context, args: Args) -> View:
    opportunity = opps.resolve(db_session=context.session, name=args.rest(0))
    found = opps.details(db_session=context.session, opportunity=opportunity)
    return opportunity_card(context, found)


def list_opps(context: Context, args: Args) -> View:
    contact = None
    if name := args.get("contact"):
        contact = contact_service.resolve(db_session=context.session, name=name)
    page = max(int_option(args, "page") or 1, 1)
    where = opps.OpportunityFilter(
        salesperson=salesperson_filter(context, args),
        status=args.get("status"),
        sales_cycle=args.get("cycle"),
        stage=int_option(args, "stage"),
        contact=contact,
        limit=PAGE,
        offset=(page - 1) * PAGE,
    )
    return opportunity_table(opps.list_opportunities(db_session=context.session, where=where), page)


def _move(context: Context, args: Args, action: UpdateAction, stage: int | None = None) -> View:
    opportunity = opps.resolve(db_session=context.session, name=args.word(0, "opportunity"))
    data = OpportunityUpdate(
        estimated_value=money_option(args, "value"),
        chances_pct=percent_option(args, "chances"),
        estimated_close_date=date_option(context, args, "close"),
        date_of_change=date_option(context, args, "date"),
        stage=stage,
    )
    change = opps.update(
        db_session=context.session,
        actor=context.actor,
        opportunity=opportunity,
        action=action,
        data=data,
        today=context.today(),
    )
    return change_view(change)


def move_first(context: Context, args: Args) -> View:
    return _move(context, args, UpdateAction.FIRST)


def move_next(context: Context, args: Args) -> View:
    return _move(context, args, UpdateAction.NEXT)


def move_prev(context: Context, args: Args) -> View:
    return _move(context, args, UpdateAction.PREVIOUS)


def move_skip(context: Context, args: Args) -> View:
    return _move(context, args, UpdateAction.SKIP)


def move_update(context: Context, args: Args) -> View:
    return _move(context, args, UpdateAction.UPDATE)


def jump(context: Context, args: Args) -> View:
    stage = parse_int(args.word(1, "stage"), field="stage")
    return _move(context, args, UpdateAction.JUMP, stage)


def win(context: Context, args: Args) -> View:
    opportunity = opps.resolve(db_session=context.session, name=args.word(0, "opportunity"))
    change = opps.win(
        db_session=context.session,
        actor=context.actor,
        opportunity=opportunity,
        close_code=_code(args),
        value=money_option(args, "value"),
        date=date_option(context, args, "date"),
        today=context.today(),
    )
    return change_view(change)


def lose(context: Context, args: Args) -> View:
    opportunity = opps.resolve(db_session=context.session, name=args.word(0, "opportunity"))
    change = opps.lose(
        db_session=context.session,
        actor=context.actor,
        opportunity=opportunity,
        close_code=_code(args),
        date=date_option(context, args, "date"),
        today=context.today(),
    )
    return change_view(change)


def _code(args: Args) -> str:
    code = args.get("code")
    if not code:
        raise InvalidInput(
            "Closing needs a close code.",
            field="code",
            hint="Add code=<close code>; `setup closecode list` shows them.",
        )
    return code


def stats(context: Context, args: Args) -> View:
    figures = opps.statistics(db_session=context.session, cycle=args.optional_word(0))
    return statistics_view(figures)

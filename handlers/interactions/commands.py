"""Interaction commands: what `log ...` and `interaction ...` run."""

import datetime as dt

from crm.contacts import service as contact_service
from crm.interactions import service as interactions
from crm.interactions import timeline as timelines
from crm.interactions.models import Evaluation, InformationFlow, InitiatedBy
from crm.values import parse_bool
from handlers.context import Context
from handlers.grammar import Args
from handlers.interactions.options import (
    E,
    choice,
    int_option,
    moment_option,
    money_option,
    salesperson_filter,
)
from handlers.interactions.views import (
    PAGE,
    entry_table,
    statistics_card,
    timeline_view,
)
from handlers.views import Message, View


def log(context: Context, args: Args) -> View:
    contact = contact_service.resolve(db_session=context.session, name=args.word(0, "contact"))
    data = interactions.InteractionCreate(
        template=args.word(1, "template"),
        description=args.rest(2) if len(args.words) > 2 else "",
        occurred_at=moment_option(context, args, "at"),
        salesperson=args.get("salesperson"),
        duration_min=int_option(args, "duration"),
        cost=money_option(args, "cost"),
        evaluation=_optional(Evaluation, args, "evaluation") or Evaluation.NONE,
        information_flow=_optional(InformationFlow, args, "flow"),
        initiated_by=_optional(InitiatedBy, args, "initiated"),
        attempt_failed=parse_bool(args.get("failed") or "no", field="failed"),
        opportunity_no=args.get("opp"),
        campaign_no=args.get("campaign"),
        task_no=args.get("task"),
    )
    entry = interactions.log_interaction(
        db_session=context.session, actor=context.actor, contact=contact, data=data
    )
    when = context.local(entry.occurred_at).strftime("%Y-%m-%d %H:%M")
    return Message(
        f"Logged interaction {entry.id} ({entry.template_code}) with {contact.no} {contact.name} "
        f"at {when}.",
        data={"entry": entry.id, "contact": contact.no},
    )


def _optional(kind: type[E], args: Args, key: str) -> E | None:
    text = args.get(key)
    return choice(kind, text, key) if text else None


def list_entries(context: Context, args: Args) -> View:
    contact = None
    if name := args.get("contact"):
        contact = contact_service.resolve(db_session=context.session, name=name)
    page = max(int_option(args, "page") or 1, 1)
    since = moment_option(context, args, "from")
    until = moment_option(context, args, "to")
    where = interactions.InteractionFilter(
        contact=contact,
        salesperson=salesperson_filter(context, args),
        template=args.get("template"),
        since=_start_of_day(context, since) if since else None,
        until=_start_of_day(context, until) + dt.timedelta(days=1) if until else None,
        canceled=parse_bool(args.get("canceled") or "no", field="canceled"),
        limit=PAGE,
        offset=(page - 1) * PAGE,
    )
    result = interactions.list_interactions(db_session=context.session, where=where)
    return entry_table(context, result, page)


def _start_of_day(context: Context, moment: dt.datetime) -> dt.datetime:
    local = context.local(moment)
    return dt.datetime.combine(local.date(), dt.time(), tzinfo=context.time_zone).astimezone(dt.UTC)


def cancel(context: Context, args: Args) -> View:
    entry = interactions.get_or_raise(db_session=context.session, entry_no=args.word(0, "entry"))
    interactions.cancel(db_session=context.session, actor=context.actor, entry=entry)
    return Message(
        f"Canceled interaction {entry.id}; it no longer counts in any statistic.",
        data={"entry": entry.id},
    )


def restore(context: Context, args: Args) -> View:
    entry = interactions.get_or_raise(db_session=context.session, entry_no=args.word(0, "entry"))
    interactions.restore(db_session=context.session, actor=context.actor, entry=entry)
    return Message(f"Restored interaction {entry.id}.", data={"entry": entry.id})


def stats(context: Context, args: Args) -> View:
    contact = None
    if name := args.get("contact"):
        contact = contact_service.resolve(db_session=context.session, name=name)
    salesperson = salesperson_filter(context, args)
    figures = interactions.statistics(
        db_session=context.session,
        contact=contact,
        template=args.get("template"),
        salesperson=salesperson,
        group=args.get("group"),
    )
    scope = [
        f"{label} {value}"
        for label, value in (
            ("contact", contact.no if contact else None),
            ("template", args.get("template")),
            ("group", args.get("group")),
            ("salesperson", salesperson),
        )
        if value
    ]
    return statistics_card(context, figures, " · ".join(scope) or "all interactions")


def timeline(context: Context, args: Args) -> View:
    contact = contact_service.resolve(db_session=context.session, name=args.rest(0))
    page = max(int_option(args, "page") or 1, 1)
    result = timelines.timeline(
        db_session=context.session, contact=contact, limit=PAGE, offset=(page - 1) * PAGE
    )
    view = timeline_view(context, contact, result)
    if result.offset + result.limit < result.total:
        view.note = f"Older: `interaction timeline {contact.no} page={page + 1}`"
    return view

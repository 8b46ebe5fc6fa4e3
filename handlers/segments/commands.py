"""Segment commands: what `segment ...` runs."""

from crm.errors import InvalidInput
from crm.reports.base import Filters
from crm.reports.contacts import segment_contacts
from crm.segments import criteria as crit
from crm.segments import logged as logged_service
from crm.segments import service as segment_service
from crm.segments.models import SegmentCriteriaAction, SegmentHeader
from crm.values import parse_bool, parse_decimal, parse_int
from handlers.context import Context
from handlers.grammar import Args
from handlers.reports.render import table, write_csv
from handlers.views import Action, Card, Message, Table, Tone, View, counted

SHOWN_CONTACTS = 20


def _flag(args: Args, key: str) -> bool:
    value = args.get(key)
    return parse_bool(value, field=key) if value is not None else False


def _segment(context: Context, args: Args) -> SegmentHeader:
    return segment_service.get_by_no(db_session=context.session, no=args.word(0, "segment"))


def new_segment(context: Context, args: Args) -> View:
    cost, duration = args.get("cost"), args.get("duration")
    data = segment_service.SegmentCreate(
        description=args.rest(0) or args.word(0, "description"),
        salesperson=args.get("salesperson"),
        interaction_template=args.get("template"),
        campaign_no=args.get("campaign"),
        campaign_target=_flag(args, "target"),
        campaign_response=_flag(args, "response"),
        subject=args.get("subject"),
        unit_cost=parse_decimal(cost, field="cost") if cost else None,
        unit_duration_min=parse_int(duration, field="duration") if duration else None,
    )
    segment = segment_service.create(
        db_session=context.session, actor=context.actor, data=data, today=context.today()
    )
    return Message(
        f"Created segment {segment.no} · {segment.description}.",
        hint=f"Add contacts: `segment add {segment.no} type=person relation=CUST`.",
        data={"no": segment.no},
    )


def list_segments(context: Context, args: Args) -> View:
    if _flag(args, "criteria"):
        saved = segment_service.saved_criteria(db_session=context.session)
        rows = [
            [item.code, item.description, " → ".join(f"{a.action} {a.criteria}" for a in acts)]
            for item, acts in saved
        ]
        return Table("Saved criteria", ["Code", "Description", "Actions"], rows)
    logged = _flag(args, "logged") if args.get("logged") is not None else None
    found = segment_service.find(db_session=context.session, logged=logged)
    rows = [
        [
            segment.no,
            segment.description,
            str(lines),
            segment.campaign_no or "",
            f"logged ({segment.logged_segment_id})" if segment.logged_segment_id else "open",
        ]
        for segment, lines in found
    ]
    return Table(
        "Segments",
        ["No.", "Description", "Contacts", "Campaign", "State"],
        rows,
        keys=[segment.no for segment, _ in found],
    )


def show_segment(context: Context, args: Args) -> View:
    segment = _segment(context, args)
    count = segment_service.count_lines(db_session=context.session, segment=segment)
    history = segment_service.actions(db_session=context.session, segment=segment)
    report = segment_contacts(
        db_session=context.session, filters=Filters({"segment": segment.no}, context.today())
    )
    report.rows = [row[1:] for row in report.rows]
    report.columns = report.columns[1:]
    report.title = "Contacts"
    fields = [
        ("Contacts", str(count)),
        ("Date", segment.date.isoformat()),
        ("Salesperson", segment.salesperson or ""),
        ("Template", segment.interaction_template or ""),
        ("Campaign", _campaign(segment)),
        ("State", f"logged ({segment.logged_segment_id})" if segment.logged_segment_id else "open"),
    ]
    actions = [Action("Export", f"segment export {segment.no}")]
    if not segment.logged_segment_id:
        actions.insert(0, Action("Log", f"segment log {segment.no}", "primary"))
        if history:
            actions.append(Action("Back", f"segment back {segment.no}"))
    return Card(
        title=f"{segment.no} · {segment.description}",
        fields=fields,
        sections=[_history(history), table(report, context, limit=SHOWN_CONTACTS)],
        actions=actions,
        key=segment.no,
    )


def _campaign(segment: SegmentHeader) -> str:
    if not segment.campaign_no:
        return ""
    flags = [
        name
        for name, on in (
            ("target", segment.campaign_target),
            ("response", segment.campaign_response),
        )
        if on
    ]
    return segment.campaign_no + (f" ({', '.join(flags)})" if flags else "")


def _history(history: list[SegmentCriteriaAction]) -> Table:
    rows = [[str(a.action_no), a.action, a.criteria, str(a.lines_changed)] for a in history]
    return Table("Criteria actions", ["#", "Action", "Criteria", "Lines changed"], rows)


def _run(context: Context, args: Args, action: crit.Action) -> View:
    segment = _segment(context, args)
    if len(args.words) > 1:
        raise InvalidInput(
            f"'{args.words[1]}' is not a criterion; criteria are key=value.",
            field="criteria",
            hint="Criteria: " + ", ".join(crit.KEYS) + ".",
        )
    criteria = crit.parse(db_session=context.session, options=args.options, today=context.today())
    record = segment_service.run_action(
        db_session=context.session,
        actor=context.actor,
        segment=segment,
        action=action,
        criteria=criteria,
    )
    count = segment_service.count_lines(db_session=context.session, segment=segment)
    verb = {"add": "added", "reduce": "removed", "refine": "removed"}[action.value]
    return Message(
        f"{segment.no}: {counted(record.lines_changed, 'contact')} {verb}; it holds {count} now.",
        hint=f"Undo with `segment back {segment.no}`.",
        data={"no": segment.no, "changed": record.lines_changed, "contacts": count},
    )


def add_contacts(context: Context, args: Args) -> View:
    return _run(context, args, crit.Action.ADD)


def reduce_contacts(context: Context, args: Args) -> View:
    return _run(context, args, crit.Action.REDUCE)


def refine_contacts(context: Context, args: Args) -> View:
    return _run(context, args, crit.Action.REFINE)


def go_back(context: Context, args: Args) -> View:
    segment = _segment(context, args)
    steps = parse_int(args.get("steps") or "1", field="steps")
    undone = segment_service.go_back(
        db_session=context.session, actor=context.actor, segment=segment, steps=steps
    )
    count = segment_service.count_lines(db_session=context.session, segment=segment)
    what = "; ".join(f"{a.action} {a.criteria}" for a in undone)
    return Message(
        f"{segment.no}: undid {what}. It holds {count} contacts again.",
        data={"no": segment.no, "contacts": count},
    )


def save_criteria(context: Context, args: Args) -> View:
    segment = _segment(context, args)
    saved = segment_service.save_criteria(
        db_session=context.session,
        actor=context.actor,
        segment=segment,
        code=args.word(1, "code"),
        description=args.rest(2),
    )
    return Message(
        f"Saved the criteria of {segment.no} as {saved.code}.",
        hint=f"Replay them on another segment: `segment reuse <segment> criteria={saved.code}`.",
    )


def reuse(context: Context, args: Args) -> View:
    segment = _segment(context, args)
    code, logged_key = args.get("criteria"), args.get("logged")
    if bool(code) == bool(logged_key):
        raise InvalidInput(
            "Say what to reuse: criteria=<code> or logged=<logged segment>.", field="criteria"
        )
    if code:
        done = segment_service.reuse_criteria(
            db_session=context.session,
            actor=context.actor,
            segment=segment,
            code=code,
            today=context.today(),
        )
        what = f"{len(done)} criteria actions of {code.upper()}"
    else:
        logged = segment_service.get_logged(db_session=context.session, key=logged_key or "")
        segment_service.reuse_logged(
            db_session=context.session, actor=context.actor, segment=segment, logged_id=logged.id
        )
        what = f"the contacts of logged segment {logged.id} ({logged.segment_no})"
    count = segment_service.count_lines(db_session=context.session, segment=segment)
    return Message(
        f"{segment.no}: reused {what}; it holds {counted(count, 'contact')}.",
        data={"no": segment.no, "contacts": count},
    )


def mailing_group(context: Context, args: Args) -> View:
    segment = _segment(context, args)
    added = segment_service.apply_mailing_group(
        db_session=context.session,
        actor=context.actor,
        segment=segment,
        code=args.word(1, "mailing group"),
    )
    return Message(
        f"{added} contacts of {segment.no} joined mailing group {args.words[1].upper()}."
    )


def export(context: Context, args: Args) -> View:
    segment = _segment(context, args)
    report = segment_contacts(
        db_session=context.session, filters=Filters({"segment": segment.no}, context.today())
    )
    return write_csv(report, context, f"segment-{segment.no}")


def log(context: Context, args: Args) -> View:
    segment = _segment(context, args)
    result = logged_service.log_segment(
        db_session=context.session,
        actor=context.actor,
        segment=segment,
        template=args.get("template"),
        follow_up=_flag(args, "followup"),
    )
    logged = result.logged
    text = f"Logged {segment.no} as logged segment {logged.id}: {logged.interactions} interactions."
    if logged.skipped:
        text += f" {logged.skipped} privacy-blocked contacts were skipped."
    if result.follow_up:
        text += f" Follow-up segment: {result.follow_up.no}."
    tone = Tone.WARNING if logged.skipped else Tone.OK
    return Message(
        text,
        tone=tone,
        hint=f"Cancel it with `segment cancel {logged.id}`.",
        data={"logged": logged.id, "interactions": logged.interactions},
    )


def cancel(context: Context, args: Args) -> View:
    logged = segment_service.get_logged(db_session=context.session, key=args.word(0, "logged"))
    count = logged_service.cancel_logged(
        db_session=context.session, actor=context.actor, logged=logged
    )
    return Message(
        f"Canceled logged segment {logged.id} ({logged.segment_no}) and its "
        f"{count} interactions and campaign entries."
    )

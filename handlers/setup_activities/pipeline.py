"""`setup cycle|stage|closecode|activity`: the sales pipeline and the activities behind tasks."""

from crm.opportunities import setup as pipeline
from crm.opportunities.models import CloseType, ProbabilityMethod, SalesCycleStage
from crm.opportunities.setup import StageData
from crm.setup.service import get_marketing_setup
from crm.tasks import setup as activities
from crm.tasks.setup import StepData
from crm.values import parse_bool, parse_int, parse_percent
from handlers.context import Context
from handlers.grammar import Args
from handlers.interactions.options import choice, percent
from handlers.setup_activities.interactions import subverb
from handlers.views import Message, Table, View


def _flag(args: Args, key: str) -> bool | None:
    text = args.get(key)
    return parse_bool(text, field=key) if text else None


def cycle(context: Context, args: Args) -> View:
    db_session = context.session
    action = subverb(args)
    if action == "list":
        default = get_marketing_setup(db_session=db_session).default_sales_cycle
        rows = [
            [
                c.code + (" (default)" if c.code == default else ""),
                c.description,
                c.probability_method,
                "blocked" if c.blocked else "",
            ]
            for c in pipeline.list_cycles(db_session=db_session)
        ]
        return Table("Sales cycles", ["code", "description", "probability", ""], rows)
    code = args.word(1, "code")
    if action == "delete":
        pipeline.delete_cycle(db_session=db_session, code=code)
        return Message(f"Deleted sales cycle {code.upper()} and its stages.")
    method_text = args.get("method")
    method = choice(ProbabilityMethod, method_text, "method") if method_text else None
    description = args.get("description") or (args.rest(2) if len(args.words) > 2 else None)
    if action == "add":
        created = pipeline.create_cycle(
            db_session=db_session,
            code=code,
            description=description or "",
            method=method or ProbabilityMethod.MULTIPLY,
            default=bool(_flag(args, "default")),
        )
        return Message(
            f"Added sales cycle {created.code} ({created.probability_method}).",
            hint=f'Give it stages with `setup stage add {created.code} 1 "Initial" ...`.',
        )
    changed = pipeline.update_cycle(
        db_session=db_session,
        code=code,
        description=description,
        method=method,
        blocked=_flag(args, "blocked"),
        default=_flag(args, "default"),
    )
    return Message(f"Changed sales cycle {changed.code}.")


def stage(context: Context, args: Args) -> View:
    db_session = context.session
    action = subverb(args)
    owner = args.word(1, "cycle").upper()
    if action == "list":
        return _stage_table(owner, pipeline.stages(db_session=db_session, cycle=owner))
    number = parse_int(args.word(2, "stage number"), field="stage")
    if action == "delete":
        pipeline.delete_stage(db_session=db_session, cycle=owner, stage=number)
        return Message(f"Deleted stage {number} of {owner}.")
    completed, chances = args.get("completed"), args.get("chances")
    data = StageData(
        description=args.get("description") or (args.rest(3) if len(args.words) > 3 else None),
        completed_pct=parse_percent(completed, field="completed") if completed else None,
        chances_pct=parse_percent(chances, field="chances") if chances else None,
        allow_skip=_flag(args, "skip"),
        quote_required=_flag(args, "quote"),
        date_formula=_cleared(args.get("formula")),
        activity_code=_cleared(args.get("activity")),
    )
    if action == "add":
        row = pipeline.create_stage(db_session=db_session, cycle=owner, stage=number, data=data)
        return Message(f"Added stage {row.stage} {row.description} to {owner}.")
    row = pipeline.update_stage(db_session=db_session, cycle=owner, stage=number, data=data)
    return Message(f"Changed stage {row.stage} {row.description} of {owner}.")


def _cleared(text: str | None) -> str | None:
    # "-" clears a field; leaving the option out keeps it.
    return "" if text == "-" else text


def _stage_table(owner: str, rows: list[SalesCycleStage]) -> Table:
    return Table(
        f"Stages of {owner}",
        ["stage", "description", "completed", "chances", "skip", "quote", "formula", "activity"],
        [
            [
                str(s.stage),
                s.description,
                percent(s.completed_pct),
                percent(s.chances_pct),
                "yes" if s.allow_skip else "",
                "yes" if s.quote_required else "",
                s.date_formula or "",
                s.activity_code or "",
            ]
            for s in rows
        ],
    )


def closecode(context: Context, args: Args) -> View:
    db_session = context.session
    action = subverb(args)
    if action == "list":
        rows = [
            [c.code, c.type, c.description]
            for c in pipeline.list_close_codes(db_session=db_session)
        ]
        return Table("Close opportunity codes", ["code", "type", "description"], rows)
    code = args.word(1, "code")
    if action == "delete":
        pipeline.delete_close_code(db_session=db_session, code=code)
        return Message(f"Deleted close code {code.upper()}.")
    if action == "add":
        kind = choice(CloseType, args.word(2, "type (won or lost)"), "type")
        row = pipeline.create_close_code(
            db_session=db_session, code=code, type=kind, description=args.rest(3)
        )
        return Message(f"Added {row.type} close code {row.code}.")
    type_text = args.get("type")
    row = pipeline.update_close_code(
        db_session=db_session,
        code=code,
        description=args.get("description") or (args.rest(2) or None),
        type=choice(CloseType, type_text, "type") if type_text else None,
    )
    return Message(f"Changed close code {row.code}.")


def activity(context: Context, args: Args) -> View:
    db_session = context.session
    action = subverb(args, "add, edit, list, delete, step or unstep")
    if action == "list":
        return _activity_view(context, args.optional_word(1))
    code = args.word(1, "code")
    if action == "delete":
        activities.delete_activity(db_session=db_session, code=code)
        return Message(f"Deleted activity {code.upper()} and its steps.")
    if action == "unstep":
        number = parse_int(args.word(2, "step number"), field="step")
        activities.delete_step(db_session=db_session, activity=code, step_no=number)
        return Message(f"Removed step {number} of {code.upper()}.")
    if action == "step":
        step = activities.add_step(
            db_session=db_session,
            activity=code,
            data=StepData(
                description=args.rest(2),
                type=args.get("type"),
                priority=args.get("priority"),
                date_formula=args.get("formula"),
            ),
        )
        return Message(f"Added step {step.step_no} {step.description} to {step.activity_code}.")
    if action == "add":
        created = activities.create_activity(
            db_session=db_session, code=code, description=args.rest(2)
        )
        return Message(
            f"Added activity {created.code}.",
            hint=f'Give it steps with `setup activity step {created.code} "<description>"`.',
        )
    changed = activities.update_activity(db_session=db_session, code=code, description=args.rest(2))
    return Message(f"Changed activity {changed.code}.")


def _activity_view(context: Context, code: str | None) -> Table:
    db_session = context.session
    if code is None:
        rows = [[a.code, a.description] for a in activities.list_activities(db_session=db_session)]
        return Table("Activities", ["code", "description"], rows)
    owner = activities.get_activity_or_raise(db_session=db_session, code=code)
    steps = activities.steps(db_session=db_session, activity=owner.code)
    return Table(
        f"Steps of {owner.code} {owner.description}",
        ["step", "description", "type", "priority", "formula"],
        [
            [str(s.step_no), s.description, s.type or "", s.priority, s.date_formula or ""]
            for s in steps
        ],
    )

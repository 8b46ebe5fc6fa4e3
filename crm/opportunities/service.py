"""Opportunity services: create, move through the sales cycle by Business Central's rules, close."""

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm import dateformula
from crm.audit import Actor, stamp
from crm.contacts.models import Contact
from crm.db import utcnow
from crm.errors import Ambiguous, Choice, Conflict, InvalidInput, NotFound
from crm.interactions.models import InteractionLogEntry
from crm.numbering import next_number
from crm.opportunities.estimates import estimate
from crm.opportunities.models import (
    ActionTaken,
    CloseType,
    Opportunity,
    OpportunityEntry,
    OpportunityStatus,
    Priority,
    SalesCycle,
    SalesCycleStage,
)
from crm.opportunities.setup import get_close_code_or_raise, get_cycle_or_raise, stages
from crm.setup.service import get_marketing_setup, get_salesperson
from crm.tasks.models import SystemTaskType, Task

log = logging.getLogger(__name__)

HUNDRED = Decimal("100")
ZERO = Decimal("0")
CHOICES_SHOWN = 8


class UpdateAction(StrEnum):
    """How an update moves an opportunity (Business Central's Update Opportunity guide)."""

    FIRST = "first"
    NEXT = "next"
    PREVIOUS = "previous"
    SKIP = "skip"
    UPDATE = "update"
    JUMP = "jump"


@dataclass
class OpportunityCreate:
    """What a front knows about a new opportunity; setup defaults fill the rest.

    Giving an estimated value activates the first stage at once (value, chances and close
    date are then checked as for `first`); without one the opportunity is Not Started.
    """

    description: str
    salesperson: str | None = None
    sales_cycle: str | None = None
    estimated_value: Decimal | None = None
    chances_pct: Decimal | None = None
    estimated_close_date: dt.date | None = None
    priority: Priority = Priority.NORMAL
    campaign_no: str | None = None
    segment_no: str | None = None
    creation_date: dt.date | None = None


@dataclass
class OpportunityUpdate:
    """New estimates for an update action; None keeps the current figure or the stage's."""

    estimated_value: Decimal | None = None
    chances_pct: Decimal | None = None
    estimated_close_date: dt.date | None = None
    date_of_change: dt.date | None = None
    stage: int | None = None  # the target of jump, or of skip when not the farthest stage


@dataclass
class StageChange:
    """What an update or close did: the new active entry and the tasks it created."""

    opportunity: Opportunity
    entry: OpportunityEntry
    tasks: list[Task] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class OpportunityFilter:
    """Which opportunities a list shows; None means any."""

    salesperson: str | None = None
    status: str | None = None  # a status, "open" (the default) or "all"
    sales_cycle: str | None = None
    stage: int | None = None
    contact: Contact | None = None
    limit: int = 50
    offset: int = 0


@dataclass
class OpportunityRow:
    opportunity: Opportunity
    entry: OpportunityEntry | None


@dataclass
class OpportunityPage:
    rows: list[OpportunityRow]
    total: int


def get_by_no(*, db_session: Session, no: str) -> Opportunity | None:
    """Return the opportunity with this number, or None."""
    stmt = select(Opportunity).where(Opportunity.no == no.strip().upper())
    return db_session.scalars(stmt).first()


def resolve(*, db_session: Session, name: str) -> Opportunity:
    """Return the opportunity a user means by its number or part of its description."""
    text = name.strip()
    if not text:
        raise InvalidInput("Name an opportunity by its number or description.", field="opp")
    if opportunity := get_by_no(db_session=db_session, no=text):
        return opportunity
    pattern = "%" + text.upper().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    stmt = (
        select(Opportunity)
        .where(func.upper(Opportunity.description).like(pattern + "%", escape="\\"))
        .order_by(Opportunity.closed, Opportunity.no.desc())
        .limit(CHOICES_SHOWN + 1)
    )
    matches = list(db_session.scalars(stmt))
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFound(f"No opportunity matches '{text}'.", hint="`opp list` shows them.")
    raise Ambiguous(
        f"{len(matches)} opportunities match '{text}'. Which one?",
        choices=[Choice(o.no, f"{o.description} ({o.status})") for o in matches[:CHOICES_SHOWN]],
        hint="Name it by its number.",
    )


def active_entry(*, db_session: Session, opportunity: Opportunity) -> OpportunityEntry | None:
    """Return the opportunity's one active entry, or None before its first stage."""
    stmt = select(OpportunityEntry).where(
        OpportunityEntry.opportunity_id == opportunity.id, OpportunityEntry.active.is_(True)
    )
    return db_session.scalars(stmt).first()


def entries(*, db_session: Session, opportunity: Opportunity) -> list[OpportunityEntry]:
    """Return the opportunity's entry history, oldest first."""
    stmt = select(OpportunityEntry).where(OpportunityEntry.opportunity_id == opportunity.id)
    return list(db_session.scalars(stmt.order_by(OpportunityEntry.id)))


@dataclass
class OpportunityDetails:
    """Everything an opportunity's card shows."""

    opportunity: Opportunity
    contact: Contact
    cycle: SalesCycle
    active: OpportunityEntry | None
    history: list[OpportunityEntry]
    stage_names: dict[int, str]
    open_tasks: list[Task]


def details(*, db_session: Session, opportunity: Opportunity) -> OpportunityDetails:
    """Return an opportunity with its contact, entry history and open tasks."""
    contact = db_session.get(Contact, opportunity.contact_id)
    assert contact is not None
    history = entries(db_session=db_session, opportunity=opportunity)
    active = next((entry for entry in history if entry.active), None)
    cycle = get_cycle_or_raise(db_session=db_session, code=opportunity.sales_cycle)
    names = {s.stage: s.description for s in stages(db_session=db_session, cycle=cycle.code)}
    tasks = db_session.scalars(
        select(Task)
        .where(
            Task.opportunity_id == opportunity.id,
            Task.closed.is_(False),
            Task.system_type == SystemTaskType.ORGANIZER.value,
        )
        .order_by(Task.due_date, Task.id)
    )
    return OpportunityDetails(opportunity, contact, cycle, active, history, names, list(tasks))


def create(
    *,
    db_session: Session,
    actor: Actor,
    contact: Contact,
    data: OpportunityCreate,
    interaction: InteractionLogEntry | None = None,
    today: dt.date | None = None,
) -> Opportunity:
    """Open an opportunity for a contact; a person's opportunity counts for its company too."""
    if contact.privacy_blocked:
        raise Conflict(
            f"{contact.no} {contact.name} is privacy blocked: no new opportunities.",
            hint="Clear the block with `contact edit` once the contact allows it.",
        )
    description = data.description.strip()
    if interaction is not None:
        _check_interaction(interaction, contact)
        description = description or interaction.description
    if not description:
        raise InvalidInput("Describe the opportunity.", field="description")
    salesperson = _salesperson(db_session, actor, contact, data.salesperson, interaction)
    cycle = _cycle(db_session, data.sales_cycle)
    today = data.creation_date or today or utcnow().date()

    opportunity = Opportunity(
        no=next_number(db_session, "OPPORTUNITY"),
        description=description[:200],
        salesperson=salesperson,
        contact_id=contact.id,
        company_id=contact.company_id or contact.id,
        campaign_no=_upper(data.campaign_no or (interaction.campaign_no if interaction else None)),
        segment_no=_upper(data.segment_no or (interaction.segment_no if interaction else None)),
        sales_cycle=cycle.code,
        creation_date=today,
        priority=Priority(data.priority).value,
        status=OpportunityStatus.NOT_STARTED.value,
        interaction_id=interaction.id if interaction else None,
    )
    stamp(opportunity, actor, created=True)
    db_session.add(opportunity)
    db_session.flush()
    if interaction is not None:
        interaction.opportunity_no = opportunity.no
        stamp(interaction, actor)
    log.info("Opportunity %s created for %s by %s", opportunity.no, contact.no, actor)
    if data.estimated_value is None:
        return opportunity
    first = OpportunityUpdate(
        estimated_value=data.estimated_value,
        chances_pct=data.chances_pct,
        estimated_close_date=data.estimated_close_date,
        date_of_change=today,
    )
    update(
        db_session=db_session,
        actor=actor,
        opportunity=opportunity,
        action=UpdateAction.FIRST,
        data=first,
        today=today,
    )
    return opportunity


def _check_interaction(interaction: InteractionLogEntry, contact: Contact) -> None:
    if interaction.canceled:
        raise Conflict(
            f"Interaction {interaction.id} is canceled; no opportunity can come from it.",
            hint=f"Restore it first with `interaction restore {interaction.id}`.",
        )
    if interaction.opportunity_no:
        raise Conflict(
            f"Interaction {interaction.id} is linked to {interaction.opportunity_no} already.",
            hint=f"`opp show {interaction.opportunity_no}` shows it.",
        )
    if interaction.contact_id != contact.id:
        raise InvalidInput(
            f"Interaction {interaction.id} was logged for another contact.",
            field="interaction",
            hint="Name the contact the interaction was logged for.",
        )


def _salesperson(
    db_session: Session,
    actor: Actor,
    contact: Contact,
    given: str | None,
    interaction: InteractionLogEntry | None,
) -> str:
    code = (
        given
        or (interaction.salesperson if interaction else None)
        or actor.salesperson
        or contact.salesperson
    )
    if not code:
        raise InvalidInput(
            "An opportunity needs a salesperson.",
            field="salesperson",
            hint="Add salesperson=<code>, or run as a salesperson (--as or RAPPORT_USER).",
        )
    salesperson = get_salesperson(db_session=db_session, code=code)
    if salesperson is None or salesperson.blocked:
        raise InvalidInput(
            f"Salesperson '{code}' does not exist or is blocked.", field="salesperson"
        )
    return salesperson.code


def _cycle(db_session: Session, given: str | None) -> SalesCycle:
    code = given or get_marketing_setup(db_session=db_session).default_sales_cycle
    if not code:
        raise InvalidInput(
            "An opportunity needs a sales cycle, and the setup names no default.",
            field="cycle",
            hint="Add cycle=<code>, or set one with `setup cycle edit <code> default=yes`.",
        )
    cycle = get_cycle_or_raise(db_session=db_session, code=code)
    if cycle.blocked:
        raise InvalidInput(f"Sales cycle {cycle.code} is blocked.", field="cycle")
    if not stages(db_session=db_session, cycle=cycle.code):
        raise InvalidInput(
            f"Sales cycle {cycle.code} has no stages.",
            field="cycle",
            hint="Add them with `setup stage add <cycle> <no> ...`.",
        )
    return cycle


def update(
    *,
    db_session: Session,
    actor: Actor,
    opportunity: Opportunity,
    action: UpdateAction,
    data: OpportunityUpdate,
    today: dt.date | None = None,
) -> StageChange:
    """Move an opportunity: first, next, previous, skip, update or jump, with BC's checks."""
    _check_open(opportunity)
    current = active_entry(db_session=db_session, opportunity=opportunity)
    cycle = get_cycle_or_raise(db_session=db_session, code=opportunity.sales_cycle)
    all_stages = stages(db_session=db_session, cycle=cycle.code)
    target = _target_stage(action, current, all_stages, data.stage)
    stage_change = action is not UpdateAction.UPDATE

    date = data.date_of_change or today or utcnow().date()
    if current is not None and date < current.date_of_change:
        raise InvalidInput(
            f"The date of change {date} is before the last change, {current.date_of_change}.",
            field="date",
            hint="Changes are recorded in order; give a date on or after the last one.",
        )
    value = _value(data, current)
    chances = _chances(action, data, current, target)
    close = data.estimated_close_date or (current.estimated_close_date if current else None)
    if (close is None or close == date) and target.date_formula:
        close = dateformula.apply(target.date_formula, date, field="close")
    if close is None:
        raise InvalidInput(
            "The opportunity needs an expected close date.",
            field="close",
            hint="Add close=<date>, or give the stage a date formula.",
        )
    if close < date:
        raise InvalidInput(
            f"The expected close date {close} is before the date of change {date}.",
            field="close",
            hint="An opportunity cannot be expected to close before it changed.",
        )
    figures = estimate(
        cycle.probability_method,
        estimated_value=value,
        chances=chances,
        completed=target.completed_pct,
    )
    entry = _insert_entry(db_session, opportunity, current, date)
    entry.stage = target.stage
    entry.action_taken = _action_taken(action).value
    entry.estimated_value = value
    entry.chances_pct = figures.chances_pct
    entry.completed_pct = figures.completed_pct
    entry.probability_pct = figures.probability_pct
    entry.calcd_current_value = figures.calcd_current_value
    entry.estimated_close_date = close
    opportunity.status = OpportunityStatus.IN_PROGRESS.value
    stamp(opportunity, actor)
    db_session.flush()

    change = StageChange(opportunity, entry)
    if target.quote_required and stage_change:
        change.warnings.append(
            f"Stage {target.stage} {target.description} requires a sales quote; Rapport keeps "
            "no quotes, so make sure one was sent."
        )
    if stage_change and target.activity_code:
        from crm.tasks.service import create_from_activity

        change.tasks = create_from_activity(
            db_session=db_session,
            actor=actor,
            activity=target.activity_code,
            start=date,
            opportunity=opportunity,
            entry=entry,
        )
    log.info("Opportunity %s: %s to stage %s by %s", opportunity.no, action, target.stage, actor)
    return change


def _check_open(opportunity: Opportunity) -> None:
    if opportunity.closed:
        raise Conflict(
            f"Opportunity {opportunity.no} is closed ({opportunity.status}); it cannot change.",
            hint="Open a new opportunity for new business.",
        )


def _target_stage(
    action: UpdateAction,
    current: OpportunityEntry | None,
    all_stages: list[SalesCycleStage],
    wanted: int | None,
) -> SalesCycleStage:
    if action is UpdateAction.FIRST:
        if current is not None:
            raise Conflict(
                "The opportunity is past its first stage already.",
                hint="Use `opp next`, `opp update` or `opp jump`.",
            )
        return all_stages[0]
    if current is None:
        raise Conflict(
            "The opportunity has not started.", hint="Activate its first stage with `opp first`."
        )
    numbers = [stage.stage for stage in all_stages]
    if current.stage not in numbers:
        raise Conflict(f"Stage {current.stage} no longer exists in the cycle.")
    index = numbers.index(current.stage)
    if action is UpdateAction.UPDATE:
        return all_stages[index]
    if action is UpdateAction.NEXT:
        if index + 1 >= len(all_stages):
            raise Conflict(
                f"Stage {current.stage} is the last stage of the cycle.",
                hint="Close the opportunity with `opp win` or `opp lose`.",
            )
        return all_stages[index + 1]
    if action is UpdateAction.PREVIOUS:
        if index == 0:
            raise Conflict(f"Stage {current.stage} is the first stage; there is no previous one.")
        return all_stages[index - 1]
    if action is UpdateAction.JUMP:
        return _jump_target(all_stages, numbers, index, wanted)
    return _skip_target(all_stages, index, wanted)


def _jump_target(
    all_stages: list[SalesCycleStage], numbers: list[int], index: int, wanted: int | None
) -> SalesCycleStage:
    if wanted is None or wanted not in numbers:
        raise InvalidInput(
            f"Name the stage to jump back to: one of {', '.join(map(str, numbers[:index]))}.",
            field="stage",
        )
    if numbers.index(wanted) >= index:
        raise InvalidInput(
            f"Jump goes back only: stage {wanted} is not before stage {numbers[index]}.",
            field="stage",
            hint="Use `opp next` or `opp skip` to move forward.",
        )
    return all_stages[numbers.index(wanted)]


def _skip_target(
    all_stages: list[SalesCycleStage], index: int, wanted: int | None
) -> SalesCycleStage:
    # Skip passes over stages with Allow Skip; the chain stops at the first one without it.
    position = index + 1
    if position >= len(all_stages):
        raise Conflict("The opportunity is at the last stage; there is nothing to skip.")
    if not all_stages[position].allow_skip:
        stage = all_stages[position]
        raise InvalidInput(
            f"Stage {stage.stage} {stage.description} may not be skipped.",
            field="stage",
            hint="Move to it with `opp next`.",
        )
    while position + 1 < len(all_stages) and all_stages[position].allow_skip:
        if wanted is not None and all_stages[position].stage >= wanted:
            break
        position += 1
    target = all_stages[position]
    if wanted is not None and target.stage != wanted:
        raise InvalidInput(
            f"Stage {wanted} cannot be reached by skipping; the chain stops at {target.stage}.",
            field="stage",
        )
    return target


def _value(data: OpportunityUpdate, current: OpportunityEntry | None) -> Decimal:
    value = data.estimated_value
    if value is None and current is not None:
        value = current.estimated_value
    if value is None or value <= ZERO:
        raise InvalidInput(
            "The estimated value must be above zero.",
            field="value",
            hint="Add value=<amount>, for example value=20k.",
        )
    return value


def _chances(
    action: UpdateAction,
    data: OpportunityUpdate,
    current: OpportunityEntry | None,
    target: SalesCycleStage,
) -> Decimal:
    if action in (UpdateAction.SKIP, UpdateAction.JUMP):
        # Business Central resets the chances to the stage's after a skip or a jump.
        if data.chances_pct is not None:
            raise InvalidInput(
                "Skip and jump take the chances of the stage they land on.",
                field="chances",
                hint="Change them afterwards with `opp update <opp> chances=...`.",
            )
        chances = target.chances_pct
    elif data.chances_pct is not None:
        chances = data.chances_pct
    elif action is UpdateAction.UPDATE and current is not None:
        chances = current.chances_pct
    else:
        chances = target.chances_pct
    if chances <= ZERO or chances > HUNDRED:
        raise InvalidInput(
            f"The chances of success must be above 0 and at most 100, not {chances}.",
            field="chances",
            hint="Add chances=<percent>, or give the stage a chances %.",
        )
    return chances


def _action_taken(action: UpdateAction) -> ActionTaken:
    if action is UpdateAction.UPDATE:
        return ActionTaken.UPDATED
    if action is UpdateAction.PREVIOUS:
        return ActionTaken.PREVIOUS
    if action is UpdateAction.JUMP:
        return ActionTaken.JUMPED
    return ActionTaken.NEXT


def _insert_entry(
    db_session: Session,
    opportunity: Opportunity,
    current: OpportunityEntry | None,
    date: dt.date,
) -> OpportunityEntry:
    if current is not None:
        current.active = False
        current.date_closed = date
        current.days_open = (date - current.date_of_change).days
    entry = OpportunityEntry(
        opportunity_id=opportunity.id,
        sales_cycle=opportunity.sales_cycle,
        previous_stage=current.stage if current else None,
        contact_id=opportunity.contact_id,
        company_id=opportunity.company_id,
        salesperson=opportunity.salesperson,
        campaign_no=opportunity.campaign_no,
        date_of_change=date,
        active=True,
    )
    db_session.add(entry)
    return entry


def win(
    *,
    db_session: Session,
    actor: Actor,
    opportunity: Opportunity,
    close_code: str,
    value: Decimal | None = None,
    date: dt.date | None = None,
    today: dt.date | None = None,
) -> StageChange:
    """Close an opportunity as won: value above zero, every percentage 100."""
    return _close(db_session, actor, opportunity, CloseType.WON, close_code, value, date, today)


def lose(
    *,
    db_session: Session,
    actor: Actor,
    opportunity: Opportunity,
    close_code: str,
    date: dt.date | None = None,
    today: dt.date | None = None,
) -> StageChange:
    """Close an opportunity as lost: calculated value 0, chances and probability 0."""
    return _close(db_session, actor, opportunity, CloseType.LOST, close_code, None, date, today)


def _close(
    db_session: Session,
    actor: Actor,
    opportunity: Opportunity,
    kind: CloseType,
    close_code: str,
    value: Decimal | None,
    date: dt.date | None,
    today: dt.date | None,
) -> StageChange:
    _check_open(opportunity)
    code = get_close_code_or_raise(db_session=db_session, code=close_code)
    if code.type != kind.value:
        raise InvalidInput(
            f"Close code {code.code} is for {code.type} opportunities, not {kind.value} ones.",
            field="code",
            hint=f"Pick a {kind.value} code; `setup closecode list` shows them.",
        )
    current = active_entry(db_session=db_session, opportunity=opportunity)
    day = date or today or utcnow().date()
    if current is not None and day < current.date_of_change:
        raise InvalidInput(
            f"The close date {day} is before the last change, {current.date_of_change}.",
            field="date",
        )
    estimated = value if value is not None else (current.estimated_value if current else ZERO)
    if kind is CloseType.WON and estimated <= ZERO:
        raise InvalidInput(
            "A won opportunity needs a value above zero.",
            field="value",
            hint="Add value=<amount>.",
        )
    entry = _insert_entry(db_session, opportunity, current, day)
    entry.stage = (
        current.stage
        if current
        else stages(db_session=db_session, cycle=opportunity.sales_cycle)[0].stage
    )
    entry.action_taken = ActionTaken(kind.value).value
    entry.close_code = code.code
    entry.estimated_value = estimated
    entry.estimated_close_date = day
    entry.date_closed = day
    entry.completed_pct = HUNDRED
    won = kind is CloseType.WON
    entry.chances_pct = HUNDRED if won else ZERO
    entry.probability_pct = HUNDRED if won else ZERO
    entry.calcd_current_value = estimated if won else ZERO
    opportunity.status = kind.value
    opportunity.closed = True
    opportunity.date_closed = day
    stamp(opportunity, actor)
    db_session.flush()
    log.info("Opportunity %s %s (%s) by %s", opportunity.no, kind.value, code.code, actor)
    return StageChange(opportunity, entry)


def list_opportunities(*, db_session: Session, where: OpportunityFilter) -> OpportunityPage:
    """Return one page of opportunities with their active entries, newest first."""
    stmt = select(Opportunity, OpportunityEntry).outerjoin(
        OpportunityEntry,
        (OpportunityEntry.opportunity_id == Opportunity.id) & OpportunityEntry.active.is_(True),
    )
    status = (where.status or "open").strip().lower()
    if status == "open":
        stmt = stmt.where(Opportunity.closed.is_(False))
    elif status != "all":
        try:
            stmt = stmt.where(Opportunity.status == OpportunityStatus(status).value)
        except ValueError:
            raise InvalidInput(
                f"'{where.status}' is not an opportunity status.",
                field="status",
                hint="Use open, all, not_started, in_progress, won or lost.",
            ) from None
    if where.salesperson:
        stmt = stmt.where(Opportunity.salesperson == where.salesperson.strip().upper())
    if where.sales_cycle:
        stmt = stmt.where(Opportunity.sales_cycle == where.sales_cycle.strip().upper())
    if where.stage is not None:
        stmt = stmt.where(OpportunityEntry.stage == where.stage)
    if where.contact is not None:
        column = Opportunity.company_id if where.contact.is_company else Opportunity.contact_id
        stmt = stmt.where(column == where.contact.id)
    total = db_session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.order_by(Opportunity.id.desc()).offset(where.offset).limit(where.limit)
    rows = [OpportunityRow(opp, entry) for opp, entry in db_session.execute(stmt)]
    return OpportunityPage(rows, total)


@dataclass
class StageStatistics:
    """One stage's open opportunities, their values, and how long opportunities stay in it."""

    stage: int
    description: str
    count: int = 0
    estimated_value: Decimal = ZERO
    calcd_current_value: Decimal = ZERO
    average_days: Decimal | None = None


@dataclass
class CycleStatistics:
    cycle: SalesCycle
    stages: list[StageStatistics]
    won: int = 0
    lost: int = 0

    @property
    def count(self) -> int:
        return sum(stage.count for stage in self.stages)

    @property
    def estimated_value(self) -> Decimal:
        return sum((stage.estimated_value for stage in self.stages), ZERO)

    @property
    def calcd_current_value(self) -> Decimal:
        return sum((stage.calcd_current_value for stage in self.stages), ZERO)


def statistics(*, db_session: Session, cycle: str | None = None) -> CycleStatistics:
    """Return a sales cycle's figures per stage (the default cycle when none is named)."""
    code = cycle or get_marketing_setup(db_session=db_session).default_sales_cycle
    if not code:
        raise InvalidInput("Name a sales cycle.", field="cycle", hint="`setup cycle list`.")
    owner = get_cycle_or_raise(db_session=db_session, code=code)
    entry = OpportunityEntry
    closing = (ActionTaken.WON.value, ActionTaken.LOST.value)
    rows = {
        stage.stage: StageStatistics(stage.stage, stage.description)
        for stage in stages(db_session=db_session, cycle=owner.code)
    }
    open_figures = (
        select(
            entry.stage,
            func.count(),
            func.coalesce(func.sum(entry.estimated_value), 0),
            func.coalesce(func.sum(entry.calcd_current_value), 0),
        )
        .where(
            entry.sales_cycle == owner.code,
            entry.active.is_(True),
            entry.action_taken.not_in(closing),
        )
        .group_by(entry.stage)
    )
    for stage, count, estimated, current in db_session.execute(open_figures):
        row = rows.setdefault(stage, StageStatistics(stage, f"Stage {stage}"))
        row.count = count
        row.estimated_value = Decimal(estimated).quantize(Decimal("0.01"))
        row.calcd_current_value = Decimal(current).quantize(Decimal("0.01"))
    days = (
        select(entry.stage, func.avg(entry.days_open))
        .where(entry.sales_cycle == owner.code, entry.active.is_(False))
        .group_by(entry.stage)
    )
    for stage, average in db_session.execute(days):
        if stage in rows and average is not None:
            rows[stage].average_days = Decimal(str(average)).quantize(Decimal("0.1"))
    closed = (
        select(entry.action_taken, func.count())
        .where(
            entry.sales_cycle == owner.code, entry.active.is_(True), entry.action_taken.in_(closing)
        )
        .group_by(entry.action_taken)
    )
    result = CycleStatistics(owner, [rows[key] for key in sorted(rows)])
    for action, count in db_session.execute(closed):
        if action == ActionTaken.WON.value:
            result.won = count
        else:
            result.lost = count
    return result


def _upper(value: str | None) -> str | None:
    return value.strip().upper() or None if value else None

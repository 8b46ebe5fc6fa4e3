"""The stage an update lands on and the estimates it carries, by Business Central's rules."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from crm.errors import Conflict, InvalidInput
from crm.opportunities.models import ActionTaken, OpportunityEntry, SalesCycleStage

HUNDRED = Decimal("100")
ZERO = Decimal("0")


class UpdateAction(StrEnum):
    """How an update moves an opportunity (Business Central's Update Opportunity guide)."""

    FIRST = "first"
    NEXT = "next"
    PREVIOUS = "previous"
    SKIP = "skip"
    UPDATE = "update"
    JUMP = "jump"


@dataclass
class OpportunityUpdate:
    """New estimates for an update action; None keeps the current figure or the stage's."""

    estimated_value: Decimal | None = None
    chances_pct: Decimal | None = None
    estimated_close_date: dt.date | None = None
    date_of_change: dt.date | None = None
    stage: int | None = None  # the target of jump, or of skip when not the farthest stage


def target_stage(
    action: UpdateAction,
    current: OpportunityEntry | None,
    all_stages: list[SalesCycleStage],
    wanted: int | None,
) -> SalesCycleStage:
    """Return the stage an action lands on, or refuse a move the cycle does not allow."""
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


def estimated_value(data: OpportunityUpdate, current: OpportunityEntry | None) -> Decimal:
    """Return the estimated value of the new entry; it must be above zero."""
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


def chances(
    action: UpdateAction,
    data: OpportunityUpdate,
    current: OpportunityEntry | None,
    target: SalesCycleStage,
) -> Decimal:
    """Return the chances of success of the new entry; above 0 and at most 100."""
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


def action_taken(action: UpdateAction) -> ActionTaken:
    """Return what the entry records; Business Central has no "skipped", a skip is a jump."""
    if action is UpdateAction.UPDATE:
        return ActionTaken.UPDATED
    if action is UpdateAction.PREVIOUS:
        return ActionTaken.PREVIOUS
    if action in (UpdateAction.JUMP, UpdateAction.SKIP):
        return ActionTaken.JUMPED
    return ActionTaken.NEXT

"""Opportunity estimates: probability by the cycle's method and the calculated current value."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from crm.opportunities.models import ProbabilityMethod

HUNDRED = Decimal("100")
CENT = Decimal("0.01")
PERCENT_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Estimate:
    """The figures an opportunity entry carries."""

    completed_pct: Decimal
    chances_pct: Decimal
    probability_pct: Decimal
    calcd_current_value: Decimal


def probability(method: str, *, chances: Decimal, completed: Decimal) -> Decimal:
    """Return Probability % by the cycle's method (Business Central's UpdateEstimates)."""
    match ProbabilityMethod(method):
        case ProbabilityMethod.MULTIPLY:
            value = chances * completed / HUNDRED
        case ProbabilityMethod.ADD:
            value = (chances + completed) / 2
        case ProbabilityMethod.CHANCES:
            value = chances
        case ProbabilityMethod.COMPLETED:
            value = completed
    return value.quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


def estimate(
    method: str, *, estimated_value: Decimal, chances: Decimal, completed: Decimal
) -> Estimate:
    """Return the entry's figures: calculated current value = estimated x probability / 100."""
    probability_pct = probability(method, chances=chances, completed=completed)
    current = (estimated_value * probability_pct / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    return Estimate(completed, chances, probability_pct, current)

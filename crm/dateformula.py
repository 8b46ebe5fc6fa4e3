"""Date formulas as Business Central writes them: 1W, 2D, 1M, CM, +1W+2D, CM+1D, -1Y."""

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from crm.errors import InvalidInput

TERM = re.compile(r"([+-]?)(C|\d+)([DWMQY])")
HINT = (
    "Write terms such as 2D (days), 1W (weeks), 1M (months), 1Q, 1Y, or CM for the end of "
    "the current month (CW, CQ, CY likewise); combine them: 1M+CM, +1W+2D."
)


@dataclass(frozen=True)
class Term:
    """One step of a formula: a count of units, or 'current' to the period's end."""

    sign: int
    count: int | None  # None: C (current period)
    unit: str


def parse(text: str, *, field: str = "formula") -> tuple[Term, ...]:
    """Read a formula, refusing anything that is not a sequence of terms."""
    formula = text.strip().upper().replace(" ", "")
    if not formula:
        raise InvalidInput("The date formula is empty.", field=field, hint=HINT)
    terms: list[Term] = []
    position = 0
    while position < len(formula):
        match = TERM.match(formula, position)
        if match is None or (terms and not match.group(1)):
            raise InvalidInput(f"'{text}' is not a date formula.", field=field, hint=HINT)
        sign, amount, unit = match.groups()
        count = None if amount == "C" else int(amount)
        terms.append(Term(-1 if sign == "-" else 1, count, unit))
        position = match.end()
    return tuple(terms)


def validate(text: str, *, field: str = "formula") -> str:
    """Return the formula in its stored form (upper case, no spaces), or refuse it."""
    parse(text, field=field)
    return text.strip().upper().replace(" ", "")


def apply(text: str, start: dt.date, *, field: str = "formula") -> dt.date:
    """Return the date the formula gives, counted from start."""
    day = start
    for term in parse(text, field=field):
        day = _step(day, term)
    return day


def _step(day: dt.date, term: Term) -> dt.date:
    if term.count is None:
        return _period_edge(day, term.unit, end=term.sign > 0)
    count = term.sign * term.count
    if term.unit == "D":
        return day + dt.timedelta(days=count)
    if term.unit == "W":
        return day + dt.timedelta(weeks=count)
    months = {"M": 1, "Q": 3, "Y": 12}[term.unit] * count
    return _add_months(day, months)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    # A month later than 31 January is the last day of February, as in Business Central.
    return dt.date(year, month + 1, min(day.day, last))


def _period_edge(day: dt.date, unit: str, *, end: bool) -> dt.date:
    if unit == "D":
        return day
    if unit == "W":
        monday = day - dt.timedelta(days=day.weekday())
        return monday + dt.timedelta(days=6) if end else monday
    if unit == "M":
        first = day.replace(day=1)
    elif unit == "Q":
        first = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    else:
        first = dt.date(day.year, 1, 1)
    if not end:
        return first
    length = {"M": 1, "Q": 3, "Y": 12}[unit]
    return _add_months(first, length) - dt.timedelta(days=1)

"""Date formulas: 1W, 2D, 1M, CM and combinations, as Business Central computes them."""

import datetime as dt

import pytest

from crm import dateformula
from crm.errors import InvalidInput

START = dt.date(2026, 1, 31)  # a Saturday, the last day of a 31-day month


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("2D", dt.date(2026, 2, 2)),
        ("1W", dt.date(2026, 2, 7)),
        ("1M", dt.date(2026, 2, 28)),  # no 31 February: the month's last day
        ("CM", dt.date(2026, 1, 31)),
        ("1M+CM", dt.date(2026, 2, 28)),
        ("CM+1D", dt.date(2026, 2, 1)),
        ("+1W+2D", dt.date(2026, 2, 9)),
        ("-1D", dt.date(2026, 1, 30)),
        ("-CM", dt.date(2026, 1, 1)),
        ("CW", dt.date(2026, 2, 1)),  # Sunday ends the week
        ("1Q", dt.date(2026, 4, 30)),
        ("CQ", dt.date(2026, 3, 31)),
        ("1Y", dt.date(2027, 1, 31)),
        ("cy", dt.date(2026, 12, 31)),
        (" 1w ", dt.date(2026, 2, 7)),
    ],
)
def test_formulas_give_the_dates_business_central_gives(formula, expected):
    assert dateformula.apply(formula, START) == expected


@pytest.mark.parametrize("formula", ["", "W", "3X", "1W2D", "tomorrow", "1.5D", "+"])
def test_nonsense_is_refused_with_how_to_write_it(formula):
    with pytest.raises(InvalidInput, match="date formula|empty") as caught:
        dateformula.apply(formula, START, field="recur")
    assert caught.value.field == "recur"
    assert "2D" in caught.value.hint


def test_validate_returns_the_stored_form():
    assert dateformula.validate(" 1m+cm ") == "1M+CM"

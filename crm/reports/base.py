"""What a report returns: a table of plain values and, where numbers are compared, a chart."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crm.errors import InvalidInput
from crm.values import parse_date


@dataclass
class ChartSpec:
    """The numbers of a chart, with no drawing in it: the fronts draw.

    kind: "bar" (one bar per category and series, or stacked), "pipeline" (bars of value
    with the count on a second axis), "funnel" (horizontal bars narrowing down).
    """

    kind: str
    title: str
    categories: list[str]
    series: dict[str, list[float]]
    stacked: bool = False
    value_label: str = ""
    counts: list[int] | None = None
    colors: dict[str, str] = field(default_factory=dict)


@dataclass
class Report:
    """A report's rows: plain values (str, int, Decimal, date); the fronts format them."""

    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: ChartSpec | None = None
    note: str | None = None


@dataclass(frozen=True)
class Filters:
    """The filters a user typed for a report, read once."""

    values: Mapping[str, str]
    today: dt.date

    def text(self, key: str) -> str | None:
        value = self.values.get(key)
        return value.strip() if value and value.strip() else None

    def code(self, key: str) -> str | None:
        value = self.text(key)
        return value.upper() if value else None

    def date(self, key: str) -> dt.date | None:
        value = self.text(key)
        return parse_date(value, today=self.today, field=key) if value else None

    def required(self, key: str, what: str) -> str:
        value = self.text(key)
        if value is None:
            raise InvalidInput(f"This report needs {key}=<{what}>.", field=key)
        return value.upper()

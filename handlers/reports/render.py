"""Turn report data into what a front shows: a table, a CSV file or a chart image."""

import csv
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from crm.reports.base import Report
from handlers.context import Context
from handlers.views import Chart, FileView, Table

TABLE_ROWS = 200


def cell(value: Any, context: Context) -> str:
    """Format one value the way people read it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal | float):
        return f"{value:,.2f}"
    if isinstance(value, dt.datetime):
        return context.local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def table(report: Report, context: Context, *, limit: int = TABLE_ROWS) -> Table:
    """Return the report as a table view, its first rows only when it is long."""
    rows = [[cell(value, context) for value in row] for row in report.rows[:limit]]
    note = report.note
    if len(report.rows) > limit:
        note = f"{limit} of {len(report.rows)} rows shown; format=csv writes them all."
    return Table(report.title, report.columns, rows, total=len(report.rows), note=note)


def output_path(context: Context, name: str, suffix: str) -> Path:
    """Return a fresh file path in the output folder for this report."""
    context.output_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(context.time_zone).strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "report"
    path = context.output_dir / f"{slug}-{stamp}.{suffix}"
    counter = 1
    while path.exists():
        counter += 1
        path = context.output_dir / f"{slug}-{stamp}-{counter}.{suffix}"
    return path


def write_csv(report: Report, context: Context, name: str) -> FileView:
    """Write every row of the report to a CSV file and return its view."""
    path = output_path(context, name, "csv")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(report.columns)
        for row in report.rows:
            writer.writerow([_csv_cell(value) for value in row])
    return FileView(f"{report.title} ({len(report.rows)} rows)", path, "csv")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    text = str(value)
    # A leading = + - @ makes spreadsheets run the cell as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def write_chart(report: Report, context: Context, name: str) -> Chart:
    """Draw the report's chart to a PNG file and return its view."""
    from handlers.reports.charts import draw

    assert report.chart is not None
    path = output_path(context, name, "png")
    draw(report.chart, path)
    return Chart(report.chart.title, path, "png")

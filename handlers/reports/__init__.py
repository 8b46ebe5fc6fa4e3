"""The report area: lists, summaries and charts, as a table, CSV or PNG."""

from crm.reports.catalog import FILTERS, REPORTS
from handlers.grammar import Registry


def register(registry: Registry) -> None:
    """Declare `report <name> [filters] [format=table|csv|png]`."""
    registry.area("report", "reports and charts: " + ", ".join(spec.name for spec in REPORTS))
    registry.command(
        "report",
        "",
        "handlers.reports.commands:report",
        summary="Run a report: " + ", ".join(spec.name for spec in REPORTS),
        usage="report <name> [filters] [format=table|csv|png]",
        options=(*FILTERS, "format"),
    )

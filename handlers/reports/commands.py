"""Report commands: what `report <name>` runs."""

from crm.errors import InvalidInput
from crm.reports import service as report_service
from crm.reports.catalog import REPORTS
from handlers.context import Context
from handlers.grammar import Args
from handlers.reports.render import table, write_chart, write_csv
from handlers.views import Table, View

FORMATS = ("table", "csv", "png")
# Reports that exist to be looked at rather than read.
CHART_FIRST = frozenset({"pipeline", "opportunity-chart", "win-loss", "funnel"})


def report(context: Context, args: Args) -> View:
    name = args.optional_word(0)
    if not name:
        rows = [
            [spec.name, spec.summary, ", ".join(spec.filters), "yes" if spec.chart else ""]
            for spec in REPORTS
        ]
        return Table(
            "Reports",
            ["Name", "What", "Filters", "Chart"],
            rows,
            note="Run one with `report <name> [filters] [format=table|csv|png]`.",
        )
    spec = report_service.get_spec(name)
    options = dict(args.options)
    fmt = (options.pop("format", None) or ("png" if spec.name in CHART_FIRST else "table")).lower()
    if fmt not in FORMATS:
        raise InvalidInput(
            f"format={fmt} is not a format.", field="format", hint="Formats: table, csv, png."
        )
    if fmt == "png" and not spec.chart:
        raise InvalidInput(
            f"Report {spec.name} has no chart.",
            field="format",
            hint="Use format=table or format=csv.",
        )
    data = report_service.run(
        db_session=context.session, name=spec.name, filters=options, today=context.today()
    )
    if fmt == "csv":
        return write_csv(data, context, spec.name)
    if fmt == "png":
        if data.chart is None:
            return table(data, context)
        return write_chart(data, context, spec.name)
    return table(data, context)

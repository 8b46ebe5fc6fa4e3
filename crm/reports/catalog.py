"""The reports by name, with the filters each takes; imports nothing heavy (used by help)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportSpec:
    name: str
    summary: str
    target: str  # "module:function", imported when the report runs
    filters: tuple[str, ...] = ()
    chart: bool = False


REPORTS: tuple[ReportSpec, ...] = (
    ReportSpec(
        "contacts",
        "contact list with open opportunities and tasks",
        "crm.reports.contacts:contact_list",
        ("type", "salesperson", "territory"),
    ),
    ReportSpec(
        "companies",
        "company summary: persons, interactions, tasks",
        "crm.reports.contacts:company_summary",
        ("salesperson", "territory"),
        True,
    ),
    ReportSpec(
        "persons",
        "person summary: company, interactions, tasks",
        "crm.reports.contacts:person_summary",
        ("salesperson", "territory"),
    ),
    ReportSpec(
        "salesperson-tasks",
        "open tasks per salesperson",
        "crm.reports.sales:salesperson_tasks",
        ("salesperson", "from", "to", "closed"),
        True,
    ),
    ReportSpec(
        "salesperson-opportunities",
        "opportunities per salesperson and status",
        "crm.reports.sales:salesperson_opportunities",
        ("salesperson", "cycle", "campaign", "status", "from", "to"),
        True,
    ),
    ReportSpec(
        "team-tasks",
        "open tasks per team",
        "crm.reports.sales:team_tasks",
        ("team", "from", "to", "closed"),
        True,
    ),
    ReportSpec(
        "campaign",
        "campaign details: statistics and entries",
        "crm.reports.campaigns:campaign_details",
        ("campaign",),
    ),
    ReportSpec(
        "opportunities",
        "opportunity list",
        "crm.reports.sales:opportunity_list",
        ("salesperson", "cycle", "campaign", "status", "from", "to"),
    ),
    ReportSpec(
        "opportunity",
        "one opportunity's stages and tasks",
        "crm.reports.sales:opportunity_details",
        ("opp",),
    ),
    ReportSpec(
        "sales-cycles",
        "open opportunities and values per cycle and stage",
        "crm.reports.sales:sales_cycle_analysis",
        ("cycle",),
    ),
    ReportSpec(
        "segment", "contacts of a segment", "crm.reports.contacts:segment_contacts", ("segment",)
    ),
    ReportSpec(
        "pipeline",
        "value and count per stage of a cycle (chart)",
        "crm.reports.sales:pipeline",
        ("cycle",),
        True,
    ),
    ReportSpec(
        "opportunity-chart",
        "opportunities per salesperson by status over a period",
        "crm.reports.sales:opportunity_chart",
        ("salesperson", "cycle", "campaign", "from", "to"),
        True,
    ),
    ReportSpec(
        "win-loss", "won and lost by close code", "crm.reports.sales:win_loss", ("from", "to"), True
    ),
    ReportSpec(
        "funnel",
        "campaign funnel: segments to won",
        "crm.reports.campaigns:campaign_funnel",
        ("campaign",),
        True,
    ),
)
BY_NAME = {spec.name: spec for spec in REPORTS}
FILTERS: tuple[str, ...] = tuple(sorted({key for spec in REPORTS for key in spec.filters}))

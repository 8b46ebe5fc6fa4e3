"""Views of opportunities: the card with its entry history, lists, changes, cycle statistics."""

from crm.opportunities.models import OpportunityEntry
from crm.opportunities.service import (
    CycleStatistics,
    OpportunityDetails,
    OpportunityPage,
    StageChange,
)
from handlers.context import Context
from handlers.interactions.options import money, percent
from handlers.views import Action, Card, Message, Stack, Table, Tone, View

PAGE = 25


def opportunity_card(context: Context, found: OpportunityDetails) -> Card:
    """Return an opportunity's card: its figures, entry history and open tasks."""
    opportunity, active = found.opportunity, found.active
    fields = [
        ("Contact", f"{found.contact.no} {found.contact.name}"),
        ("Salesperson", opportunity.salesperson),
        ("Sales cycle", f"{found.cycle.code} ({found.cycle.probability_method})"),
        ("Status", opportunity.status.replace("_", " ")),
        ("Priority", opportunity.priority),
        ("Created", opportunity.creation_date.isoformat()),
    ]
    if opportunity.campaign_no:
        fields.append(("Campaign", opportunity.campaign_no))
    if active is not None:
        fields += _entry_fields(active, found.stage_names)
    history = Table(
        "Entries",
        [
            "stage",
            "action",
            "date",
            "days open",
            "value",
            "chances",
            "prob.",
            "calc. value",
            "code",
        ],
        [_history_row(entry, found.stage_names, context) for entry in found.history],
    )
    sections: list[View] = [history]
    if found.open_tasks:
        sections.append(
            Table(
                "Open tasks",
                ["task", "due", "description", "salesperson"],
                [
                    [t.no, t.due_date.isoformat(), t.description, t.salesperson or t.team or ""]
                    for t in found.open_tasks
                ],
                keys=[t.no for t in found.open_tasks],
            )
        )
    return Card(
        title=f"{opportunity.no} · {opportunity.description}",
        fields=fields,
        sections=sections,
        actions=_actions(opportunity.no, opportunity.closed, active is not None),
        key=opportunity.no,
    )


def _entry_fields(entry: OpportunityEntry, names: dict[int, str]) -> list[tuple[str, str]]:
    return [
        ("Stage", f"{entry.stage} {names.get(entry.stage, '')}".strip()),
        ("Estimated value", money(entry.estimated_value)),
        ("Chances of success", percent(entry.chances_pct)),
        ("Completed", percent(entry.completed_pct)),
        ("Probability", percent(entry.probability_pct)),
        ("Calculated current value", money(entry.calcd_current_value)),
        (
            "Expected close",
            entry.estimated_close_date.isoformat() if entry.estimated_close_date else "—",
        ),
    ]


def _history_row(entry: OpportunityEntry, names: dict[int, str], context: Context) -> list[str]:
    days = entry.days_open
    if entry.active and entry.action_taken not in ("won", "lost"):
        days = (context.today() - entry.date_of_change).days
    return [
        f"{entry.stage} {names.get(entry.stage, '')}".strip(),
        entry.action_taken or "",
        entry.date_of_change.isoformat(),
        str(max(days, 0)),
        money(entry.estimated_value),
        percent(entry.chances_pct),
        percent(entry.probability_pct),
        money(entry.calcd_current_value),
        entry.close_code or "",
    ]


def _actions(no: str, closed: bool, started: bool) -> list[Action]:
    # Buttons run complete commands only; closing needs a code, which the user types.
    if closed or not started:
        return []
    return [Action("Next stage", f"opp next {no}", style="primary")]


def opportunity_table(page: OpportunityPage, number: int) -> Table:
    """Return one page of opportunities."""
    rows = []
    for row in page.rows:
        opp, entry = row.opportunity, row.entry
        rows.append(
            [
                opp.no,
                opp.description,
                opp.salesperson,
                opp.status.replace("_", " "),
                f"{opp.sales_cycle} {entry.stage}" if entry else opp.sales_cycle,
                money(entry.estimated_value) if entry else "",
                money(entry.calcd_current_value) if entry else "",
                entry.estimated_close_date.isoformat()
                if entry and entry.estimated_close_date
                else "",
            ]
        )
    return Table(
        "Opportunities" + (f" page {number}" if page.total > PAGE else ""),
        ["no.", "description", "salesperson", "status", "stage", "value", "calc. value", "close"],
        rows,
        total=page.total,
        keys=[row.opportunity.no for row in page.rows],
        note="More: add page=<n>." if number * PAGE < page.total else None,
    )


def change_view(change: StageChange) -> View:
    """Return what an update or close did."""
    opportunity, entry = change.opportunity, change.entry
    if opportunity.closed:
        text = (
            f"{opportunity.no} closed as {opportunity.status} ({entry.close_code}); "
            f"value {money(entry.calcd_current_value)}."
        )
    else:
        text = (
            f"{opportunity.no} at stage {entry.stage} ({entry.action_taken}): value "
            f"{money(entry.estimated_value)}, probability {percent(entry.probability_pct)}, "
            f"calculated {money(entry.calcd_current_value)}, close "
            f"{entry.estimated_close_date.isoformat() if entry.estimated_close_date else '—'}."
        )
    items: list[View] = [Message(text, data={"no": opportunity.no, "entry": entry.id})]
    if change.tasks:
        tasks = ", ".join(f"{t.no} {t.description} (due {t.due_date})" for t in change.tasks)
        items.append(Message(f"Tasks created from the stage's activity: {tasks}.", tone=Tone.INFO))
    items += [Message(warning, tone=Tone.WARNING) for warning in change.warnings]
    return items[0] if len(items) == 1 else Stack(items)


def statistics_view(figures: CycleStatistics) -> Table:
    """Return a sales cycle's statistics, one row per stage and a total."""
    rows = [
        [
            f"{row.stage} {row.description}",
            str(row.count),
            money(row.estimated_value),
            money(row.calcd_current_value),
            f"{row.average_days}" if row.average_days is not None else "—",
        ]
        for row in figures.stages
    ]
    rows.append(
        [
            "Total open",
            str(figures.count),
            money(figures.estimated_value),
            money(figures.calcd_current_value),
            "",
        ]
    )
    return Table(
        f"Sales cycle {figures.cycle.code} ({figures.cycle.probability_method})",
        ["stage", "open", "estimated", "calculated", "avg. days"],
        rows,
        note=f"Won {figures.won}, lost {figures.lost}.",
    )

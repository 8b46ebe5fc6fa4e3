"""Views of interactions, timelines and statistics, and the sections `contact show` appends."""

import datetime as dt

from crm.contacts.models import Contact
from crm.interactions.service import InteractionPage, InteractionStatistics
from crm.interactions.timeline import ContactStatistics, Timeline, overview
from handlers.context import Context
from handlers.interactions.options import money
from handlers.views import Card, Table, View

PAGE = 20
TIMELINE_ON_CARD = 10


def entry_table(context: Context, page: InteractionPage, number: int) -> Table:
    """Return one page of interactions as a table."""
    rows = [
        [
            str(entry.id),
            context.local(entry.occurred_at).strftime("%Y-%m-%d %H:%M"),
            entry.template_code,
            entry.description,
            entry.salesperson or "",
            money(entry.cost),
            str(entry.duration_min),
            ("failed " if entry.attempt_failed else "") + ("canceled" if entry.canceled else ""),
        ]
        for entry in page.entries
    ]
    shown = f"page {number}" if page.total > PAGE else ""
    return Table(
        f"Interactions {shown}".strip(),
        ["entry", "when", "template", "description", "salesperson", "cost", "min", ""],
        rows,
        total=page.total,
        keys=[str(entry.id) for entry in page.entries],
        note="More: add page=<n>." if number * PAGE < page.total else None,
    )


def statistics_card(context: Context, figures: InteractionStatistics, scope: str) -> Card:
    """Return interaction figures as a card."""
    return Card(
        title=f"Interaction statistics · {scope}",
        subtitle="Canceled and postponed interactions are not counted.",
        fields=interaction_fields(context, figures),
    )


def interaction_fields(context: Context, figures: InteractionStatistics) -> list[tuple[str, str]]:
    """Return the labelled interaction figures."""

    def when(moment: dt.datetime | None) -> str:
        return context.local(moment).strftime("%Y-%m-%d") if moment else "—"

    return [
        ("Interactions", str(figures.count)),
        ("Cost", money(figures.cost)),
        ("Duration", f"{figures.duration_min} min"),
        ("Last interaction", when(figures.last_date)),
        ("Last attempted", when(figures.last_attempted)),
    ]


def timeline_view(context: Context, contact: Contact, timeline: Timeline) -> Table:
    """Return a contact's timeline as a table, newest first."""
    rows = []
    for item in timeline.items:
        if item.kind == "interaction":
            when = context.local(item.when).strftime("%Y-%m-%d %H:%M")
        else:
            when = item.when.strftime("%Y-%m-%d")
        mark = " (closed)" if item.closed and item.kind != "interaction" else ""
        rows.append([when, item.kind, item.key, item.title + mark, item.detail])
    return Table(
        f"Timeline of {contact.no} {contact.name}",
        ["when", "what", "no.", "description", "details"],
        rows,
        total=timeline.total,
        keys=[item.key for item in timeline.items],
    )


def statistics_table(context: Context, figures: ContactStatistics) -> Table:
    """Return a contact's figures as a two-column table."""
    rows = [[label, value] for label, value in interaction_fields(context, figures.interactions)]
    rows += [
        ["Open opportunities", str(figures.open_opportunities)],
        ["Estimated value", money(figures.estimated_value)],
        ["Calculated current value", money(figures.calcd_current_value)],
        ["Won / lost", f"{figures.won} / {figures.lost}"],
        ["Open tasks", str(figures.open_tasks)],
        ["Next task", figures.next_task_date.isoformat() if figures.next_task_date else "—"],
    ]
    return Table("Statistics", ["figure", "value"], rows)


def activity_sections(context: Context, contact: Contact) -> list[View]:
    """Return the timeline and statistics sections of a contact's card."""
    found = overview(db_session=context.session, contact=contact, limit=TIMELINE_ON_CARD)
    timeline = timeline_view(context, contact, found.timeline)
    if found.timeline.total > TIMELINE_ON_CARD:
        timeline.note = f"Older: `interaction timeline {contact.no} page=2`"
    return [timeline, statistics_table(context, found.statistics)]

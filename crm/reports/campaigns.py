"""Campaign reports: details with entries and statistics, and the campaign funnel."""

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from crm.campaigns import service as campaign_service
from crm.interactions.models import InteractionLogEntry
from crm.opportunities.models import Opportunity
from crm.reports.base import ChartSpec, Filters, Report
from crm.segments.models import SegmentHeader
from crm.segments.service import LINES


def campaign_details(*, db_session: Session, filters: Filters) -> Report:
    """Show a campaign's header, statistics and entries."""
    campaign = campaign_service.get_by_no(
        db_session=db_session, no=filters.required("campaign", "campaign no.")
    )
    stats = campaign_service.statistics(db_session=db_session, campaign=campaign)
    rows: list[list[object]] = [
        ["campaign", "Period", f"{campaign.starting_date or '…'} – {campaign.ending_date or '…'}"],
        ["campaign", "Status", campaign.status_code or ""],
        ["campaign", "Salesperson", campaign.salesperson or ""],
        ["statistics", "Targets contacted", stats.targets_contacted],
        ["statistics", "Contacts responded", stats.contacts_responded],
        ["statistics", "Cost", stats.cost],
        ["statistics", "Duration (min)", stats.duration_min],
        ["statistics", "Opportunities", stats.opportunities],
        ["statistics", "Estimated value", stats.estimated_value],
        ["statistics", "Current value", stats.calculated_value],
    ]
    counts = dict(
        db_session.execute(
            select(InteractionLogEntry.campaign_entry_id, func.count())
            .where(InteractionLogEntry.campaign_no == campaign.no)
            .group_by(InteractionLogEntry.campaign_entry_id)
        ).tuples()
    )
    for entry in campaign_service.entries(db_session=db_session, campaign=campaign):
        state = "canceled" if entry.canceled else f"{counts.get(entry.id, 0)} interactions"
        rows.append([f"entry {entry.id}", f"{entry.date} {entry.description}", state])
    title = f"Campaign {campaign.no} · {campaign.description}"
    return Report(title, ["Section", "Item", "Value"], rows)


def campaign_funnel(*, db_session: Session, filters: Filters) -> Report:
    """Narrow a campaign from its segment contacts to contacted, responded and won."""
    campaign = campaign_service.get_by_no(
        db_session=db_session, no=filters.required("campaign", "campaign no.")
    )
    entry = InteractionLogEntry
    live = [entry.campaign_no == campaign.no, entry.canceled.is_(False), entry.postponed.is_(False)]
    in_segments = (
        db_session.scalar(
            select(func.count(distinct(LINES.c.contact_id)))
            .join(SegmentHeader, SegmentHeader.id == LINES.c.segment_id)
            .where(SegmentHeader.campaign_no == campaign.no, LINES.c.removed_by_action.is_(None))
        )
        or 0
    )
    contacted = db_session.scalar(select(func.count(distinct(entry.contact_id))).where(*live)) or 0
    responded = (
        db_session.scalar(
            select(func.count(distinct(entry.contact_id))).where(
                *live, entry.campaign_response.is_(True)
            )
        )
        or 0
    )
    opps = select(func.count()).where(Opportunity.campaign_no == campaign.no)
    opportunities = db_session.scalar(opps) or 0
    won = db_session.scalar(opps.where(Opportunity.status == "won")) or 0
    steps = [
        ("In segments", in_segments),
        ("Contacted", max(contacted, 0)),
        ("Responded", responded),
        ("Opportunities", opportunities),
        ("Won", won),
    ]
    top = steps[0][1] or max(value for _, value in steps) or 1
    rows: list[list[object]] = [
        [label, value, f"{100 * value / top:.0f}%"] for label, value in steps
    ]
    chart = ChartSpec(
        "funnel",
        f"Campaign funnel · {campaign.no} {campaign.description}",
        [label for label, _ in steps],
        {"Contacts": [float(value) for _, value in steps]},
    )
    return Report(f"Campaign funnel · {campaign.no}", ["Step", "Contacts", "Share"], rows, chart)

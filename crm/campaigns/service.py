"""Campaign services: create, link segments, entries, activation and statistics."""

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, distinct, func, insert, literal, select, union, update
from sqlalchemy.orm import Session

from crm.audit import Actor, stamp
from crm.campaigns.models import Campaign, CampaignEntry, CampaignStatus, CampaignTargetGroup
from crm.db import ZERO
from crm.errors import Conflict, InvalidInput, NotFound
from crm.interactions.models import InteractionLogEntry
from crm.numbering import next_number
from crm.opportunities.models import Opportunity, OpportunityEntry
from crm.segments.models import SegmentHeader
from crm.segments.service import LINES
from crm.setup.service import get_salesperson_or_raise

log = logging.getLogger(__name__)


@dataclass
class CampaignData:
    """The fields a user sets on a campaign; None leaves a field as it is."""

    description: str | None = None
    starting_date: dt.date | None = None
    ending_date: dt.date | None = None
    status_code: str | None = None
    salesperson: str | None = None


def create(*, db_session: Session, actor: Actor, data: CampaignData) -> Campaign:
    """Create a campaign with the next campaign number; refuse reversed dates."""
    if not (data.description or "").strip():
        raise InvalidInput("A campaign needs a description.", field="description")
    campaign = Campaign(no=next_number(db_session, "CAMPAIGN"), description="")
    _apply(db_session, campaign, data)
    stamp(campaign, actor, created=True)
    db_session.add(campaign)
    db_session.flush()
    log.info("Campaign %s created by %s", campaign.no, actor)
    return campaign


def _apply(db_session: Session, campaign: Campaign, data: CampaignData) -> None:
    if data.description is not None:
        campaign.description = data.description.strip()[:100]
    if data.starting_date is not None:
        campaign.starting_date = data.starting_date
    if data.ending_date is not None:
        campaign.ending_date = data.ending_date
    start, end = campaign.starting_date, campaign.ending_date
    if start and end and end < start:
        raise InvalidInput(
            f"The campaign ends ({end}) before it starts ({start}).",
            field="end",
            hint="The ending date must be on or after the starting date.",
        )
    if data.status_code is not None:
        status = db_session.get(CampaignStatus, data.status_code.strip().upper())
        if status is None:
            known = db_session.scalars(select(CampaignStatus.code).order_by(CampaignStatus.code))
            raise InvalidInput(
                f"There is no campaign status '{data.status_code}'.",
                field="status",
                hint=f"Statuses: {', '.join(known)}.",
            )
        campaign.status_code = status.code
    if data.salesperson is not None:
        code = data.salesperson
        campaign.salesperson = get_salesperson_or_raise(db_session=db_session, code=code).code


def get_by_no(*, db_session: Session, no: str) -> Campaign:
    """Return the campaign with this number, or say how to find one."""
    stmt = select(Campaign).where(Campaign.no == no.strip().upper())
    campaign = db_session.scalars(stmt).first()
    if campaign is None:
        raise NotFound(f"There is no campaign '{no}'.", hint="`campaign list` shows them.")
    return campaign


def find(*, db_session: Session, status: str | None = None) -> list[Campaign]:
    """Return campaigns, newest first."""
    stmt = select(Campaign).order_by(Campaign.no.desc())
    if status:
        stmt = stmt.where(Campaign.status_code == status.strip().upper())
    return list(db_session.scalars(stmt.limit(200)))


def link_segment(
    *,
    db_session: Session,
    actor: Actor,
    campaign: Campaign,
    segment: SegmentHeader,
    target: bool | None = None,
    response: bool | None = None,
) -> SegmentHeader:
    """Link a segment to the campaign, marking it as campaign target or response."""
    if segment.logged_segment_id is not None:
        raise Conflict(f"Segment {segment.no} is logged; its campaign can no longer change.")
    segment.campaign_no = campaign.no
    if target is not None:
        segment.campaign_target = target
    if response is not None:
        segment.campaign_response = response
    stamp(segment, actor)
    db_session.flush()
    log.info("Segment %s linked to campaign %s by %s", segment.no, campaign.no, actor)
    return segment


def segments(*, db_session: Session, campaign: Campaign) -> list[SegmentHeader]:
    """Return the segments linked to the campaign."""
    stmt = select(SegmentHeader).where(SegmentHeader.campaign_no == campaign.no)
    return list(db_session.scalars(stmt.order_by(SegmentHeader.no)))


def entries(*, db_session: Session, campaign: Campaign) -> list[CampaignEntry]:
    """Return the campaign's entries, oldest first."""
    stmt = select(CampaignEntry).where(CampaignEntry.campaign_no == campaign.no)
    return list(db_session.scalars(stmt.order_by(CampaignEntry.id)))


def cancel_entry(*, db_session: Session, actor: Actor, entry_id: int) -> CampaignEntry:
    """Cancel a campaign entry and, with it, the interactions logged under it."""
    entry = db_session.get(CampaignEntry, entry_id)
    if entry is None:
        raise NotFound(f"There is no campaign entry {entry_id}.")
    if entry.canceled:
        raise Conflict(f"Campaign entry {entry_id} is canceled already.")
    entry.canceled = True
    db_session.execute(
        update(InteractionLogEntry)
        .where(InteractionLogEntry.campaign_entry_id == entry.id)
        .values(canceled=True)
    )
    db_session.flush()
    log.info("Campaign entry %d canceled by %s", entry.id, actor)
    return entry


def activate(*, db_session: Session, actor: Actor, campaign: Campaign) -> int:
    """Fill the campaign's target group from its target segment lines and interactions.

    As in Business Central, the group holds companies (a person counts as its company; a
    person without one counts as itself). Rerunning replaces the group.
    """
    from_lines = (
        select(distinct(LINES.c.company_id))
        .join(SegmentHeader, SegmentHeader.id == LINES.c.segment_id)
        .where(
            SegmentHeader.campaign_no == campaign.no,
            SegmentHeader.campaign_target.is_(True),
            LINES.c.removed_by_action.is_(None),
        )
    )
    from_entries = select(distinct(InteractionLogEntry.company_id)).where(
        InteractionLogEntry.campaign_no == campaign.no,
        InteractionLogEntry.campaign_target.is_(True),
        InteractionLogEntry.canceled.is_(False),
        InteractionLogEntry.postponed.is_(False),
    )
    targets = union(from_lines, from_entries).subquery()
    db_session.execute(
        delete(CampaignTargetGroup).where(CampaignTargetGroup.campaign_no == campaign.no)
    )
    rows = select(literal(campaign.no), targets.c[0], literal("contact")).where(
        targets.c[0].is_not(None)
    )
    result = db_session.execute(
        insert(CampaignTargetGroup).from_select(["campaign_no", "contact_id", "type"], rows)
    )
    added = result.rowcount or 0  # type: ignore[attr-defined]
    if not added:
        raise InvalidInput(
            f"Campaign {campaign.no} has no targets to activate.",
            hint="Mark a linked segment as target: `campaign link <campaign> <segment> "
            "target=yes`.",
        )
    stamp(campaign, actor)
    db_session.flush()
    log.info("Campaign %s activated for %d targets by %s", campaign.no, added, actor)
    return int(added)


def deactivate(*, db_session: Session, actor: Actor, campaign: Campaign) -> int:
    """Empty the campaign's target group."""
    result = db_session.execute(
        delete(CampaignTargetGroup).where(CampaignTargetGroup.campaign_no == campaign.no)
    )
    stamp(campaign, actor)
    log.info("Campaign %s deactivated by %s", campaign.no, actor)
    return result.rowcount or 0  # type: ignore[attr-defined]


def target_count(*, db_session: Session, campaign: Campaign) -> int:
    """Return the size of the campaign's target group (0: not activated)."""
    stmt = select(func.count()).where(CampaignTargetGroup.campaign_no == campaign.no)
    return db_session.scalar(stmt) or 0


@dataclass
class CampaignStatistics:
    targets_contacted: int
    contacts_responded: int
    interactions: int
    cost: Decimal
    duration_min: int
    opportunities: int
    estimated_value: Decimal
    calculated_value: Decimal


def statistics(*, db_session: Session, campaign: Campaign) -> CampaignStatistics:
    """Compute the campaign's figures, ignoring canceled and postponed interactions."""
    entry = InteractionLogEntry
    live = [entry.campaign_no == campaign.no, entry.canceled.is_(False), entry.postponed.is_(False)]
    row = db_session.execute(
        select(
            func.count(distinct(entry.contact_id)).filter(entry.campaign_target.is_(True)),
            func.count(distinct(entry.contact_id)).filter(entry.campaign_response.is_(True)),
            func.count(),
            func.coalesce(func.sum(entry.cost), 0),
            func.coalesce(func.sum(entry.duration_min), 0),
        ).where(*live)
    ).one()
    opp = db_session.execute(
        select(
            func.count(distinct(Opportunity.id)),
            func.coalesce(func.sum(OpportunityEntry.estimated_value), 0),
            func.coalesce(func.sum(OpportunityEntry.calcd_current_value), 0),
        )
        .select_from(Opportunity)
        .outerjoin(
            OpportunityEntry,
            (OpportunityEntry.opportunity_id == Opportunity.id) & OpportunityEntry.active.is_(True),
        )
        .where(Opportunity.campaign_no == campaign.no)
    ).one()
    return CampaignStatistics(
        targets_contacted=int(row[0]),
        contacts_responded=int(row[1]),
        interactions=int(row[2]),
        cost=Decimal(row[3] or ZERO),
        duration_min=int(row[4] or 0),
        opportunities=int(opp[0]),
        estimated_value=Decimal(opp[1] or ZERO),
        calculated_value=Decimal(opp[2] or ZERO),
    )

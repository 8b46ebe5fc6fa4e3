"""Campaigns: numbering, dates, linking, activation, entries and statistics."""

import datetime as dt
from decimal import Decimal

import pytest

from crm.campaigns import service, suppression
from crm.errors import Conflict, InvalidInput
from crm.segments import criteria as crit
from crm.segments import logged as logged_service
from crm.segments import service as segment_service
from tests.crm.segments.world import build, interaction, opportunity

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def world(db_session, actor):
    return build(db_session, actor)


def campaign_of(db_session, actor, **extra):
    data = service.CampaignData("Spring fair", **extra)
    return service.create(db_session=db_session, actor=actor, data=data)


def segment_of(db_session, actor, campaign, *, target=False, response=False, **options):
    data = segment_service.SegmentCreate("Fair invitation", salesperson="SAM")
    segment = segment_service.create(db_session=db_session, actor=actor, data=data, today=TODAY)
    criteria = crit.parse(db_session=db_session, options=options, today=TODAY)
    segment_service.run_action(
        db_session=db_session,
        actor=actor,
        segment=segment,
        action=crit.Action.ADD,
        criteria=criteria,
    )
    service.link_segment(
        db_session=db_session,
        actor=actor,
        campaign=campaign,
        segment=segment,
        target=target,
        response=response,
    )
    return segment


def test_campaigns_are_numbered_and_carry_their_fields(db_session, actor, world):
    campaign = campaign_of(
        db_session,
        actor,
        starting_date=TODAY,
        ending_date=TODAY + dt.timedelta(days=30),
        status_code="1-plan",
        salesperson="kim",
    )
    assert (campaign.no, campaign.status_code, campaign.salesperson) == ("CP0001", "1-PLAN", "KIM")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"starting_date": TODAY, "ending_date": TODAY - dt.timedelta(days=1)}, "end"),
        ({"status_code": "LIVE"}, "status"),
        ({"description": " "}, "description"),
    ],
)
def test_bad_campaigns_are_refused(db_session, actor, world, extra, field):
    data = service.CampaignData(**{"description": "Spring fair", **extra})
    with pytest.raises(InvalidInput) as refused:
        service.create(db_session=db_session, actor=actor, data=data)
    assert refused.value.field == field


def test_activation_collects_target_companies(db_session, actor, world):
    campaign = campaign_of(db_session, actor)
    segment_of(db_session, actor, campaign, target=True, job="BUYER")
    segment_of(db_session, actor, campaign, target=False, no="CT000009")
    assert service.activate(db_session=db_session, actor=actor, campaign=campaign) == 2
    assert service.target_count(db_session=db_session, campaign=campaign) == 2  # Acme, Beta
    assert service.deactivate(db_session=db_session, actor=actor, campaign=campaign) == 2
    assert service.target_count(db_session=db_session, campaign=campaign) == 0


def test_activation_without_targets_is_refused(db_session, actor, world):
    campaign = campaign_of(db_session, actor)
    segment_of(db_session, actor, campaign, type="company")
    with pytest.raises(InvalidInput, match="no targets"):
        service.activate(db_session=db_session, actor=actor, campaign=campaign)


def test_statistics_ignore_canceled_and_postponed_interactions(db_session, actor, world):
    campaign = campaign_of(db_session, actor)
    segment = segment_of(db_session, actor, campaign, target=True, job="BUYER,ITMGR")
    logged_service.log_segment(db_session=db_session, actor=actor, segment=segment, template="MEET")
    interaction(
        db_session,
        world["Ann"],
        "RESP",
        TODAY,
        campaign_no=campaign.no,
        campaign_response=True,
        cost=Decimal("2"),
    )
    interaction(
        db_session,
        world["Dan"],
        "RESP",
        TODAY,
        campaign_no=campaign.no,
        campaign_response=True,
        canceled=True,
    )
    interaction(
        db_session,
        world["Bob"],
        "RESP",
        TODAY,
        campaign_no=campaign.no,
        campaign_response=True,
        postponed=True,
    )
    opportunity(
        db_session,
        world["Ann"],
        "OP000010",
        status="in_progress",
        stage=1,
        value="800",
        campaign=campaign.no,
    )
    stats = service.statistics(db_session=db_session, campaign=campaign)
    assert (stats.targets_contacted, stats.contacts_responded) == (2, 1)  # Cat is blocked
    assert (stats.interactions, stats.cost, stats.duration_min) == (3, Decimal("22"), 60)
    assert (stats.opportunities, stats.estimated_value, stats.calculated_value) == (
        1,
        Decimal("800"),
        Decimal("400"),
    )


def test_canceling_an_entry_cancels_its_interactions(db_session, actor, world):
    campaign = campaign_of(db_session, actor)
    segment = segment_of(db_session, actor, campaign, target=True, type="company")
    logged = logged_service.log_segment(
        db_session=db_session, actor=actor, segment=segment, template="MEET"
    ).logged
    entry = service.entries(db_session=db_session, campaign=campaign)[0]
    assert entry.logged_segment_id == logged.id
    service.cancel_entry(db_session=db_session, actor=actor, entry_id=entry.id)
    assert service.statistics(db_session=db_session, campaign=campaign).interactions == 0
    with pytest.raises(Conflict):
        service.cancel_entry(db_session=db_session, actor=actor, entry_id=entry.id)


def test_suppression_records_and_updates_an_address(db_session):
    assert not suppression.is_suppressed(db_session=db_session, address="Ann@Acme.example")
    suppression.add(db_session=db_session, address="Ann@Acme.example", reason="bounced")
    suppression.add(db_session=db_session, address="ann@acme.example ", reason="unsubscribed")
    row = suppression.get(db_session=db_session, address="ANN@acme.example")
    assert row is not None and row.reason == "unsubscribed" and row.at.tzinfo is not None
    with pytest.raises(InvalidInput):
        suppression.add(db_session=db_session, address="ann@acme.example", reason="angry")
    with pytest.raises(InvalidInput):
        suppression.add(db_session=db_session, address="nobody", reason="bounced")

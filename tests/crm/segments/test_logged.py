"""Logging a segment: one interaction per line, campaign entry, follow-up, cancel cascade."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from crm.campaigns import service as campaign_service
from crm.campaigns.models import CampaignEntry
from crm.errors import Conflict, InvalidInput
from crm.interactions.models import InteractionLogEntry
from crm.segments import criteria as crit
from crm.segments import logged as logged_service
from crm.segments import service
from crm.setup.models import Salesperson
from tests.crm.segments.world import build

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def world(db_session, actor):
    return build(db_session, actor)


def segment_of(db_session, actor, salesperson="SAM", **options):
    data = service.SegmentCreate("Spring letter", salesperson=salesperson, subject="Hello")
    segment = service.create(db_session=db_session, actor=actor, data=data, today=TODAY)
    if options:
        criteria = crit.parse(db_session=db_session, options=options, today=TODAY)
        service.run_action(
            db_session=db_session,
            actor=actor,
            segment=segment,
            action=crit.Action.ADD,
            criteria=criteria,
        )
    return segment


def entries(db_session, logged_id):
    stmt = select(InteractionLogEntry).where(InteractionLogEntry.logged_segment_id == logged_id)
    return list(db_session.scalars(stmt.order_by(InteractionLogEntry.contact_id)))


def test_logging_writes_one_interaction_per_line_but_skips_privacy_blocked(
    db_session, actor, world
):
    segment = segment_of(db_session, actor, type="person")
    result = logged_service.log_segment(
        db_session=db_session, actor=actor, segment=segment, template="meet"
    )
    logged = result.logged
    assert (logged.interactions, logged.skipped) == (5, 1)
    written = entries(db_session, logged.id)
    assert [e.contact_id for e in written] == world.ids("Ann", "Bob", "Dan", "Eve", "Fay")
    first = written[0]
    assert (first.template_code, first.cost, first.duration_min) == ("MEET", 10, 30)
    assert (first.salesperson, first.segment_no, first.subject) == ("SAM", segment.no, "Hello")
    assert first.company_id == world["Acme"].id
    assert first.occurred_at.tzinfo is not None and first.created_by == "test"
    assert segment.logged_segment_id == logged.id


def test_lines_take_the_contacts_salesperson_when_the_segment_has_none(db_session, actor, world):
    segment = segment_of(db_session, actor, salesperson=None, no="CT000004,CT000007")
    logged = logged_service.log_segment(
        db_session=db_session, actor=actor, segment=segment, template="MAIL"
    ).logged
    assert [e.salesperson for e in entries(db_session, logged.id)] == ["SAM", "KIM"]


def test_an_empty_segment_is_refused_and_nothing_is_written(db_session, actor, world):
    segment = segment_of(db_session, actor)
    with pytest.raises(InvalidInput, match="empty"):
        logged_service.log_segment(
            db_session=db_session, actor=actor, segment=segment, template="MEET"
        )
    assert segment.logged_segment_id is None


def test_logging_needs_a_template_and_happens_once(db_session, actor, world):
    segment = segment_of(db_session, actor, type="company")
    with pytest.raises(InvalidInput) as refused:
        logged_service.log_segment(db_session=db_session, actor=actor, segment=segment)
    assert refused.value.field == "template"
    logged_service.log_segment(db_session=db_session, actor=actor, segment=segment, template="MEET")
    with pytest.raises(Conflict):
        logged_service.log_segment(
            db_session=db_session, actor=actor, segment=segment, template="MEET"
        )
    with pytest.raises(Conflict, match="logged"):
        service.go_back(db_session=db_session, actor=actor, segment=segment)


def test_a_segment_of_only_blocked_contacts_is_refused(db_session, actor, world):
    segment = segment_of(db_session, actor, no="CT000006")
    with pytest.raises(Conflict, match="privacy blocked"):
        logged_service.log_segment(
            db_session=db_session, actor=actor, segment=segment, template="MEET"
        )


def test_campaign_segments_log_a_campaign_entry_and_a_follow_up(db_session, actor, world):
    campaign = campaign_service.create(
        db_session=db_session, actor=actor, data=campaign_service.CampaignData("Spring")
    )
    segment = segment_of(db_session, actor, job="BUYER,ITMGR")
    campaign_service.link_segment(
        db_session=db_session, actor=actor, campaign=campaign, segment=segment, target=True
    )
    result = logged_service.log_segment(
        db_session=db_session, actor=actor, segment=segment, template="MAIL", follow_up=True
    )
    entry = db_session.scalars(select(CampaignEntry)).one()
    assert (entry.campaign_no, entry.logged_segment_id) == (campaign.no, result.logged.id)
    written = entries(db_session, result.logged.id)
    assert {(e.campaign_no, e.campaign_entry_id, e.campaign_target) for e in written} == {
        (campaign.no, entry.id, True)
    }
    follow = result.follow_up
    assert follow is not None and follow.description == f"Follow-up on segment {segment.no}"
    assert follow.campaign_no == campaign.no
    assert service.contact_ids(db_session=db_session, segment=follow) == world.ids(
        "Ann", "Cat", "Dan"
    )


def test_reusing_a_logged_segment_adds_its_contacts(db_session, actor, world):
    segment = segment_of(db_session, actor, job="BUYER,ITMGR")
    logged = logged_service.log_segment(
        db_session=db_session, actor=actor, segment=segment, template="MAIL"
    ).logged
    again = segment_of(db_session, actor)
    service.reuse_logged(db_session=db_session, actor=actor, segment=again, logged_id=logged.id)
    assert service.contact_ids(db_session=db_session, segment=again) == world.ids("Ann", "Dan")


def test_cancel_cascades_to_interactions_and_campaign_entries(db_session, actor, world):
    campaign = campaign_service.create(
        db_session=db_session, actor=actor, data=campaign_service.CampaignData("Spring")
    )
    segment = segment_of(db_session, actor, type="company")
    campaign_service.link_segment(
        db_session=db_session, actor=actor, campaign=campaign, segment=segment
    )
    logged = logged_service.log_segment(
        db_session=db_session, actor=actor, segment=segment, template="MEET"
    ).logged
    assert logged_service.cancel_logged(db_session=db_session, actor=actor, logged=logged) == 2
    assert all(e.canceled for e in entries(db_session, logged.id))
    assert db_session.scalars(select(CampaignEntry.canceled)).one() is True
    assert campaign_service.statistics(db_session=db_session, campaign=campaign).interactions == 0
    with pytest.raises(Conflict):
        logged_service.cancel_logged(db_session=db_session, actor=actor, logged=logged)
    found = service.get_logged(db_session=db_session, key=segment.no)
    assert found.id == logged.id and found.canceled
    count = db_session.scalar(select(func.count()).select_from(InteractionLogEntry))
    assert count == 3 + 2  # nothing deleted: cancel is soft


def test_a_blocked_salesperson_cannot_log(db_session, actor, world):
    segment = segment_of(db_session, actor, type="company")
    db_session.get(Salesperson, "SAM").blocked = True
    with pytest.raises(InvalidInput) as refused:
        logged_service.log_segment(
            db_session=db_session, actor=actor, segment=segment, template="MEET"
        )
    assert refused.value.field == "salesperson"
    segment.salesperson = None  # then each line needs its contact's own, unblocked, salesperson
    with pytest.raises(InvalidInput, match="CT000001"):
        logged_service.log_segment(
            db_session=db_session, actor=actor, segment=segment, template="MEET"
        )

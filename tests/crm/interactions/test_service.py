"""Interactions: logging rules, list filters, cancel and restore, statistics, the timeline."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm.errors import Conflict, InvalidInput, NotFound
from crm.interactions import service as interactions
from crm.interactions import timeline as timelines
from crm.interactions.models import InitiatedBy, InteractionLogEntry
from crm.interactions.service import InteractionCreate, InteractionFilter
from crm.opportunities import service as opps
from tests.activity_seed import seed

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def data(db_session, actor):
    return seed(db_session, actor)


def log(db_session, actor, contact, template="CALL_OUT", hours=0, **values):
    values.setdefault("description", "Talked about coffee")
    values.setdefault("salesperson", "BOB")
    return interactions.log_interaction(
        db_session=db_session,
        actor=actor,
        contact=contact,
        data=InteractionCreate(
            template=template, occurred_at=T0 + dt.timedelta(hours=hours), **values
        ),
    )


def test_template_defaults_fill_cost_duration_flow(db_session, actor, data):
    entry = log(db_session, actor, data.person)

    assert (entry.cost, entry.duration_min) == (Decimal("2.50"), 10)
    assert (entry.information_flow, entry.initiated_by) == ("outbound", "us")
    assert entry.group_code == "PHONE"
    assert entry.company_id == data.company.id


def test_privacy_blocked_contact_is_refused_and_nothing_written(db_session, actor, data):
    data.person.privacy_blocked = True

    with pytest.raises(Conflict, match="privacy blocked"):
        log(db_session, actor, data.person)
    assert db_session.scalar(select(func.count(InteractionLogEntry.id))) == 0


def test_link_to_an_unknown_opportunity_is_refused(db_session, actor, data):
    with pytest.raises(NotFound, match="OP999999"):
        log(db_session, actor, data.person, opportunity_no="op999999")


def test_list_filters_and_company_spans_persons(db_session, actor, data):
    log(db_session, actor, data.person, hours=1)
    log(db_session, actor, data.company, template="MEET", hours=2, salesperson="ANN")
    log(db_session, actor, data.other, hours=3)

    page = interactions.list_interactions(
        db_session=db_session, where=InteractionFilter(contact=data.company)
    )
    assert [e.template_code for e in page.entries] == ["MEET", "CALL_OUT"]  # newest first
    page = interactions.list_interactions(
        db_session=db_session, where=InteractionFilter(salesperson="bob", template="call_out")
    )
    assert page.total == 2
    page = interactions.list_interactions(
        db_session=db_session,
        where=InteractionFilter(since=T0 + dt.timedelta(hours=2), until=T0 + dt.timedelta(hours=3)),
    )
    assert [e.template_code for e in page.entries] == ["MEET"]


def test_statistics_ignore_canceled_and_postponed(db_session, actor, data):
    log(db_session, actor, data.person, hours=1)
    failed = log(db_session, actor, data.person, hours=5, attempt_failed=True)
    log(db_session, actor, data.company, template="MEET", hours=2)
    canceled = log(db_session, actor, data.person, template="MEET", hours=9)
    interactions.cancel(db_session=db_session, actor=actor, entry=canceled)
    postponed = log(db_session, actor, data.person, hours=10)
    postponed.postponed = True
    log(db_session, actor, data.other, hours=20)

    company = interactions.statistics(db_session=db_session, contact=data.company)
    # 2.50 + 2.50 + 40 and 10 + 10 + 60 minutes; the failed call is the last attempt.
    assert (company.count, company.cost, company.duration_min) == (3, Decimal("45.00"), 80)
    assert company.last_date == T0 + dt.timedelta(hours=2)
    assert company.last_attempted == failed.occurred_at
    person = interactions.statistics(db_session=db_session, contact=data.person)
    assert (person.count, person.cost) == (2, Decimal("5.00"))
    template = interactions.statistics(db_session=db_session, template="MEET")
    assert template.count == 1
    salesperson = interactions.statistics(db_session=db_session, salesperson="BOB")
    assert salesperson.count == 4


def test_last_attempted_only_counts_initiated_by_us(db_session, actor, data):
    log(db_session, actor, data.person, template="CALL_IN", hours=4)

    figures = interactions.statistics(db_session=db_session, contact=data.person)
    assert figures.last_attempted is None
    assert figures.last_date == T0 + dt.timedelta(hours=4)
    log(db_session, actor, data.person, hours=1, initiated_by=InitiatedBy.US)
    figures = interactions.statistics(db_session=db_session, contact=data.person)
    assert figures.last_attempted == T0 + dt.timedelta(hours=1)


def test_cancel_and_restore(db_session, actor, data):
    entry = log(db_session, actor, data.person)
    interactions.cancel(db_session=db_session, actor=actor, entry=entry)

    with pytest.raises(Conflict, match="canceled already"):
        interactions.cancel(db_session=db_session, actor=actor, entry=entry)
    assert interactions.statistics(db_session=db_session, contact=data.person).count == 0
    interactions.restore(db_session=db_session, actor=actor, entry=entry)
    assert interactions.statistics(db_session=db_session, contact=data.person).count == 1


def test_restore_refused_when_a_registered_rule_says_so(db_session, actor, data):
    entry = log(db_session, actor, data.person)
    entry.logged_segment_id = 7
    interactions.cancel(db_session=db_session, actor=actor, entry=entry)

    def segment_canceled(session, item):
        return "its logged segment 7 is canceled." if item.logged_segment_id == 7 else None

    interactions.register_restore_check(segment_canceled)
    try:
        with pytest.raises(Conflict, match="logged segment 7 is canceled"):
            interactions.restore(db_session=db_session, actor=actor, entry=entry)
        assert entry.canceled is True
    finally:
        interactions.RESTORE_CHECKS.remove(segment_canceled)


def test_opportunity_from_interaction_copies_and_links(db_session, actor, data):
    entry = log(db_session, actor, data.person, description="Wants a quote", salesperson="ANN")
    opportunity = opps.create(
        db_session=db_session,
        actor=actor,
        contact=data.person,
        data=opps.OpportunityCreate(description=""),
        interaction=entry,
    )

    assert (opportunity.description, opportunity.salesperson) == ("Wants a quote", "ANN")
    assert (opportunity.interaction_id, entry.opportunity_no) == (entry.id, opportunity.no)
    with pytest.raises(Conflict, match="linked"):
        opps.create(
            db_session=db_session,
            actor=actor,
            contact=data.person,
            data=opps.OpportunityCreate(description="again"),
            interaction=entry,
        )


def test_no_opportunity_from_a_canceled_interaction(db_session, actor, data):
    entry = log(db_session, actor, data.person)
    interactions.cancel(db_session=db_session, actor=actor, entry=entry)

    with pytest.raises(Conflict, match="canceled"):
        opps.create(
            db_session=db_session,
            actor=actor,
            contact=data.person,
            data=opps.OpportunityCreate(description="x"),
            interaction=entry,
        )


def test_timeline_merges_kinds_newest_first_and_pages(db_session, actor, data):
    for hour in range(5):
        log(db_session, actor, data.person, hours=hour * 24)
    opps.create(
        db_session=db_session,
        actor=actor,
        contact=data.person,
        data=opps.OpportunityCreate(description="Machines", salesperson="BOB"),
        today=dt.date(2026, 3, 4),
    )

    first = timelines.timeline(db_session=db_session, contact=data.company, limit=3)
    assert first.total == 6
    assert [i.when.day for i in first.items] == [6, 5, 4]
    second = timelines.timeline(db_session=db_session, contact=data.company, limit=3, offset=3)
    # The opportunity of the 4th counts from midnight, after that day's 9 o'clock call.
    assert [i.kind for i in second.items] == ["opportunity", "interaction", "interaction"]
    assert [i.when.day for i in second.items] == [4, 3, 2]
    assert len({i.key for i in first.items} | {i.key for i in second.items}) == 6


def test_contact_statistics_span_company(db_session, actor, data):
    log(db_session, actor, data.person)
    opps.create(
        db_session=db_session,
        actor=actor,
        contact=data.person,
        data=opps.OpportunityCreate(
            description="Machines", salesperson="BOB", estimated_value=Decimal("1000")
        ),
    )

    figures = timelines.contact_statistics(db_session=db_session, contact=data.company)
    assert figures.interactions.count == 1
    assert (figures.open_opportunities, figures.estimated_value) == (1, Decimal("1000.00"))
    assert figures.calcd_current_value == Decimal("100.00")
    assert figures.open_tasks == 0


def test_bad_entry_number_says_how_to_find_one(db_session):
    with pytest.raises(InvalidInput, match="not an interaction entry number"):
        interactions.get_or_raise(db_session=db_session, entry_no="abc")

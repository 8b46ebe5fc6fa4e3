"""Segment criteria: each filter section, the options, and refusals of unknown input."""

import datetime as dt

import pytest

from crm.errors import InvalidInput
from crm.segments import criteria as crit
from crm.segments import service
from tests.crm.segments.world import build

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def world(db_session, actor):
    return build(db_session, actor)


@pytest.fixture
def segment(db_session, actor, world):
    data = service.SegmentCreate("Spring mailing", salesperson="SAM")
    return service.create(db_session=db_session, actor=actor, data=data, today=TODAY)


def add(db_session, actor, segment, **options):
    criteria = crit.parse(db_session=db_session, options=options, today=TODAY)
    service.run_action(
        db_session=db_session,
        actor=actor,
        segment=segment,
        action=crit.Action.ADD,
        criteria=criteria,
    )
    return service.contact_ids(db_session=db_session, segment=segment)


@pytest.mark.parametrize(
    ("options", "names"),
    [
        ({"type": "person"}, ["Ann", "Bob", "Cat", "Dan", "Eve", "Fay"]),
        ({"type": "company", "salesperson": "KIM"}, ["Beta"]),
        ({"territory": "NORTH"}, ["Acme", "Ann", "Bob", "Eve"]),
        ({"post_code": "101*"}, ["Acme", "Ann", "Bob", "Eve"]),  # persons inherit the address
        ({"relation": "CUST", "type": "person"}, ["Ann", "Bob", "Eve"]),
        ({"relation": "CUST,PROS", "type": "company"}, ["Acme", "Beta"]),
        ({"industry": "RETAIL"}, ["Beta", "Cat", "Dan", "Eve"]),
        ({"job": "BUYER"}, ["Ann", "Cat"]),
        ({"interaction.template": "MEET"}, ["Ann"]),
        ({"interaction.from": "2026-01-01"}, ["Ann"]),
        ({"interaction.to": "2025-12-31"}, ["Dan"]),
        ({"interaction.evaluation": "positive"}, ["Ann"]),
        ({"opp.status": "won"}, ["Dan"]),
        ({"opp.cycle": "STD", "opp.stage": "2"}, ["Ann"]),
        ({"task.status": "not_started", "task.type": "meeting"}, ["Bob"]),
        ({"task.from": "2026-02-01", "task.to": "2026-03-31"}, ["Bob"]),
        ({"name": "an"}, ["Ann", "Dan"]),
        ({"no": "CT000001"}, ["Acme"]),
    ],
)
def test_add_selects_contacts_matching_every_section(
    db_session, actor, world, segment, options, names
):
    assert add(db_session, actor, segment, **options) == world.ids(*names)


def test_canceled_interactions_do_not_match(db_session, actor, world, segment):
    assert add(db_session, actor, segment, **{"interaction.from": "2026-02-15"}) == []


def test_expand_companies_adds_their_persons(db_session, actor, world, segment):
    ids = add(db_session, actor, segment, relation="CUST", type="company", expand="yes")
    assert ids == world.ids("Acme", "Ann", "Bob")
    ids = add(db_session, actor, segment, type="company", expand="yes", ignore_exclusion="yes")
    assert ids == world.ids("Acme", "Ann", "Bob", "Beta", "Cat", "Dan", "Gamma", "Eve")


def test_related_companies_adds_the_companies_of_persons(db_session, actor, world, segment):
    ids = add(db_session, actor, segment, job="BUYER", related="yes")
    assert ids == world.ids("Ann", "Cat", "Acme", "Beta")


def test_excluded_contacts_stay_out_unless_exclusion_is_ignored(db_session, actor, world, segment):
    assert add(db_session, actor, segment, type="company") == world.ids("Acme", "Beta")
    ids = add(db_session, actor, segment, type="company", ignore_exclusion="yes")
    assert ids == world.ids("Acme", "Beta", "Gamma")


def test_adding_twice_never_duplicates_a_contact(db_session, actor, world, segment):
    add(db_session, actor, segment, type="person")
    assert add(db_session, actor, segment, salesperson="SAM") == world.ids(
        "Acme", "Ann", "Bob", "Cat", "Dan", "Eve", "Fay"
    )


@pytest.mark.parametrize(
    ("options", "field", "listed"),
    [
        ({"colour": "red"}, "colour", "interaction.template"),
        ({"type": "robot"}, "type", "company, person"),
        ({"relation": "NOPE"}, "relation", "CUST, PROS"),
        ({"interaction.evaluation": "great"}, "interaction.evaluation", "very_positive"),
        ({"opp.status": "open"}, "opp.status", "in_progress"),
        ({"interaction.from": "someday"}, "interaction.from", None),
        ({"expand": "maybe"}, "expand", None),
    ],
)
def test_unknown_fields_and_values_are_refused_with_the_valid_ones(
    db_session, world, options, field, listed
):
    with pytest.raises(InvalidInput) as refused:
        crit.parse(db_session=db_session, options=options, today=TODAY)
    assert refused.value.field == field
    if listed:
        assert listed in (refused.value.hint or "")


def test_criteria_round_trip_through_their_text(db_session, world):
    options = {"name": "Acme Corp", "type": "company", "relation": "cust", "expand": "yes"}
    criteria = crit.parse(db_session=db_session, options=options, today=TODAY)
    assert criteria.text() == "name='Acme Corp' type=company relation=CUST expand=yes"
    again = crit.parse(db_session=db_session, options=crit.split_text(criteria.text()), today=TODAY)
    assert again == criteria

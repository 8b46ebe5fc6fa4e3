"""Segment actions: reduce, refine, go back to exact contents, save and reuse criteria."""

import datetime as dt

import pytest
from sqlalchemy import select

from crm.contacts.models import ContactMailingGroup
from crm.errors import Conflict, InvalidInput, NotFound
from crm.segments import criteria as crit
from crm.segments import service
from tests.crm.segments.world import build

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def world(db_session, actor):
    return build(db_session, actor)


def new(db_session, actor, description="Spring mailing"):
    data = service.SegmentCreate(description, salesperson="SAM")
    return service.create(db_session=db_session, actor=actor, data=data, today=TODAY)


@pytest.fixture
def segment(db_session, actor, world):
    return new(db_session, actor)


def act(db_session, actor, segment, action, **options):
    criteria = crit.parse(db_session=db_session, options=options, today=TODAY)
    service.run_action(
        db_session=db_session,
        actor=actor,
        segment=segment,
        action=crit.Action(action),
        criteria=criteria,
    )
    return service.contact_ids(db_session=db_session, segment=segment)


def test_new_segments_are_numbered_from_the_series(db_session, actor, world):
    first, second = new(db_session, actor), new(db_session, actor)
    assert (first.no, second.no) == ("SM00001", "SM00002")


def test_a_segment_needs_a_description(db_session, actor, world):
    with pytest.raises(InvalidInput) as refused:
        service.create(
            db_session=db_session, actor=actor, data=service.SegmentCreate(" "), today=TODAY
        )
    assert refused.value.field == "description"


def test_reduce_removes_the_matching_contacts(db_session, actor, world, segment):
    act(db_session, actor, segment, "add", type="person")
    ids = act(db_session, actor, segment, "reduce", job="BUYER")
    assert ids == world.ids("Bob", "Dan", "Eve", "Fay")


def test_reduce_entire_companies_removes_their_persons(db_session, actor, world, segment):
    act(db_session, actor, segment, "add", salesperson="SAM")
    ids = act(db_session, actor, segment, "reduce", type="company", no="CT000001", expand="yes")
    assert ids == world.ids("Fay")


def test_refine_keeps_only_the_matching_contacts(db_session, actor, world, segment):
    act(db_session, actor, segment, "add", type="person")
    ids = act(db_session, actor, segment, "refine", relation="CUST")
    assert ids == world.ids("Ann", "Bob", "Eve")


def test_back_restores_exact_contents_step_by_step(db_session, actor, world, segment):
    snapshots = [service.contact_ids(db_session=db_session, segment=segment)]
    steps = [
        ("add", {"type": "person"}),
        ("reduce", {"job": "BUYER"}),
        ("add", {"job": "BUYER"}),  # re-adds the contacts the previous step removed
        ("refine", {"territory": "NORTH"}),
        ("add", {"type": "company", "ignore_exclusion": "yes"}),
        ("reduce", {"no": "CT000009,CT000004"}),
    ]
    for action, options in steps:
        snapshots.append(act(db_session, actor, segment, action, **options))
    assert snapshots[3] == snapshots[1]  # the same contacts, through other lines

    for expected in reversed(snapshots[:-1]):
        service.go_back(db_session=db_session, actor=actor, segment=segment)
        assert service.contact_ids(db_session=db_session, segment=segment) == expected
    assert service.actions(db_session=db_session, segment=segment) == []


def test_back_several_steps_at_once(db_session, actor, world, segment):
    first = act(db_session, actor, segment, "add", type="company")
    act(db_session, actor, segment, "add", type="person")
    act(db_session, actor, segment, "refine", territory="NORTH")
    undone = service.go_back(db_session=db_session, actor=actor, segment=segment, steps=2)
    assert [record.action for record in undone] == ["refine", "add"]
    assert service.contact_ids(db_session=db_session, segment=segment) == first
    assert [a.action_no for a in service.actions(db_session=db_session, segment=segment)] == [1]


def test_back_with_nothing_to_undo_is_refused(db_session, actor, world, segment):
    with pytest.raises(Conflict):
        service.go_back(db_session=db_session, actor=actor, segment=segment)
    act(db_session, actor, segment, "add", type="company")
    with pytest.raises(InvalidInput):
        service.go_back(db_session=db_session, actor=actor, segment=segment, steps=2)


def test_saved_criteria_replay_in_order_on_another_segment(db_session, actor, world, segment):
    act(db_session, actor, segment, "add", type="person")
    expected = act(db_session, actor, segment, "reduce", relation="PROS")
    service.save_criteria(db_session=db_session, actor=actor, segment=segment, code="custs")
    other = new(db_session, actor, "Reused")
    done = service.reuse_criteria(
        db_session=db_session, actor=actor, segment=other, code="CUSTS", today=TODAY
    )
    assert [record.action for record in done] == ["add", "reduce"]
    assert service.contact_ids(db_session=db_session, segment=other) == expected
    service.go_back(db_session=db_session, actor=actor, segment=other)
    assert len(service.contact_ids(db_session=db_session, segment=other)) == 6


def test_saving_under_a_taken_code_or_without_actions_is_refused(db_session, actor, world, segment):
    with pytest.raises(InvalidInput):
        service.save_criteria(db_session=db_session, actor=actor, segment=segment, code="X")
    act(db_session, actor, segment, "add", type="person")
    service.save_criteria(db_session=db_session, actor=actor, segment=segment, code="X")
    with pytest.raises(Conflict):
        service.save_criteria(db_session=db_session, actor=actor, segment=segment, code="x")
    with pytest.raises(NotFound):
        service.reuse_criteria(
            db_session=db_session, actor=actor, segment=segment, code="NOPE", today=TODAY
        )


def test_mailing_group_is_given_to_every_contact_once(db_session, actor, world, segment):
    act(db_session, actor, segment, "add", job="BUYER")
    db_session.add(ContactMailingGroup(contact_id=world["Ann"].id, code="NEWS"))
    db_session.flush()
    added = service.apply_mailing_group(
        db_session=db_session, actor=actor, segment=segment, code="news"
    )
    assert added == 1
    members = db_session.scalars(
        select(ContactMailingGroup.contact_id).where(ContactMailingGroup.code == "NEWS")
    )
    assert sorted(members) == world.ids("Ann", "Cat")
    assert act(db_session, actor, new(db_session, actor), "add", mailing="NEWS") == world.ids(
        "Ann", "Cat"
    )
    with pytest.raises(InvalidInput) as refused:
        service.apply_mailing_group(db_session=db_session, actor=actor, segment=segment, code="Z")
    assert "NEWS" in (refused.value.hint or "")


def test_a_contact_on_an_unlogged_segment_keeps_its_company_and_is_kept(
    db_session, actor, world, segment
):
    from crm.contacts import service as contacts
    from crm.segments import logged as logged_service

    fay, dan = world["Fay"], world["Dan"]
    act(db_session, actor, segment, "add", no=f"{fay.no},{dan.no}")

    for person, doing in ((dan, "move to another company"), (fay, "move to another company")):
        with pytest.raises(Conflict, match=f"cannot {doing} while on segment SM00001") as refused:
            contacts.update(
                db_session=db_session, actor=actor, contact=person, values={"company": "Acme"}
            )
        assert f"segment reduce SM00001 no={person.no}" in refused.value.hint
    with pytest.raises(Conflict, match="cannot leave its company while on segment SM00001"):
        contacts.update(db_session=db_session, actor=actor, contact=dan, values={"company": ""})
    with pytest.raises(Conflict, match="cannot be deleted: it is on segment SM00001"):
        contacts.remove(db_session=db_session, actor=actor, contact=fay)
    with pytest.raises(Conflict, match="it or its persons are on segment SM00001"):
        contacts.remove(db_session=db_session, actor=actor, contact=world["Beta"])
    assert dan.company_id == world["Beta"].id

    act(db_session, actor, segment, "reduce", no=dan.no)
    contacts.update(db_session=db_session, actor=actor, contact=dan, values={"company": "Acme"})
    logged_service.log_segment(db_session=db_session, actor=actor, segment=segment, template="MAIL")
    contacts.update(db_session=db_session, actor=actor, contact=fay, values={"company": "Acme"})

    assert (dan.company_id, fay.company_id) == (world["Acme"].id,) * 2

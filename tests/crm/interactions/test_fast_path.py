"""The fast path for callers logging many interactions: the same rules, the same rows."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from crm.errors import Conflict, InvalidInput
from crm.interactions import service as interactions
from crm.interactions.models import InteractionLogEntry
from crm.interactions.service import InteractionCreate
from tests.activity_seed import seed

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
COMPARED = (
    "contact_id", "company_id", "occurred_at", "description", "template_code", "group_code",
    "information_flow", "initiated_by", "cost", "duration_min", "salesperson", "evaluation",
    "attempt_failed", "correspondence_type", "campaign_no", "canceled", "postponed",
    "created_via", "created_by",
)  # fmt: skip


@pytest.fixture
def data(db_session, actor):
    return seed(db_session, actor)


def both(db_session, actor, contact, **values):
    values.setdefault("description", "Talked about coffee")
    values.setdefault("salesperson", "BOB")
    item = InteractionCreate(template="CALL_OUT", occurred_at=T0, **values)
    rules = interactions.log_rules(db_session=db_session)
    fast = interactions.log_interaction_fast(
        db_session=db_session, actor=actor, contact=contact, data=item, rules=rules
    )
    slow = interactions.log_interaction(
        db_session=db_session, actor=actor, contact=contact, data=item
    )
    return fast, slow


def test_the_fast_path_writes_the_row_the_ordinary_one_writes(db_session, actor, data):
    fast, slow = both(db_session, actor, data.person)
    db_session.expire_all()

    stored = {e.id: e for e in db_session.scalars(select(InteractionLogEntry))}
    assert fast.id != slow.id and set(stored) == {fast.id, slow.id}
    for name in COMPARED:
        assert getattr(stored[fast.id], name) == getattr(stored[slow.id], name), name


def test_the_fast_path_refuses_what_the_ordinary_one_refuses(db_session, actor, data):
    rules = interactions.log_rules(db_session=db_session)

    def fast(contact, **values):
        values.setdefault("description", "Talked")
        values.setdefault("salesperson", "BOB")
        item = InteractionCreate(template="CALL_OUT", **values)
        return interactions.log_interaction_fast(
            db_session=db_session, actor=actor, contact=contact, data=item, rules=rules
        )

    data.person.privacy_blocked = True
    with pytest.raises(Conflict, match="privacy blocked"):
        fast(data.person)
    data.person.privacy_blocked = False
    with pytest.raises(InvalidInput, match="description"):
        fast(data.person, description=" ")
    # OLD is blocked, so not among the rules: the ordinary path refuses, with its message.
    with pytest.raises(InvalidInput, match="blocked"):
        fast(data.person, salesperson="OLD")
    assert db_session.scalar(select(func.count(InteractionLogEntry.id))) == 0

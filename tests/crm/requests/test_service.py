"""Request keys: a request is acted on once; a refused one can be sent again."""

import datetime as dt

import pytest

from crm.requests import service as request_service
from crm.requests.models import ProcessedRequest


def test_a_key_is_claimed_once(db_session):
    request_service.claim(db_session=db_session, key="view:V1")

    with pytest.raises(request_service.DuplicateRequest, match="already done"):
        request_service.claim(db_session=db_session, key="view:V1")


def test_a_key_is_free_again_after_its_window(db_session):
    row = request_service.claim(db_session=db_session, key="click:U1:1.1:b:v")
    row.created_at -= dt.timedelta(seconds=31)

    request_service.claim(
        db_session=db_session, key="click:U1:1.1:b:v", window=dt.timedelta(seconds=30)
    )


def test_a_rolled_back_claim_leaves_no_trace(sessions):
    with pytest.raises(RuntimeError), sessions.begin() as session:
        request_service.claim(db_session=session, key="view:V2")
        raise RuntimeError("the command was refused")

    with sessions.begin() as session:
        request_service.claim(db_session=session, key="view:V2")


def test_old_keys_are_purged(db_session):
    row = request_service.claim(db_session=db_session, key="event:E1")
    row.created_at -= dt.timedelta(days=3)
    db_session.flush()

    assert request_service.purge(db_session=db_session) == 1
    assert db_session.get(ProcessedRequest, "event:E1") is None

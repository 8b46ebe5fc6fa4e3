"""Housekeeping: old Slack request keys are purged daily, recent ones kept."""

import datetime as dt

from sqlalchemy import select

from crm.db import utcnow
from crm.requests.models import ProcessedRequest
from scheduler.housekeeping import purge_request_keys
from scheduler.jobs import static_jobs
from scheduler.ports import Collaborators


def test_the_purge_runs_daily():
    jobs = {spec.job_id: spec for spec in static_jobs()}

    assert jobs["purge-request-keys"].schedule == "daily at 03:17 UTC"


def test_old_keys_go_and_recent_ones_stay(sessions):
    with sessions.begin() as session:
        session.add(ProcessedRequest(key="old", created_at=utcnow() - dt.timedelta(days=3)))
        session.add(ProcessedRequest(key="new", created_at=utcnow()))

    outcome = purge_request_keys(Collaborators(sessions=sessions))

    with sessions() as session:
        assert list(session.scalars(select(ProcessedRequest.key))) == ["new"]
    assert outcome.done == 1

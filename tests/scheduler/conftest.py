"""Fixtures of the scheduler tests: committed data on each backend, cleaned afterwards."""

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session, sessionmaker

from crm import db
from crm.jobs.models import JobRequest, JobRun, JobState, SchedulerLease, apscheduler_jobs
from scheduler.ports import Collaborators

JOB_TABLES = (JobRequest, JobRun, JobState, SchedulerLease)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def committed(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions that really commit (threads and other processes see the data); emptied after."""
    yield db.make_sessionmaker(engine)
    with engine.begin() as connection:
        connection.execute(delete(apscheduler_jobs))
        for table in JOB_TABLES:
            connection.execute(delete(table))


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC))


@pytest.fixture
def collaborators(sessions: sessionmaker[Session], clock: Clock) -> Collaborators:
    """Collaborators on the test's rolled-back transaction, with the hand-moved clock."""
    return Collaborators(sessions=sessions, instance="test", clock=clock)

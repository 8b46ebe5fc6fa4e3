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


@pytest.fixture
def fresh_url(database_url: str, tmp_path) -> Iterator[str]:
    """A new, migrated, committed database of the same backend, for other processes to use."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        engine = db.make_engine(url)
        db.upgrade(engine)
        engine.dispose()
        yield url
        return
    base = make_url(database_url)
    name = f"rapport_fresh_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

"""The scheduler service: registered triggers, pauses that survive restarts, runs on request."""

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from crm import db
from crm.audit import Actor, Channel
from crm.jobs import service as job_service
from crm.jobs.models import JobAction, JobRun
from scheduler.jobs import FUNCTIONS, JobSpec, static_jobs
from scheduler.leader import LeaseLock
from scheduler.ports import Collaborators
from scheduler.runtime import Outcome
from scheduler.service import SchedulerService

ADMIN = Actor(Channel.CONSOLE, None, "admin")


def _service(engine: Engine, sessions: sessionmaker[Session], name: str, specs=None):
    collaborators = Collaborators(sessions=sessions, instance=name)
    lock = LeaseLock(engine, holder=name, ttl=dt.timedelta(seconds=5))
    return SchedulerService(
        collaborators=collaborators,
        job_store_engine=db.make_engine(engine.url.render_as_string(hide_password=False)),
        lock=lock,
        specs=lambda session: specs if specs is not None else static_jobs(),
        recheck_seconds=0.2,
    )


@pytest.fixture
def leader(engine: Engine, committed: sessionmaker[Session]) -> Iterator[SchedulerService]:
    service = _service(engine, committed, "one")
    service.tick()
    yield service
    service.stop()


def _wait_for(condition, seconds: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met before the deadline")


def test_the_leader_registers_every_job_with_its_trigger_and_grace(leader: SchedulerService):
    jobs = {job.id: job for job in leader.scheduler.get_jobs()}

    assert set(jobs) == {
        "task-reminders",
        "overdue-summary",
        "campaign-sends",
        "purge-request-keys",
    }
    assert isinstance(jobs["task-reminders"].trigger, IntervalTrigger)
    assert jobs["task-reminders"].trigger.interval == dt.timedelta(minutes=5)
    assert isinstance(jobs["overdue-summary"].trigger, CronTrigger)
    assert str(jobs["overdue-summary"].trigger) == "cron[minute='2']"
    assert jobs["campaign-sends"].misfire_grace_time == 3600
    assert jobs["task-reminders"].misfire_grace_time == 600
    assert all(job.coalesce and job.max_instances == 1 for job in jobs.values())
    assert jobs["task-reminders"].func_ref == "scheduler.runtime:run_job"


def test_jobs_list_shows_the_registered_jobs(leader: SchedulerService, committed):
    with committed.begin() as session:
        states = {job.job_id: job for job in job_service.find(db_session=session)}

    assert states["overdue-summary"].schedule == "hourly at :02"
    assert states["task-reminders"].next_run_at is not None


def test_a_restart_keeps_the_stored_next_run_and_does_not_duplicate_jobs(engine: Engine, committed):
    first = _service(engine, committed, "one")
    first.tick()
    before = first.scheduler.get_job("overdue-summary").next_run_time
    first.stop()

    second = _service(engine, committed, "two")
    second.tick()
    try:
        jobs = second.scheduler.get_jobs()
        assert len(jobs) == len(static_jobs())
        assert second.scheduler.get_job("overdue-summary").next_run_time == before
    finally:
        second.stop()


def test_a_pause_is_applied_by_the_leader_and_survives_a_restart(engine: Engine, committed):
    first = _service(engine, committed, "one")
    first.tick()
    with committed.begin() as session:
        job_service.request(
            db_session=session, actor=ADMIN, job_id="task-reminders", action=JobAction.PAUSE
        )
    first.tick()
    assert first.scheduler.get_job("task-reminders").next_run_time is None
    first.stop()

    second = _service(engine, committed, "two")
    second.tick()
    try:
        assert second.scheduler.get_job("task-reminders").next_run_time is None
        assert second.scheduler.get_job("overdue-summary").next_run_time is not None
        with committed.begin() as session:
            job_service.request(
                db_session=session, actor=ADMIN, job_id="task-reminders", action=JobAction.RESUME
            )
        second.tick()
        assert second.scheduler.get_job("task-reminders").next_run_time is not None
    finally:
        second.stop()


def test_run_now_runs_the_job_once_on_the_leader_and_records_it(engine: Engine, committed):
    calls = []

    def probe(collaborators: Collaborators) -> Outcome:
        calls.append(collaborators.instance)
        return Outcome(done=1, summary="probed")

    FUNCTIONS["probe"] = probe
    spec = JobSpec(
        "probe", "probe", "A probe", lambda: IntervalTrigger(hours=1), misfire_grace_seconds=60
    )
    service = _service(engine, committed, "one", specs=[spec])
    service.tick()
    try:
        with committed.begin() as session:
            job_service.request(
                db_session=session, actor=ADMIN, job_id="probe", action=JobAction.RUN
            )
        service.tick()

        def recorded() -> list[JobRun]:
            with committed.begin() as session:
                return list(session.scalars(select(JobRun).where(JobRun.status == "ok")))

        runs = _wait_for(recorded)
        assert calls == ["one"]
        assert runs[0].summary == "probed" and runs[0].instance == "one"
        with committed.begin() as session:
            state = job_service.get_or_raise(db_session=session, job_id="probe")
            assert state.last_status == "ok" and state.last_summary == "probed"
    finally:
        service.stop()
        del FUNCTIONS["probe"]


def test_a_failing_job_is_recorded_as_failed_and_the_scheduler_goes_on(
    collaborators: Collaborators,
):
    from scheduler.runtime import execute

    def broken(collaborators: Collaborators) -> Outcome:
        raise RuntimeError("boom")

    FUNCTIONS["broken"] = broken
    try:
        outcome = execute(collaborators, "broken", "broken")
    finally:
        del FUNCTIONS["broken"]

    assert outcome.failed == 1 and "RuntimeError" in outcome.summary


def test_a_failing_unit_is_rolled_back_and_the_others_are_kept(collaborators: Collaborators):
    from crm.jobs.models import JobRequest
    from scheduler.runtime import run_units

    def unit(session: Session, key: int) -> bool:
        session.add(JobRequest(job_id=f"unit-{key}", action="run", requested_at=db.utcnow()))
        session.flush()
        if key == 2:
            raise ValueError("unit 2 breaks")
        return True

    outcome = run_units(collaborators, [1, 2, 3], unit, name="units")

    with collaborators.sessions() as session:
        kept = set(session.scalars(select(JobRequest.job_id)))
    assert (outcome.done, outcome.failed) == (2, 1)
    assert kept == {"unit-1", "unit-3"}


def test_a_digest_added_elsewhere_is_registered_at_the_next_check(engine: Engine, committed):
    specs = list(static_jobs())
    service = _service(engine, committed, "one", specs=specs)
    service.tick()
    try:
        specs.append(
            JobSpec(
                "digest-7",
                "digest",
                "Digest 7",
                lambda: CronTrigger(hour=8, timezone="Europe/Berlin"),
                misfire_grace_seconds=3600,
                args=(7,),
            )
        )
        with committed.begin() as session:
            job_service.request_sync(db_session=session, job_id="digest-7")
        service.tick()
        job = service.scheduler.get_job("digest-7")
        assert job.args == ("digest-7", "digest", 7)
        assert str(job.trigger.timezone) == "Europe/Berlin"

        specs.pop()
        with committed.begin() as session:
            job_service.request_sync(db_session=session, job_id="digest-7")
        service.tick()
        assert service.scheduler.get_job("digest-7") is None
    finally:
        service.stop()

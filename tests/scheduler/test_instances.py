"""Two instances on one database: one runs the scheduler, the other takes over when it dies."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from crm.jobs.models import JobRun
from scheduler.leader import AdvisoryLock, LeaseLock

ROOT = Path(__file__).resolve().parents[2]
RECHECK = 0.5


def _start(url: str, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.scheduler.instance_main", url, name, str(RECHECK)],
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        stdout=subprocess.DEVNULL,
    )


def _runs(sessions: sessionmaker[Session]) -> list[JobRun]:
    with sessions() as session:
        return list(session.scalars(select(JobRun).order_by(JobRun.started_at)))


def _wait_until(condition, seconds: float):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not reached within {seconds} s")


def test_one_instance_runs_each_tick_and_another_takes_over_when_it_dies(
    engine: Engine, committed: sessionmaker[Session]
):
    url = engine.url.render_as_string(hide_password=False)
    first = _start(url, "first")
    second = None
    try:
        _wait_until(lambda: [run for run in _runs(committed) if run.instance == "first"], 30)
        second = _start(url, "second")
        _wait_until(lambda: len(_runs(committed)) >= 5, 30)

        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = dt.datetime.now(dt.UTC)
        taken = _wait_until(
            lambda: [run for run in _runs(committed) if run.instance == "second"], 30
        )
        _wait_until(lambda: len([r for r in _runs(committed) if r.instance == "second"]) >= 3, 30)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(30)

    runs = _runs(committed)
    before = [run for run in runs if run.started_at <= killed_at]
    after = [run for run in runs if run.started_at > killed_at]
    assert {run.instance for run in before} == {"first"}
    assert {run.instance for run in after} == {"second"}
    # One run per one-second tick: never two runs of the same tick by two instances.
    gaps = [
        (b.started_at - a.started_at).total_seconds() for a, b in zip(runs, runs[1:], strict=False)
    ]
    assert min(gaps) > 0.5
    assert (taken[0].started_at - killed_at).total_seconds() < 30


def test_only_one_holder_of_the_postgresql_advisory_lock(engine: Engine):
    if engine.dialect.name != "postgresql":
        return
    url = engine.url.render_as_string(hide_password=False)
    one, two = AdvisoryLock(url, name="test.lock"), AdvisoryLock(url, name="test.lock")
    try:
        assert one.acquire() and one.held()
        assert not two.acquire()
        one.release()
        assert two.acquire() and two.held()
    finally:
        one.release()
        two.release()


def test_a_lease_is_taken_over_only_once_it_expires(engine: Engine, committed):
    one = LeaseLock(engine, holder="one", ttl=dt.timedelta(seconds=0.3), name="test.lease")
    two = LeaseLock(engine, holder="two", ttl=dt.timedelta(seconds=0.3), name="test.lease")

    assert one.acquire()
    assert not two.acquire()
    assert one.held()
    _wait_until(two.acquire, 5)
    assert not one.held()
    two.release()

"""One Rapport scheduler instance in a process of its own, ticking every second (for tests)."""

import datetime as dt
import signal
import sys
import threading

from apscheduler.triggers.interval import IntervalTrigger

from crm import db
from scheduler.jobs import FUNCTIONS, JobSpec
from scheduler.leader import AdvisoryLock, LeaderLock, LeaseLock
from scheduler.ports import Collaborators
from scheduler.runtime import Outcome
from scheduler.service import SchedulerService


def tick(collaborators: Collaborators) -> Outcome:
    """Do nothing: the run itself, recorded by the runtime, is what the test counts."""
    return Outcome(done=1, summary="tick")


def main(url: str, name: str, recheck: float) -> None:
    FUNCTIONS["tick"] = tick
    engine = db.make_engine(url)
    lock: LeaderLock
    if url.startswith("postgresql"):
        lock = AdvisoryLock(url)
    else:
        lock = LeaseLock(engine, holder=name, ttl=dt.timedelta(seconds=2 * recheck))
    spec = JobSpec(
        "tick",
        "tick",
        "Tick every second",
        lambda: IntervalTrigger(seconds=1, timezone="UTC"),
        misfire_grace_seconds=1,
    )
    service = SchedulerService(
        collaborators=Collaborators(sessions=db.make_sessionmaker(engine), instance=name),
        job_store_engine=db.make_engine(url),
        lock=lock,
        specs=lambda session: [spec],
        recheck_seconds=recheck,
    )
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    service.start()
    print("started", flush=True)
    stopped.wait()
    service.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))

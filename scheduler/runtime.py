"""Run a job: look up its function, give it the collaborators, record the run and its units."""

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from crm.jobs import service as job_service
from scheduler.ports import Collaborators

log = logging.getLogger(__name__)

K = TypeVar("K")


@dataclass
class Outcome:
    """What one run did: units done and failed, and a line for `jobs list`."""

    done: int = 0
    failed: int = 0
    summary: str = ""


JobFunction = Callable[..., Outcome]

_installed: Collaborators | None = None
_lock = threading.Lock()


def install(collaborators: Collaborators | None) -> None:
    """Set the collaborators jobs of this process run with (None to remove them)."""
    global _installed
    with _lock:
        _installed = collaborators


def installed() -> Collaborators:
    """Return the collaborators of this process, or fail loudly when none were installed."""
    if _installed is None:
        raise RuntimeError("no collaborators installed: bot starts the scheduler with them")
    return _installed


def run_job(job_id: str, kind: str, *args: Any) -> None:
    """Run one job by kind; the entry point APScheduler stores (a stable module-level name)."""
    execute(installed(), job_id, kind, *args)


def execute(collaborators: Collaborators, job_id: str, kind: str, *args: Any) -> Outcome:
    """Run a job with these collaborators, recording its run; never raise into the scheduler."""
    from scheduler.jobs import FUNCTIONS

    started = collaborators.clock()
    with collaborators.sessions.begin() as session:
        run_id = job_service.start_run(
            db_session=session, job_id=job_id, instance=collaborators.instance, now=started
        ).id
    try:
        outcome = FUNCTIONS[kind](collaborators, *args)
    except Exception as error:
        log.exception("Job %s failed", job_id)
        outcome = Outcome(failed=1, summary=f"failed: {type(error).__name__}")
    with collaborators.sessions.begin() as session:
        job_service.finish_run(
            db_session=session,
            run_id=run_id,
            done=outcome.done,
            failed=outcome.failed,
            summary=outcome.summary,
            now=collaborators.clock(),
        )
    log.info("Job %s: %s", job_id, outcome.summary or f"{outcome.done} done")
    return outcome


def run_units(
    collaborators: Collaborators,
    keys: Iterable[K],
    unit: Callable[[Session, K], bool],
    *,
    name: str,
) -> Outcome:
    """Run one transaction per unit; a failing unit is rolled back and logged, the rest go on.

    The unit returns True when it did something, False when there was nothing to do.
    """
    outcome = Outcome()
    for key in keys:
        try:
            with collaborators.sessions.begin() as session:
                if unit(session, key):
                    outcome.done += 1
        except Exception:
            log.exception("%s: unit %s failed and was rolled back", name, key)
            outcome.failed += 1
    return outcome

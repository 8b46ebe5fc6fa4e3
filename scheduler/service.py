"""The scheduler service: wait for the leader lock, then run APScheduler while it is held."""

import datetime as dt
import logging
import threading
from collections.abc import Callable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crm.jobs import service as job_service
from crm.jobs.models import JobAction
from scheduler import runtime
from scheduler.jobs import JobSpec, trigger_signature
from scheduler.leader import LeaderLock
from scheduler.ports import Collaborators

log = logging.getLogger(__name__)

RUN_JOB = "scheduler.runtime:run_job"
SpecsProvider = Callable[[Session], list[JobSpec]]


class SchedulerService:
    """Runs the scheduler in whichever instance holds the lock, and hands over when it dies.

    A thread re-checks the lock every `recheck_seconds`: a follower tries to take it, the
    leader makes sure it still holds it (and steps down at once if not), applies admins'
    requests and wakes APScheduler, whose job store another instance may have changed.
    """

    def __init__(
        self,
        *,
        collaborators: Collaborators,
        job_store_engine: Engine,
        lock: LeaderLock,
        specs: SpecsProvider,
        recheck_seconds: float = 10.0,
        workers: int = 4,
    ) -> None:
        self.collaborators = collaborators
        self._engine = job_store_engine
        self._lock = lock
        self._specs = specs
        self._recheck = recheck_seconds
        self._workers = workers
        self._scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.leading = threading.Event()

    def start(self) -> None:
        """Start competing for leadership in the background."""
        self._thread = threading.Thread(target=self._loop, name="rapport-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the scheduler (waiting for running jobs) and give the lock up."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._step_down(wait=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("Scheduler leadership check failed; stepping down")
                self._step_down(wait=False)
            self._stop.wait(self._recheck)

    def tick(self) -> None:
        """Check the lock once: lead, keep leading, or step down."""
        if self._scheduler is None:
            if self._lock.acquire():
                self._lead()
            return
        if not self._lock.held():
            log.warning("Scheduler lock lost; this instance stops running jobs")
            self._step_down(wait=False)
            return
        self._apply_requests()
        self._scheduler.wakeup()
        with self.collaborators.sessions.begin() as session:
            specs = self._specs(session)
        self._save_states(specs)

    def _lead(self) -> None:
        runtime.install(self.collaborators)
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self._engine)},
            executors={"default": ThreadPoolExecutor(max_workers=self._workers)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
            timezone=dt.UTC,
        )
        scheduler.start(paused=True)
        self._scheduler = scheduler
        try:
            self.sync_jobs()
            self._apply_requests()
        except Exception:
            self._step_down(wait=False)
            raise
        scheduler.resume()
        self.leading.set()
        log.info("This instance (%s) now runs the scheduler", self.collaborators.instance)

    def _step_down(self, *, wait: bool) -> None:
        scheduler, self._scheduler = self._scheduler, None
        self.leading.clear()
        if scheduler is not None:
            scheduler.shutdown(wait=wait)
            # APScheduler's loop may touch the store once more after shutting it down; its
            # thread is joined now, so closing the store's connections here is final.
            self._engine.dispose()
        self._lock.release()

    def sync_jobs(self) -> None:
        """Register every job (static and dynamic) and drop the ones that no longer exist."""
        scheduler = self._require()
        with self.collaborators.sessions.begin() as session:
            specs = self._specs(session)
            paused = {job.job_id for job in job_service.find(db_session=session) if job.paused}
        wanted = {spec.job_id for spec in specs}
        for spec in specs:
            self._register(scheduler, spec, paused=spec.job_id in paused)
        for job in scheduler.get_jobs():
            if job.id not in wanted:
                scheduler.remove_job(job.id)
                with self.collaborators.sessions.begin() as session:
                    job_service.forget_state(db_session=session, job_id=job.id)
        self._save_states(specs)

    def _register(self, scheduler: BackgroundScheduler, spec: JobSpec, *, paused: bool) -> None:
        trigger = spec.trigger()
        args = (spec.job_id, spec.kind, *spec.args)
        options = {
            "name": spec.description,
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": spec.misfire_grace_seconds,
        }
        existing = scheduler.get_job(spec.job_id)
        same = (
            existing is not None
            and trigger_signature(existing.trigger) == trigger_signature(trigger)
            and tuple(existing.args) == args
        )
        if existing is not None and same:
            # Keep the stored next run time, so a run missed while no instance led still
            # happens within its grace period.
            scheduler.modify_job(spec.job_id, **options)
        else:
            extra = {"next_run_time": None} if paused else {}
            scheduler.add_job(
                RUN_JOB,
                trigger,
                args=args,
                id=spec.job_id,
                replace_existing=True,
                **options,
                **extra,
            )
        job = scheduler.get_job(spec.job_id)
        if paused and job.next_run_time is not None:
            scheduler.pause_job(spec.job_id)
        elif not paused and job.next_run_time is None:
            scheduler.resume_job(spec.job_id)

    def _apply_requests(self) -> None:
        scheduler = self._require()
        with self.collaborators.sessions.begin() as session:
            requests = [
                (item.job_id, item.action) for item in job_service.take_requests(db_session=session)
            ]
        for job_id, action in requests:
            try:
                if action == JobAction.SYNC.value:
                    self.sync_jobs()
                elif action == JobAction.RUN.value:
                    scheduler.modify_job(job_id, next_run_time=dt.datetime.now(dt.UTC))
                elif action == JobAction.PAUSE.value:
                    scheduler.pause_job(job_id)
                elif action == JobAction.RESUME.value:
                    scheduler.resume_job(job_id)
                log.info("Applied %s to job %s", action, job_id)
            except JobLookupError:
                log.warning("Request %s for unknown job %s ignored", action, job_id)

    def _save_states(self, specs: list[JobSpec]) -> None:
        scheduler = self._require()
        next_runs = {job.id: job.next_run_time for job in scheduler.get_jobs()}
        with self.collaborators.sessions.begin() as session:
            for spec in specs:
                job_service.save_state(
                    db_session=session,
                    job_id=spec.job_id,
                    description=spec.description,
                    schedule=spec.schedule or str(spec.trigger()),
                    next_run_at=next_runs.get(spec.job_id),
                )

    def _require(self) -> BackgroundScheduler:
        if self._scheduler is None:
            raise RuntimeError("this instance does not lead the scheduler")
        return self._scheduler

    @property
    def scheduler(self) -> BackgroundScheduler | None:
        """The running APScheduler, in the leader only."""
        return self._scheduler

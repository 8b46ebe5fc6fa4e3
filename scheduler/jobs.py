"""The jobs Rapport schedules: stable ids, their triggers and the misfire grace each can bear."""

import importlib
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger


class _Functions(MutableMapping[str, Callable[..., Any]]):
    """Job functions by kind, named "module:function" and imported on first use."""

    def __init__(self, targets: dict[str, str]) -> None:
        self._targets: dict[str, Any] = dict(targets)

    def __getitem__(self, kind: str) -> Callable[..., Any]:
        target = self._targets[kind]
        if isinstance(target, str):
            module, _, name = target.partition(":")
            target = self._targets[kind] = getattr(importlib.import_module(module), name)
        return target  # type: ignore[no-any-return]

    def __setitem__(self, kind: str, function: Callable[..., Any]) -> None:
        self._targets[kind] = function

    def __delitem__(self, kind: str) -> None:
        del self._targets[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._targets)

    def __len__(self) -> int:
        return len(self._targets)


FUNCTIONS = _Functions(
    {
        "task-reminders": "scheduler.reminders:send_task_reminders",
        "overdue-summary": "scheduler.reminders:send_overdue_summaries",
        "campaign-sends": "scheduler.sends:run_due_sends",
        "digest": "scheduler.digests:post_digest",
        "dynamics-sync": "scheduler.dynamics:synchronize",
        "purge-request-keys": "scheduler.housekeeping:purge_request_keys",
    }
)


@dataclass(frozen=True)
class JobSpec:
    """One job to register: id, what it runs, when, and how late it may still run."""

    job_id: str
    kind: str
    description: str
    trigger: Callable[[], BaseTrigger]
    misfire_grace_seconds: int
    args: tuple[Any, ...] = field(default=())
    schedule: str = ""  # how `jobs list` describes the trigger to people


def static_jobs(*, send_interval_seconds: int = 30, sync_minutes: int = 0) -> list[JobSpec]:
    """Return the jobs every Rapport runs (the Sales sync when sync_minutes is above zero)."""
    jobs = [
        JobSpec(
            "task-reminders",
            "task-reminders",
            "DM salespeople before their tasks are due",
            lambda: IntervalTrigger(minutes=5, timezone="UTC"),
            # A reminder ten minutes late still helps; one an hour late is noise.
            misfire_grace_seconds=10 * 60,
            schedule="every 5 minutes",
        ),
        JobSpec(
            "overdue-summary",
            "overdue-summary",
            "Morning summary of overdue tasks, per salesperson's zone",
            # Hourly, because mornings come at a different UTC hour in each zone.
            lambda: CronTrigger(minute=2, timezone="UTC"),
            misfire_grace_seconds=55 * 60,
            schedule="hourly at :02",
        ),
        JobSpec(
            "campaign-sends",
            "campaign-sends",
            "Send scheduled campaign mail, resuming interrupted sends",
            lambda: IntervalTrigger(seconds=send_interval_seconds, timezone="UTC"),
            # Sends are resumable, so a late tick is always worth running.
            misfire_grace_seconds=60 * 60,
            schedule=f"every {send_interval_seconds} seconds",
        ),
        JobSpec(
            "purge-request-keys",
            "purge-request-keys",
            "Forget Slack request keys older than Slack's retries",
            lambda: CronTrigger(hour=3, minute=17, timezone="UTC"),
            # Purging a day late costs a little disk, nothing else.
            misfire_grace_seconds=24 * 60 * 60,
            schedule="daily at 03:17 UTC",
        ),
    ]
    if sync_minutes > 0:
        jobs.append(
            JobSpec(
                "dynamics-sync",
                "dynamics-sync",
                "Synchronize with Dynamics 365 Sales",
                lambda: IntervalTrigger(minutes=sync_minutes, timezone="UTC"),
                # Runs pick up where the last one stopped, so a late one is always worth it.
                misfire_grace_seconds=sync_minutes * 60,
                schedule=f"every {sync_minutes} minutes",
            )
        )
    return jobs


def trigger_signature(trigger: BaseTrigger) -> str:
    """Return what makes two triggers the same schedule (their text and zone)."""
    return f"{trigger} {getattr(trigger, 'timezone', '')}"

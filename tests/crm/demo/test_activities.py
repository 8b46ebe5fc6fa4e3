"""The demo's activities: every stage of both cycles in use, closed deals, open tasks."""

import datetime as dt

from sqlalchemy import func, select

import crm.demo
from crm.interactions.models import InteractionLogEntry
from crm.opportunities import service as opps
from crm.tasks.models import Task

TODAY = dt.date(2026, 12, 3)


def test_demo_fills_every_stage_with_history_and_open_tasks(db_session, actor):
    crm.demo.load(db_session=db_session, actor=actor, today=TODAY)

    for cycle in ("NEW", "EXISTING"):
        figures = opps.statistics(db_session=db_session, cycle=cycle)
        assert all(stage.count >= 1 for stage in figures.stages), cycle
    new, existing = (opps.statistics(db_session=db_session, cycle=c) for c in ("NEW", "EXISTING"))
    assert new.won + existing.won >= 1 and new.lost + existing.lost >= 1
    first = db_session.scalar(select(func.min(InteractionLogEntry.occurred_at)))
    assert first.date() >= TODAY - dt.timedelta(days=366)
    assert db_session.scalar(select(func.count(InteractionLogEntry.id))) > 10
    open_tasks = db_session.scalar(select(func.count(Task.id)).where(Task.closed.is_(False)))
    assert open_tasks > 3

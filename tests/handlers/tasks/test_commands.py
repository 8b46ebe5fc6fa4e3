"""`task ...` as a salesperson types it."""

import pytest
from sqlalchemy import func, select

from crm.interactions.models import InteractionLogEntry
from crm.tasks.models import Task
from handlers.dispatch import Status
from handlers.text import render
from tests.activity_seed import seed


@pytest.fixture
def data(db_session, actor):
    return seed(db_session, actor)


def test_add_is_yours_by_default_and_done_logs(run, db_session, data):
    result = run(
        'task add "Call about the offer" contact=jane due=tomorrow time=9:30 type=phone_call '
        "priority=high duration=15",
        user="BOB",
    )
    assert result.status == Status.DONE, render(result.view)
    no = result.view.data["no"]
    task = db_session.scalars(select(Task).where(Task.no == no)).one()
    assert (task.salesperson, task.type, task.priority, task.duration_min) == (
        "BOB",
        "phone_call",
        "high",
        15,
    )
    assert task.start_time.strftime("%H:%M") == "09:30"

    listing = run("task list mine=yes", user="BOB").view
    assert listing.keys == [no]
    done = run(f"task done {no} log=call_out", user="BOB")
    assert done.status == Status.DONE, render(done.view)
    entry = db_session.scalars(select(InteractionLogEntry)).one()
    assert entry.task_no == no
    assert run("task list mine=yes", user="BOB").view.keys == []


def test_done_without_log_offers_the_command(run, data):
    no = run('task add "Call Jane" contact=jane type=phone_call', user="BOB").view.data["no"]

    view = run(f"task done {no}", user="BOB").view
    offer = view.items[-1]
    assert offer.actions[0].command.startswith("log CT000002 CALL_OUT")


def test_task_without_salesperson_or_team_is_refused(run, db_session, data):
    result = run('task add "Orphan"')

    assert result.status == Status.REFUSED
    assert result.view.data["field"] == "salesperson"
    assert db_session.scalar(select(func.count(Task.id))) == 0


def test_team_task_and_recurrence(run, db_session, data):
    result = run('task add "Weekly pipeline review" team=north recur=1W', user="ANN")
    assert result.status == Status.DONE, render(result.view)
    no = result.view.data["no"]

    assert run("task list team=north").view.keys == [no]
    assert len(run("task list").view.keys) == 2  # one copy each for ANN and BOB
    done = run(f"task done {no}", user="ANN")
    assert "Next one" in render(done.view)
    assert len(run("task list team=north").view.keys) == 1


def test_cancel_and_bad_options(run, data):
    no = run('task add "Visit" due=friday', user="BOB").view.data["no"]

    assert run(f"task cancel {no}", user="BOB").status == Status.DONE
    again = run(f"task cancel {no}", user="BOB")
    assert again.status == Status.REFUSED
    for command, field in (
        ('task add "x" type=lunch', "type"),
        ('task add "x" recur=often', "recur"),
        ('task add "x" time=25:99', "time"),
        ("task list status=someday", "status"),
    ):
        result = run(command, user="BOB")
        assert result.view.data.get("field") == field, (command, render(result.view))

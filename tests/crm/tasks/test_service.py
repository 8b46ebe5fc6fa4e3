"""Tasks: who they are for, team fan-out, closing with logging, recurrence, cancel, lists."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from crm.errors import Conflict, InvalidInput
from crm.interactions.models import InteractionLogEntry
from crm.tasks import service as tasks
from crm.tasks.models import Task, TaskType
from crm.tasks.service import RecurFrom, TaskCreate, TaskFilter
from tests.activity_seed import seed

DUE = dt.date(2026, 3, 2)


@pytest.fixture
def data(db_session, actor):
    return seed(db_session, actor)


def add(db_session, actor, contact=None, **values):
    values.setdefault("description", "Call about the offer")
    values.setdefault("due_date", DUE)
    return tasks.create(
        db_session=db_session, actor=actor, data=TaskCreate(**values), contact=contact
    )


def task_count(db_session):
    return db_session.scalar(select(func.count(Task.id)))


def test_task_needs_a_salesperson_or_a_team(db_session, actor, data):
    with pytest.raises(InvalidInput, match="salesperson or a team") as caught:
        add(db_session, actor, data.person)
    assert caught.value.field == "salesperson"
    assert task_count(db_session) == 0


def test_blocked_salesperson_is_refused(db_session, actor, data):
    with pytest.raises(InvalidInput, match="blocked"):
        add(db_session, actor, salesperson="OLD")


def test_team_task_fans_out_one_organizer_copy_per_member(db_session, actor, data):
    task = add(db_session, actor, data.person, team="north")

    copies = db_session.scalars(select(Task).where(Task.organizer_task_id == task.id)).all()
    assert task.system_type == "team"
    assert sorted(c.salesperson for c in copies) == ["ANN", "BOB"]
    assert all(c.system_type == "organizer" and c.contact_id == data.person.id for c in copies)
    mine = tasks.list_tasks(db_session=db_session, where=TaskFilter(salesperson="ANN"))
    assert mine.total == 1
    team = tasks.list_tasks(db_session=db_session, where=TaskFilter(team="NORTH"))
    assert [t.no for t in team.tasks] == [task.no]


def test_closing_a_team_task_needs_who_did_it_and_closes_every_copy(db_session, actor, data):
    task = add(db_session, actor, team="NORTH")

    with pytest.raises(InvalidInput, match="team task"):
        tasks.close(db_session=db_session, actor=actor, task=task)
    tasks.close(db_session=db_session, actor=actor, task=task, completed_by="ann")
    group = db_session.scalars(select(Task).where(Task.team == "NORTH")).all()
    assert all(t.closed and t.status == "completed" and t.completed_by == "ANN" for t in group)


def test_closing_logs_the_interaction_when_asked(db_session, actor, data):
    task = add(db_session, actor, data.person, salesperson="BOB", type=TaskType.PHONE_CALL)
    result = tasks.close(db_session=db_session, actor=actor, task=task, log_template="CALL_OUT")

    assert (task.status, task.closed) == ("completed", True)
    entry = result.interaction
    assert (entry.task_no, entry.template_code, entry.salesperson) == (task.no, "CALL_OUT", "BOB")
    assert entry.description == "Call about the offer"


def test_closing_a_phone_call_offers_the_phone_template(db_session, actor, data):
    task = add(db_session, actor, data.person, salesperson="BOB", type=TaskType.PHONE_CALL)
    result = tasks.close(db_session=db_session, actor=actor, task=task)

    assert result.suggested_template == "CALL_OUT"
    assert result.contact is data.person
    assert db_session.scalar(select(func.count(InteractionLogEntry.id))) == 0


def test_logging_for_a_privacy_blocked_contact_leaves_the_task_open(db_session, actor, data):
    task = add(db_session, actor, data.person, salesperson="BOB")
    data.person.privacy_blocked = True

    with pytest.raises(Conflict, match="privacy blocked"):
        tasks.close(db_session=db_session, actor=actor, task=task, log_template="CALL_OUT")
    assert (task.closed, task.status) == (False, "not_started")


@pytest.mark.parametrize(
    ("recur_from", "expected"),
    [(RecurFrom.DUE, DUE + dt.timedelta(days=7)), (RecurFrom.CLOSING, dt.date(2026, 3, 12))],
)
def test_recurring_task_creates_the_next_one(db_session, actor, data, recur_from, expected):
    task = add(db_session, actor, salesperson="BOB", recurring_interval="1w", recur_from=recur_from)
    result = tasks.close(db_session=db_session, actor=actor, task=task, today=dt.date(2026, 3, 5))

    following = result.next_task
    assert following.due_date == expected
    assert (following.status, following.closed, following.recurring) == ("not_started", False, True)
    assert following.no != task.no


def test_bad_recurrence_and_duration_are_refused(db_session, actor, data):
    with pytest.raises(InvalidInput) as caught:
        add(db_session, actor, salesperson="BOB", recurring_interval="weekly")
    assert caught.value.field == "recur"
    with pytest.raises(InvalidInput) as caught:
        add(db_session, actor, salesperson="BOB", duration_min=0)
    assert caught.value.field == "duration"
    assert task_count(db_session) == 0


def test_cancel_closes_without_recurring(db_session, actor, data):
    task = add(db_session, actor, salesperson="BOB", recurring_interval="1D")
    tasks.cancel(db_session=db_session, actor=actor, task=task)

    assert (task.canceled, task.closed) == (True, True)
    assert task_count(db_session) == 1
    with pytest.raises(Conflict, match="closed already"):
        tasks.close(db_session=db_session, actor=actor, task=task)


def test_list_overdue_and_status(db_session, actor, data):
    late = add(db_session, actor, data.person, salesperson="BOB", due_date=DUE)
    add(db_session, actor, salesperson="BOB", due_date=DUE + dt.timedelta(days=10))
    done = add(db_session, actor, salesperson="BOB", due_date=DUE - dt.timedelta(days=1))
    tasks.close(db_session=db_session, actor=actor, task=done)

    overdue = tasks.list_tasks(
        db_session=db_session, where=TaskFilter(overdue=True, today=DUE + dt.timedelta(days=1))
    )
    assert [t.no for t in overdue.tasks] == [late.no]
    closed = tasks.list_tasks(db_session=db_session, where=TaskFilter(status="completed"))
    assert [t.no for t in closed.tasks] == [done.no]
    by_company = tasks.list_tasks(db_session=db_session, where=TaskFilter(contact=data.company))
    assert [t.no for t in by_company.tasks] == [late.no]
    with pytest.raises(InvalidInput, match="not a task status"):
        tasks.list_tasks(db_session=db_session, where=TaskFilter(status="someday"))

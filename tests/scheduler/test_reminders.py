"""Task reminders and the morning summary, DMed through Slack, each switchable per person."""

import datetime as dt
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from crm.jobs import service as job_service
from crm.setup.models import Salesperson
from crm.tasks.models import Task
from scheduler.ports import Collaborators
from scheduler.reminders import send_overdue_summaries, send_task_reminders
from scheduler.slack_notifier import SlackNotifier
from tests.fakes.slack_dm import SlackDmServer


@pytest.fixture
def slack() -> Iterator[SlackDmServer]:
    with SlackDmServer() as server:
        yield server


@pytest.fixture
def notifying(collaborators: Collaborators, slack: SlackDmServer) -> Collaborators:
    client = WebClient(token="xoxb-test", base_url=slack.api_url)
    collaborators.notifier = SlackNotifier(client)
    return collaborators


def _people_and_tasks(session: Session) -> None:
    # Anna works in Berlin, Bob in New York; clock() is 2026-03-02 07:00 UTC (08:00 Berlin).
    session.add(
        Salesperson(code="ANNA", name="Anna", slack_user_id="UANNA", time_zone="Europe/Berlin")
    )
    session.add(
        Salesperson(code="BOB", name="Bob", slack_user_id="UBOB", time_zone="America/New_York")
    )
    session.flush()
    day = dt.date(2026, 3, 2)
    tasks = [
        ("TK1", "Call Acme back", day, dt.time(8, 20), "ANNA"),
        ("TK2", "Send the offer", day, dt.time(15, 0), "ANNA"),
        ("TK3", "Old follow-up", day - dt.timedelta(days=3), None, "ANNA"),
        ("TK4", "Older follow-up", day - dt.timedelta(days=5), None, "BOB"),
    ]
    for no, description, due, at, who in tasks:
        session.add(
            Task(no=no, description=description, due_date=due, start_time=at, salesperson=who)
        )
    session.flush()


def test_a_task_due_soon_is_reminded_once_by_dm(notifying: Collaborators, slack, clock):
    with notifying.sessions.begin() as session:
        _people_and_tasks(session)

    first = send_task_reminders(notifying)
    second = send_task_reminders(notifying)

    posted = slack.of("chat.postMessage")
    assert first.done == 1 and second.done == 0
    assert [message["channel"] for message in posted] == ["DUANNA"]
    assert "TK1 Call Acme back is due at 08:20" in posted[0]["text"]
    assert posted[0]["blocks"][1]["elements"][0]["value"] == "task done TK1"


def test_a_later_task_is_reminded_when_its_time_comes(notifying: Collaborators, slack, clock):
    with notifying.sessions.begin() as session:
        _people_and_tasks(session)
    send_task_reminders(notifying)

    clock.advance(hours=6, minutes=35)  # 14:35 in Berlin, 25 minutes before TK2
    send_task_reminders(notifying)

    assert ["TK2" in m["text"] for m in slack.of("chat.postMessage")] == [False, True]


def test_reminders_switched_off_send_nothing(notifying: Collaborators, slack, clock):
    with notifying.sessions.begin() as session:
        _people_and_tasks(session)
        job_service.set_preferences(db_session=session, salesperson="ANNA", task_reminders=False)

    assert send_task_reminders(notifying).done == 0
    assert slack.of("chat.postMessage") == []


def test_a_failed_dm_leaves_the_task_for_the_next_run(notifying: Collaborators, slack, clock):
    with notifying.sessions.begin() as session:
        _people_and_tasks(session)
    slack.failing = True

    failed = send_task_reminders(notifying)
    slack.failing = False
    retried = send_task_reminders(notifying)

    assert failed.failed == 1 and retried.done == 1


def test_the_morning_summary_comes_once_in_each_persons_morning(
    notifying: Collaborators, slack, clock
):
    with notifying.sessions.begin() as session:
        _people_and_tasks(session)

    berlin_morning = send_overdue_summaries(notifying)
    again = send_overdue_summaries(notifying)
    clock.advance(hours=6)  # 08:00 in New York
    new_york_morning = send_overdue_summaries(notifying)

    posted = slack.of("chat.postMessage")
    assert (berlin_morning.done, again.done, new_york_morning.done) == (1, 0, 1)
    assert [message["channel"] for message in posted] == ["DUANNA", "DUBOB"]
    assert "1 overdue task(s)" in posted[0]["text"] and "TK3" in posted[0]["text"]


def test_the_morning_summary_switched_off_is_not_sent(notifying: Collaborators, slack, clock):
    with notifying.sessions.begin() as session:
        _people_and_tasks(session)
        job_service.set_preferences(db_session=session, salesperson="ANNA", overdue_summary=False)

    assert send_overdue_summaries(notifying).done == 0

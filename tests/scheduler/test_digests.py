"""Segment digests: their cron triggers, what they say, and silence when nothing changed."""

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from sqlalchemy import insert, select

from crm.audit import Actor, Channel
from crm.contacts.models import Contact
from crm.digests import service as digest_service
from crm.digests.models import DigestRun
from crm.interactions.models import InteractionLogEntry
from crm.segments.models import SavedCriteria, SavedCriteriaAction, SegmentLine
from crm.tasks.models import Task
from scheduler.digests import digest_job, post_digest
from scheduler.ports import Collaborators
from scheduler.slack_notifier import SlackNotifier
from tests.fakes.slack_dm import SlackDmServer
from tests.scheduler.campaign_data import build_campaign

ACTOR = Actor(Channel.CONSOLE, "SP", "sam")


@pytest.fixture
def slack() -> Iterator[SlackDmServer]:
    with SlackDmServer() as server:
        yield server


@pytest.fixture
def notifying(collaborators: Collaborators, slack: SlackDmServer) -> Collaborators:
    collaborators.notifier = SlackNotifier(WebClient(token="xoxb-t", base_url=slack.api_url))
    return collaborators


def _subscribe(collaborators: Collaborators, clock, **options) -> int:  # type: ignore[no-untyped-def]
    with collaborators.sessions.begin() as session:
        build_campaign(session, size=3, tag="D")
        return digest_service.add(
            db_session=session,
            actor=ACTOR,
            target="CSALES",
            source=options.pop("source", "SMD"),
            now=clock(),
            **options,
        ).id


def _news(collaborators: Collaborators, clock) -> None:  # type: ignore[no-untyped-def]
    with collaborators.sessions.begin() as session:
        segment_id = session.scalar(select(SegmentLine.segment_id).limit(1))
        new = Contact(
            no="CDNEW", name="Nina New", search_name="NINA NEW", type="person", created_at=clock()
        )
        session.add(new)
        session.flush()
        session.execute(insert(SegmentLine).values(segment_id=segment_id, contact_id=new.id))
        first = session.scalar(select(Contact).where(Contact.no == "CD000000"))
        session.add(
            InteractionLogEntry(
                contact_id=first.id,
                occurred_at=clock(),
                description="Called about spring",
                template_code="EMAIL",
                group_code="MAIL",
                created_at=clock(),
            )
        )
        session.add(
            Task(
                no="TKD1",
                description="Send the quote",
                due_date=clock().date(),
                contact_id=first.id,
            )
        )


def test_a_weekly_digest_runs_on_a_cron_trigger_in_its_zone(notifying: Collaborators, clock):
    digest_id = _subscribe(
        notifying,
        clock,
        frequency="weekly",
        weekday="tue",
        at_time="7:30",
        time_zone="Europe/Berlin",
    )
    with notifying.sessions() as session:
        spec = digest_job(digest_service.get_or_raise(db_session=session, digest_id=digest_id))

    trigger = spec.trigger()
    assert spec.job_id == f"digest-{digest_id}" and spec.misfire_grace_seconds == 3600
    assert str(trigger) == "cron[day_of_week='tue', hour='7', minute='30']"
    assert trigger.timezone == ZoneInfo("Europe/Berlin")
    after = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)  # a Monday
    assert trigger.get_next_fire_time(None, after) == dt.datetime(
        2026, 3, 3, 7, 30, tzinfo=ZoneInfo("Europe/Berlin")
    )


def test_nothing_changed_means_nothing_is_posted(notifying: Collaborators, slack, clock):
    digest_id = _subscribe(notifying, clock)
    clock.advance(days=1)

    outcome = post_digest(notifying, digest_id)

    assert "not posted" in outcome.summary
    assert slack.of("chat.postMessage") == []
    with notifying.sessions() as session:
        assert [run.posted for run in session.scalars(select(DigestRun))] == [False]


def test_a_digest_says_what_changed_with_buttons_then_goes_quiet(
    notifying: Collaborators, slack, clock
):
    digest_id = _subscribe(notifying, clock)
    clock.advance(hours=2)
    _news(notifying, clock)
    clock.advance(days=1)

    posted = post_digest(notifying, digest_id)
    quiet = post_digest(notifying, digest_id)

    messages = slack.of("chat.postMessage")
    assert posted.done == 1 and quiet.done == 0 and len(messages) == 1
    message = messages[0]
    assert message["channel"] == "CSALES"
    assert "1 new contacts" in message["text"] and "1 interactions logged" in message["text"]
    text = " ".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section")
    assert "Nina New" in text and "Called about spring" in text and "TKD1" in text
    values = [
        e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert "contact show CDNEW" in values and "task done TKD1" in values
    for block in message["blocks"]:
        Block.parse(block).validate_json()


def test_a_digest_of_saved_criteria_covers_whoever_matches_now(
    notifying: Collaborators, slack, clock
):
    with notifying.sessions.begin() as session:
        session.add(SavedCriteria(code="PERSONS", description="All persons"))
        session.flush()
        session.add(
            SavedCriteriaAction(code="PERSONS", seq=1, action="add", criteria="type=person")
        )
    digest_id = _subscribe(notifying, clock, source="persons")
    clock.advance(hours=1)
    _news(notifying, clock)
    clock.advance(days=1)

    post_digest(notifying, digest_id)

    assert "criteria PERSONS" in slack.of("chat.postMessage")[0]["text"]

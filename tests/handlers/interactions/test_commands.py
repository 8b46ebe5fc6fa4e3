"""`log`, `interaction ...` and the timeline on `contact show`, as a salesperson types them."""

import pytest
from sqlalchemy import select

from crm.interactions.models import InteractionLogEntry
from handlers.dispatch import Status
from handlers.text import render
from tests.activity_seed import seed


@pytest.fixture
def data(db_session, actor):
    return seed(db_session, actor)


def entries(db_session):
    return db_session.scalars(select(InteractionLogEntry).order_by(InteractionLogEntry.id)).all()


def test_log_with_every_option(run, db_session, data):
    result = run(
        'log jane call_out "Discussed the offer" at=2026-03-02T14:30 duration=25 cost=3.5 '
        "evaluation=positive flow=inbound initiated=them failed=yes",
        user="BOB",
    )

    assert result.status == Status.DONE, render(result.view)
    (entry,) = entries(db_session)
    assert (entry.duration_min, str(entry.cost), entry.evaluation) == (25, "3.50", "positive")
    assert (entry.information_flow, entry.initiated_by, entry.attempt_failed) == (
        "inbound",
        "them",
        True,
    )
    assert entry.salesperson == "BOB"
    assert entry.occurred_at.isoformat() == "2026-03-02T14:30:00+00:00"
    assert entry.created_by == "BOB"


@pytest.mark.parametrize(
    ("command", "field"),
    [
        ('log jane CALL_OUT "x" evaluation=great', "evaluation"),
        ('log jane CALL_OUT "x" duration=long', "duration"),
        ('log jane CALL_OUT "x" at=someday', "at"),
        ('log jane CALL_OUT "x" failed=maybe', "failed"),
        ('log jane CALL_OUT "x" salesperson=old', "salesperson"),
    ],
)
def test_bad_log_options_are_refused_naming_the_field(run, db_session, data, command, field):
    result = run(command, user="BOB")

    assert result.status == Status.REFUSED
    assert result.view.data["field"] == field, render(result.view)
    assert entries(db_session) == []


def test_log_for_privacy_blocked_contact_is_refused(run, db_session, data):
    data.person.privacy_blocked = True
    db_session.flush()

    result = run('log jane CALL_OUT "Called"', user="BOB")
    assert result.status == Status.REFUSED
    assert "privacy blocked" in render(result.view)
    assert entries(db_session) == []


def test_list_cancel_restore(run, db_session, data):
    run('log jane CALL_OUT "First" at=2026-03-01', user="BOB")
    run('log acme MEET "Second" at=2026-03-02', user="ANN")
    first = entries(db_session)[0]

    listing = run("interaction list contact=acme")
    assert listing.view.total == 2
    mine = run("interaction list mine=yes", user="ANN")
    assert [row[3] for row in mine.view.rows] == ["Second"]
    assert run(f"interaction cancel {first.id}").status == Status.DONE
    assert run("interaction list contact=acme").view.total == 1
    canceled = run("interaction list canceled=yes")
    assert canceled.view.keys == [str(first.id)]
    assert run(f"interaction restore {first.id}").status == Status.DONE
    again = run(f"interaction restore {first.id}")
    assert again.status == Status.REFUSED and "not canceled" in render(again.view)


def test_mine_without_knowing_who_you_are_is_refused(run, data):
    result = run("interaction list mine=yes")

    assert result.status == Status.REFUSED
    assert "--as" in render(result.view)


def test_stats_per_template(run, data):
    run('log jane CALL_OUT "One"', user="BOB")
    run('log jane CALL_OUT "Two"', user="BOB")
    run('log jane MEET "Three"', user="BOB")

    card = run("interaction stats template=call_out").view
    assert dict(card.fields)["Interactions"] == "2"
    assert dict(card.fields)["Cost"] == "5.00"


def test_contact_show_has_timeline_and_statistics(run, data):
    run('log jane CALL_OUT "Discussed the offer"', user="BOB")
    run('opp new jane "Espresso machines" value=20k', user="BOB")
    run('task add "Send brochure" contact=jane', user="BOB")

    card = run("contact show acme").view
    timeline, statistics = card.sections[-2:]
    assert sorted(row[1] for row in timeline.rows) == ["interaction", "opportunity", "task"]
    figures = dict((row[0], row[1]) for row in statistics.rows)
    assert figures["Interactions"] == "1"
    assert figures["Estimated value"] == "20,000.00"
    assert figures["Open tasks"] == "1"


def test_timeline_pages(run, data):
    for number in range(23):
        run(f'log jane CALL_OUT "Call {number}" at=2026-01-{number + 1:02d}', user="BOB")

    second = run("interaction timeline jane page=2").view
    assert [row[3] for row in second.rows] == ["Call 2", "Call 1", "Call 0"]
    assert second.total == 23

"""`opp ...` as a salesperson types it: a deal from first contact to won."""

import pytest
from sqlalchemy import func, select

from crm.opportunities.models import OpportunityEntry
from handlers.dispatch import Status
from handlers.text import render
from tests.activity_seed import seed


@pytest.fixture
def data(db_session, actor):
    return seed(db_session, actor)


def entry_count(db_session):
    return db_session.scalar(select(func.count(OpportunityEntry.id)))


def opened(run, text='opp new jane "Espresso machines" value=20k close=+300d'):
    result = run(text, user="BOB")
    assert result.status == Status.DONE, render(result.view)
    return result.view.data["no"]


def test_a_deal_through_the_cycle(run, db_session, data):
    no = opened(run)

    steps = [
        f"opp next {no} date=+1d",
        f"opp update {no} value=25000 chances=30 date=+4d",
        f"opp next {no} date=+9d",
        f"opp prev {no} date=+10d",
        f"opp next {no} date=+11d",
        f"opp jump {no} 1 date=+12d",
        f"opp next {no} date=+13d",
        f"opp win {no} code=price_w date=+19d",
    ]
    for command in steps:
        result = run(command, user="BOB")
        assert result.status == Status.DONE, (command, render(result.view))

    card = run(f"opp show {no}").view
    fields = dict(card.fields)
    assert fields["Status"] == "won"
    assert fields["Calculated current value"] == "25,000.00"
    actions = [row[1] for row in card.sections[0].rows]
    assert actions == [
        "next",
        "next",
        "updated",
        "next",
        "previous",
        "next",
        "jumped",
        "next",
        "won",
    ]


def test_opp_new_with_interaction(run, db_session, data):
    run('log jane CALL_OUT "Wants machines"', user="BOB")
    entry = run("interaction list").view.keys[0]

    result = run(f'opp new jane "" interaction={entry}', user="BOB")
    assert result.status == Status.DONE, render(result.view)
    assert "Wants machines" in result.view.text


@pytest.mark.parametrize(
    ("command", "field"),
    [
        ("opp update {no} value=0", "value"),
        ("opp update {no} chances=0", "chances"),
        ("opp update {no} close=+1d date=+2d", "close"),
        ("opp skip {no}", "stage"),
        ("opp win {no} code=price_l", "code"),
        ("opp update {no} value=lots", "value"),
        ("opp jump {no} 4", "stage"),
    ],
)
def test_bad_changes_are_refused_with_the_field_and_nothing_written(
    run, db_session, data, command, field
):
    no = opened(run)
    before = entry_count(db_session)

    result = run(command.format(no=no), user="BOB")
    assert result.status == Status.REFUSED
    assert result.view.data.get("field") == field, render(result.view)
    assert entry_count(db_session) == before


def test_closed_opportunity_refuses_changes(run, db_session, data):
    no = opened(run)
    run(f"opp lose {no} code=price_l", user="BOB")

    result = run(f"opp next {no}", user="BOB")
    assert result.status == Status.REFUSED
    assert "closed" in render(result.view)


def test_list_mine_and_by_stage(run, data):
    mine = opened(run)
    run('opp new globex "Tea" value=1000 salesperson=ann', user="ANN")
    run(f"opp next {mine}", user="BOB")

    assert run("opp list mine=yes", user="BOB").view.keys == [mine]
    assert run("opp list stage=2").view.keys == [mine]
    assert len(run("opp list status=all").view.keys) == 2


def test_cycle_statistics_command(run, data):
    opened(run)

    table = run("opp stats").view
    assert table.rows[0][:3] == ["1 Initial", "1", "20,000.00"]
    assert table.rows[-1][0] == "Total open"


def test_new_stage_with_activity_reports_its_tasks(run, data):
    no = opened(run)

    result = run(f"opp next {no}", user="BOB")
    assert "Call back" in render(result.view)

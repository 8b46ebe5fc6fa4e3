"""The forms against the real grammar: log, opportunities from new to won, and tasks."""

import json

import pytest
from sqlalchemy import select

from crm.interactions.models import InteractionLogEntry
from crm.opportunities.models import Opportunity, OpportunityEntry
from crm.setup.models import Salesperson
from crm.tasks.models import Task
from tests.activity_seed import seed
from tests.handlers.slack.conftest import (
    button,
    interactive,
    make_app,
    selected,
    slash,
    submission,
    text_input,
)

BOB = "UBOB"


@pytest.fixture
def app(engine, sessions, registry, fake_slack, db_session, actor, tmp_path):
    seed(db_session, actor)
    db_session.get(Salesperson, "BOB").slack_user_id = BOB
    db_session.commit()
    return make_app(engine, sessions, registry, fake_slack, tmp_path)


def submit(app, callback_id, values, view_id="V1"):
    response = interactive(app, submission(callback_id, values, user=BOB, view_id=view_id))
    return json.loads(response.body) if response.body else None


def new_opportunity(app, db_session, value="20k", view_id="V1"):
    values = {
        "contact": selected("Jane Roe", "external_select"),
        "description": text_input("Espresso machines"),
        "value": text_input(value),
        "cycle": selected("NEW"),
    }
    errors = submit(app, "opp-new", values, view_id)
    return errors, db_session.scalars(select(Opportunity)).first()


def test_the_log_form_logs_an_interaction(app, fake_slack, db_session):
    values = {
        "contact": selected("Jane Roe", "external_select"),
        "template": selected("CALL_OUT"),
        "description": text_input('Talked about "the offer" <!here>'),
        "duration": text_input("15"),
        "evaluation": selected("positive"),
    }

    assert submit(app, "log-interaction", values) is None

    entry = db_session.scalars(select(InteractionLogEntry)).one()
    assert entry.description == 'Talked about "the offer" <!here>'
    assert (entry.duration_min, entry.evaluation, entry.salesperson) == (15, "positive", "BOB")


def test_an_opportunity_from_form_to_won(app, fake_slack, db_session):
    errors, opp = new_opportunity(app, db_session)
    assert errors is None and opp.description == "Espresso machines"

    slash(app, fake_slack, f"opp show {opp.no}", user=BOB)
    card = fake_slack.wait_for("respond")[0].args["blocks"]
    buttons = {
        e["text"]["text"]: e.get("value")
        for b in card
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "button"
    }
    assert buttons["Win"] == f"opp win {opp.no}"

    interactive(app, button(fake_slack, buttons["Win"], user=BOB))
    form = fake_slack.wait_for("views.open")[0].args["view"]
    codes = next(b for b in form["blocks"] if b["block_id"] == "code")["element"]["options"]
    assert [o["value"] for o in codes] == ["PRICE_W"]

    values = {"opp": text_input(opp.no), "code": selected("PRICE_W")}
    assert submit(app, "opp-win", values, view_id="V2") is None
    db_session.refresh(opp)
    assert opp.status == "won"


def test_next_stage_twice_by_double_click_moves_once(app, fake_slack, db_session):
    _, opp = new_opportunity(app, db_session)
    command = f"opp next {opp.no}"

    interactive(app, button(fake_slack, command, user=BOB, trigger="t1"))
    interactive(app, button(fake_slack, command, user=BOB, trigger="t2"))

    stages = db_session.scalars(
        select(OpportunityEntry.stage).where(OpportunityEntry.opportunity_id == opp.id)
    ).all()
    assert len(stages) == 2


def test_a_bad_value_is_marked_on_the_value_field(app, fake_slack, db_session):
    errors, opp = new_opportunity(app, db_session, value="lots")

    assert opp is None
    assert list(errors["errors"]) == ["value"]


def test_the_task_form_adds_a_task(app, fake_slack, db_session):
    values = {
        "description": text_input("Send the brochure"),
        "contact": selected("Jane Roe", "external_select"),
        "due": {"type": "datepicker", "selected_date": "2030-01-15"},
        "type": selected("phone_call"),
    }

    assert submit(app, "task-new", values) is None

    task = db_session.scalars(select(Task)).one()
    assert (task.description, task.due_date.isoformat(), task.type) == (
        "Send the brochure",
        "2030-01-15",
        "phone_call",
    )

"""Buttons: each runs its command as the clicking user, once however often it is clicked."""

import json

from sqlalchemy import func, select

from crm.contacts.models import Contact
from tests.handlers.slack.conftest import ADMIN, MEMBER, button, interactive, slash


def count(db_session, name):
    return db_session.scalar(select(func.count()).select_from(Contact).where(Contact.name == name))


def test_a_button_runs_its_command_as_the_user_who_clicked(slack_app, fake_slack, db_session):
    interactive(slack_app, button(fake_slack, 'contact add "Clicked Co"', user=ADMIN))

    contact = db_session.scalars(select(Contact).where(Contact.name == "Clicked Co")).one()
    assert contact.created_by == "ANN"
    assert "Added company" in json.dumps(fake_slack.wait_for("respond")[0].args)


def test_a_double_click_creates_one_record(slack_app, fake_slack, db_session):
    first = button(fake_slack, 'contact add "Once Only"', trigger="t1")
    second = button(fake_slack, 'contact add "Once Only"', trigger="t2")

    interactive(slack_app, first)
    interactive(slack_app, second)

    assert count(db_session, "Once Only") == 1
    assert len(fake_slack.of("respond")) == 1


def test_the_same_button_on_another_message_acts_again(slack_app, fake_slack, db_session):
    interactive(slack_app, button(fake_slack, 'contact add "Again"', message_ts="1.1"))
    interactive(slack_app, button(fake_slack, 'contact add "Again"', message_ts="2.2"))

    assert count(db_session, "Again") == 2


def test_an_overflow_option_runs_its_command(slack_app, fake_slack, db_session):
    payload = button(fake_slack, "", action_id="crm-overflow")
    action = payload["actions"][0]
    action.pop("value")
    action["type"] = "overflow"
    action["selected_option"] = {"value": "help contact", "text": {"type": "plain_text"}}

    interactive(slack_app, payload)

    assert "contact add" in json.dumps(fake_slack.wait_for("respond")[0].args)


def test_more_shows_the_next_page_in_place(slack_app, fake_slack):
    slash(slack_app, fake_slack, "probe rows 40")
    first = fake_slack.wait_for("respond")[0].args["blocks"]
    more = first[-1]["elements"][0]
    payload = button(fake_slack, more["value"], action_id=more["action_id"], user=MEMBER)

    interactive(slack_app, payload)

    page = fake_slack.wait_for("respond", 2)[1].args
    assert page["replace_original"] is True
    assert "(16–30 of 40)" in json.dumps(page["blocks"], ensure_ascii=False)

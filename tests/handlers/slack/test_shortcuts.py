"""Shortcuts: "Log to CRM" keeps a message (and its thread) as an interaction with its link."""

import json

from sqlalchemy import select

from crm.interactions.models import InteractionLogEntry
from tests.handlers.slack.conftest import (
    MEMBER,
    interactive,
    selected,
    slash,
    submission,
    text_input,
)


def message_action(text="Customer asked for a quote <!channel>", thread_ts=None):
    message = {"type": "message", "user": "UCUST", "ts": "1700000000.000200", "text": text}
    if thread_ts:
        message["thread_ts"] = thread_ts
    return {
        "type": "message_action",
        "token": "legacy",
        "action_ts": "1700000001.1",
        "team": {"id": "T0001", "domain": "acme"},
        "user": {"id": MEMBER, "name": "max"},
        "channel": {"id": "C0001", "name": "sales"},
        "callback_id": "log-to-crm",
        "trigger_id": "trig-s1",
        "message_ts": message["ts"],
        "message": message,
        "response_url": "http://127.0.0.1:9/unused",
    }


def opened_metadata(fake_slack):
    view = fake_slack.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == "log-message"
    return json.loads(view["private_metadata"]), view


def test_log_to_crm_opens_a_form_with_the_message(slack_app, fake_slack):
    interactive(slack_app, message_action())

    metadata, view = opened_metadata(fake_slack)
    assert metadata["channel"] == "C0001" and metadata["ts"] == "1700000000.000200"
    description = next(b for b in view["blocks"] if b["block_id"] == "description")
    assert description["element"]["initial_value"].startswith("Customer asked for a quote")


def test_a_message_and_its_thread_become_one_interaction_with_a_link(
    slack_app, fake_slack, db_session
):
    slash(slack_app, fake_slack, 'contact add "Quote Co"')
    fake_slack.state.threads[("C0001", "1700000000.000100")] = [
        {"user": "UCUST", "text": "Can we get a quote?", "ts": "1700000000.000100"},
        {"user": MEMBER, "text": "Sure, by Friday.", "ts": "1700000000.000200"},
    ]
    interactive(slack_app, message_action(thread_ts="1700000000.000100"))
    metadata, _ = opened_metadata(fake_slack)
    values = {
        "contact": selected("CT000001", "external_select"),
        "template": selected("CHAT"),
        "description": text_input("Quote asked in Slack"),
        "thread": {"type": "checkboxes", "selected_options": [{"value": "yes"}]},
    }

    response = interactive(slack_app, submission("log-message", values, metadata=metadata))

    assert response.status == 200 and not response.body
    entry = db_session.scalars(select(InteractionLogEntry)).one()
    assert entry.source_link == "https://acme.slack.com/archives/C0001/p1700000000000200"
    assert "Can we get a quote?" in entry.notes and "Sure, by Friday." in entry.notes
    assert (entry.description, entry.template_code, entry.salesperson) == (
        "Quote asked in Slack",
        "CHAT",
        "MAX",
    )
    assert "interaction" in json.dumps(fake_slack.wait_for("chat.postEphemeral")[0].args)


def test_a_message_needs_a_contact_or_an_opportunity(slack_app, fake_slack, db_session):
    interactive(slack_app, message_action())
    metadata, _ = opened_metadata(fake_slack)
    values = {"template": selected("CHAT"), "description": text_input("x")}

    response = interactive(slack_app, submission("log-message", values, metadata=metadata))

    assert "contact" in json.loads(response.body)["errors"]
    assert db_session.scalars(select(InteractionLogEntry)).first() is None


def test_an_unknown_template_is_marked_on_its_field(slack_app, fake_slack, db_session):
    slash(slack_app, fake_slack, 'contact add "Quote Co"')
    values = {
        "contact": selected("CT000001", "external_select"),
        "template": text_input("NOPE"),
        "description": text_input("x"),
    }

    response = interactive(slack_app, submission("log-message", values))

    errors = json.loads(response.body)["errors"]
    assert "no interaction template" in next(iter(errors.values()))


def test_the_global_shortcuts_open_the_main_forms(slack_app, fake_slack):
    for callback_id in ("shortcut-new-contact", "shortcut-log"):
        payload = {
            "type": "shortcut",
            "token": "legacy",
            "action_ts": "1.2",
            "team": {"id": "T0001", "domain": "acme"},
            "user": {"id": MEMBER, "username": "max", "team_id": "T0001"},
            "callback_id": callback_id,
            "trigger_id": f"trig-{callback_id}",
        }
        interactive(slack_app, payload)

    opened = [call.args["view"]["callback_id"] for call in fake_slack.wait_for("views.open", 2)]
    assert opened == ["contact-new", "log-interaction"]

"""The /crm command through the real Bolt app: ack at once, answer after, as the right user."""

import json
import logging

from sqlalchemy import func, select

from crm.contacts.models import Contact
from crm.setup.models import Salesperson
from tests.fakes.slack_api import FAILING_TOKEN, RATE_LIMITED_TOKEN
from tests.handlers.slack.conftest import ADMIN, MEMBER, STRANGER, interactive, make_app, slash


def contacts(db_session, name):
    return db_session.scalar(select(func.count()).select_from(Contact).where(Contact.name == name))


def test_a_command_is_acked_at_once_and_answered_privately(slack_app, fake_slack, db_session):
    response = slash(slack_app, fake_slack, 'contact add "Acme Corp" email=info@acme.com')

    assert response.status == 200
    reply = fake_slack.wait_for("respond")[0].args
    assert reply["response_type"] == "ephemeral"
    assert "Added company CT" in json.dumps(reply["blocks"])
    contact = db_session.scalars(select(Contact).where(Contact.name == "Acme Corp")).one()
    assert (contact.created_by, contact.created_via) == ("MAX", "slack")


def test_share_posts_the_answer_to_the_channel(slack_app, fake_slack):
    slash(slack_app, fake_slack, "help share")

    reply = fake_slack.wait_for("respond")[0].args
    assert reply["response_type"] == "in_channel"
    assert "contact" in json.dumps(reply["blocks"])


def test_mentions_and_markup_in_user_data_are_escaped(slack_app, fake_slack, db_session):
    slash(slack_app, fake_slack, 'contact add "<!channel> & <@U123|boss> @here"')

    shown = json.dumps(fake_slack.wait_for("respond")[0].args)
    assert "<!channel>" not in shown and "<@U123" not in shown
    assert "&lt;!channel&gt; &amp; &lt;@U123|boss&gt;" in shown
    assert "@here" not in shown  # defused with a zero-width space
    assert contacts(db_session, "<!channel> & <@U123|boss> @here") == 1


def test_a_retried_command_does_not_create_a_second_record(slack_app, fake_slack, db_session):
    text = 'contact add "Retry Ltd"'
    slash(slack_app, fake_slack, text, trigger="trig-9")
    fake_slack.wait_for("respond")
    retry = {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}
    response = slash(slack_app, fake_slack, text, trigger="trig-9", headers=retry)

    assert response.status == 200
    assert contacts(db_session, "Retry Ltd") == 1


def test_a_stranger_is_told_how_an_admin_adds_them(slack_app, fake_slack, db_session):
    fake_slack.state.emails[STRANGER] = "who@elsewhere.test"
    slash(slack_app, fake_slack, 'contact add "Nope Inc"', user=STRANGER)

    shown = json.dumps(fake_slack.wait_for("respond")[0].args)
    assert "does not know you yet" in shown
    assert "setup salesperson add" in shown and "who@elsewhere.test" in shown
    assert contacts(db_session, "Nope Inc") == 0


def test_a_slack_user_is_linked_by_profile_email_once(slack_app, fake_slack, db_session):
    fake_slack.state.emails["UNINA"] = "Nina@Rapport.test"
    slash(slack_app, fake_slack, 'contact add "Linked Co"', user="UNINA")
    fake_slack.wait_for("respond")
    slash(slack_app, fake_slack, 'contact add "Linked Two"', user="UNINA", trigger="trig-2")
    fake_slack.wait_for("respond", 2)

    nina = db_session.get(Salesperson, "NEW")
    db_session.refresh(nina)
    assert nina.slack_user_id == "UNINA"
    assert len(fake_slack.of("users.info")) == 1
    assert contacts(db_session, "Linked Two") == 1


def test_setup_commands_are_for_admins_only(slack_app, fake_slack):
    slash(slack_app, fake_slack, "probe admin", user=MEMBER, trigger="t1")
    fake_slack.wait_for("respond", 1)
    slash(slack_app, fake_slack, "probe admin", user=ADMIN, trigger="t2")

    replies = [json.dumps(call.args) for call in fake_slack.wait_for("respond", 2)]
    assert any("is for admins" in reply for reply in replies)
    assert any("Admin work done by ANN" in reply for reply in replies)


def test_an_ambiguous_name_offers_buttons_that_run_the_command_again(
    slack_app, fake_slack, db_session
):
    slash(slack_app, fake_slack, 'contact add "Globex East"', trigger="t1")
    fake_slack.wait_for("respond", 1)
    slash(slack_app, fake_slack, 'contact add "Globex West"', trigger="t2")
    fake_slack.wait_for("respond", 2)
    slash(slack_app, fake_slack, "contact show globex", trigger="t3")

    blocks = fake_slack.wait_for("respond", 3)[2].args["blocks"]
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(buttons) == 2
    assert all(b["value"].startswith("contact show CT") for b in buttons)


def test_an_unexpected_failure_is_an_apology_with_a_reference(slack_app, fake_slack, caplog):
    with caplog.at_level(logging.ERROR):
        slash(slack_app, fake_slack, "probe crash")
        shown = json.dumps(fake_slack.wait_for("respond")[0].args)

    assert "Sorry, something went wrong" in shown
    reference = shown.split("reference ")[1][:8]
    assert reference in caplog.text and "the disk is on fire" in caplog.text
    assert "xoxb-" not in caplog.text


def test_charts_are_uploaded_in_three_steps(slack_app, fake_slack):
    slash(slack_app, fake_slack, "probe chart share")

    complete = fake_slack.wait_for("files.completeUploadExternal")[0].args
    assert complete["channel_id"] == "C0001"
    assert fake_slack.of("files.getUploadURLExternal")[0].args["filename"] == "probe.png"
    assert fake_slack.of("upload")[0].args["bytes"] > 0
    assert "Probe chart" in json.dumps(fake_slack.wait_for("respond")[0].args)


def test_a_private_chart_goes_to_the_users_direct_messages(slack_app, fake_slack):
    slash(slack_app, fake_slack, "probe chart")

    complete = fake_slack.wait_for("files.completeUploadExternal")[0].args
    assert complete["channel_id"] == "DMEMBER"


def test_rate_limited_calls_are_retried_after_retry_after(
    engine, sessions, registry, fake_slack, people, tmp_path, db_session
):
    app = make_app(engine, sessions, registry, fake_slack, tmp_path, token=RATE_LIMITED_TOKEN)
    fake_slack.state.emails["UNINA"] = "nina@rapport.test"
    slash(app, fake_slack, 'contact add "Patient Co"', user="UNINA")

    fake_slack.wait_for("respond")
    statuses = [call.status for call in fake_slack.of("users.info")]
    assert statuses == [429, 200]
    assert contacts(db_session, "Patient Co") == 1


def test_a_failing_slack_api_is_logged_with_a_reference_and_no_token(
    engine, sessions, registry, fake_slack, people, tmp_path, caplog
):
    app = make_app(
        engine, sessions, registry, fake_slack, tmp_path, token=FAILING_TOKEN, verify=False
    )
    payload = {
        "type": "shortcut",
        "token": "legacy",
        "action_ts": "1.2",
        "team": {"id": "T0001", "domain": "acme"},
        "user": {"id": MEMBER, "username": "max", "team_id": "T0001"},
        "callback_id": "shortcut-new-contact",
        "trigger_id": "trig-x",
    }

    with caplog.at_level(logging.INFO):
        response = interactive(app, payload)

    assert response.status == 200  # acked before the failing call
    assert "Slack API call failed: fatal_error (reference " in caplog.text
    assert "Could not tell UMEMBER about an error: fatal_error" in caplog.text
    assert FAILING_TOKEN not in caplog.text

"""The protocol: signatures, stale timestamps, the HTTP endpoint and the ack before the work."""

import json
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import select

from bot.slack import http_server, socket_mode
from crm.contacts.models import Contact
from tests.fakes.slack_socket import FakeSocketMode
from tests.handlers.slack.conftest import (
    SECRET,
    command_body,
    settle,
    signed,
    slash,
)


def test_a_bad_signature_is_refused(slack_app, fake_slack):
    body = command_body(fake_slack, 'contact add "Forged"')
    request = signed(body, "application/x-www-form-urlencoded", secret="not-the-secret")

    response = slack_app.dispatch(request)

    assert response.status == 401
    assert fake_slack.of("respond") == []


def test_a_stale_timestamp_is_refused(slack_app, fake_slack):
    body = command_body(fake_slack, 'contact add "Replayed"')
    stale = int(time.time()) - 301
    request = signed(body, "application/x-www-form-urlencoded", timestamp=stale)

    assert slack_app.dispatch(request).status == 401


def test_url_verification_echoes_the_challenge(slack_app):
    body = json.dumps({"token": "legacy", "challenge": "abc123", "type": "url_verification"})

    response = slack_app.dispatch(signed(body, "application/json"))

    assert response.status == 200 and "abc123" in response.body


@pytest.fixture
def endpoint(slack_app):
    server = http_server(slack_app, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    server.shutdown()
    server.server_close()
    settle(slack_app)


def post(url, body, headers):
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_http_endpoint_acks_then_answers(endpoint, slack_app, fake_slack):
    request = signed(command_body(fake_slack, "help"), "application/x-www-form-urlencoded")
    headers = {name: values[0] for name, values in request.headers.items()}

    status, body = post(endpoint, request.raw_body, headers)

    assert (status, body) == (200, "")
    assert "contact" in json.dumps(fake_slack.wait_for("respond")[0].args)


def test_the_http_endpoint_refuses_unsigned_requests(endpoint, fake_slack):
    body = command_body(fake_slack, "help")

    status, _ = post(endpoint, body, {"content-type": "application/x-www-form-urlencoded"})

    assert status == 401


def test_the_signing_secret_is_never_logged(slack_app, fake_slack, caplog):
    with caplog.at_level("DEBUG"):
        slash(slack_app, fake_slack, "help")

    assert SECRET not in caplog.text and "xoxb-valid" not in caplog.text


def test_socket_mode_delivers_commands_and_acks_them(slack_app, fake_slack, db_session):
    socket = FakeSocketMode()
    fake_slack.socket_url = socket.url
    payload = dict(parse_qsl(command_body(fake_slack, 'contact add "Socket Co"')))
    socket.envelopes.append(
        {
            "envelope_id": "env-1",
            "payload": payload,
            "type": "slash_commands",
            "accepts_response_payload": True,
        }
    )
    handler = socket_mode(slack_app, "xapp-test-token")
    handler.connect()
    try:
        acks = socket.wait_for_acks(1)
        reply = fake_slack.wait_for("respond")[0].args
        settle(slack_app)
    finally:
        handler.close()
        socket.close()

    assert acks[0]["envelope_id"] == "env-1"
    assert "Added company" in json.dumps(reply)
    assert fake_slack.of("apps.connections.open")[0].token == "xapp-test-token"
    assert db_session.scalars(select(Contact).where(Contact.name == "Socket Co")).one()

"""Fixtures of the Slack tests: a fake Web API, the real Bolt app and signed requests."""

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.app import Rapport
from bot.settings import Settings
from bot.slack import build_slack_app
from crm.interactions.models import InteractionGroup, InteractionTemplate
from crm.setup.models import Role, Salesperson
from handlers.commands import build_registry
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack

SECRET = "test-signing-secret"
ADMIN, MEMBER, STRANGER = "UADMIN", "UMEMBER", "USTRANGER"


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.close()


@pytest.fixture
def people(db_session):
    """An admin and a member already linked to Slack, and a template to log with."""
    db_session.add_all(
        [
            Salesperson(
                code="ANN",
                name="Ann Admin",
                email="ann@rapport.test",
                search_email="ann@rapport.test",
                slack_user_id=ADMIN,
                role=Role.ADMIN.value,
                time_zone="Europe/Berlin",
            ),
            Salesperson(
                code="MAX",
                name="Max Member",
                email="max@rapport.test",
                search_email="max@rapport.test",
                slack_user_id=MEMBER,
            ),
            Salesperson(
                code="NEW",
                name="Nina New",
                email="nina@rapport.test",
                search_email="nina@rapport.test",
            ),
            InteractionGroup(code="CALLS", description="Calls"),
            InteractionTemplate(code="CALL", group_code="CALLS", description="Phone call"),
            InteractionTemplate(code="CHAT", group_code="CALLS", description="Slack chat"),
        ]
    )
    db_session.commit()
    return db_session


@pytest.fixture
def registry():
    """The real grammar, plus two probes: an admin-only command and one that crashes."""
    registry = build_registry()
    registry.area("probe", "test probes")
    registry.command(
        "probe",
        "admin",
        "tests.handlers.slack.probes:admin_only",
        summary="admins only",
        usage="probe admin",
        admin=True,
    )
    registry.command(
        "probe", "crash", "tests.handlers.slack.probes:crash", summary="fails", usage="probe crash"
    )
    registry.command(
        "probe", "chart", "tests.handlers.slack.probes:chart", summary="draws", usage="probe chart"
    )
    registry.command(
        "probe",
        "rows",
        "tests.handlers.slack.probes:rows",
        summary="many rows",
        usage="probe rows <n>",
    )
    return registry


class SettlingExecutor(ThreadPoolExecutor):
    """The listener pool, able to wait until the work after the ack is done."""

    def __init__(self) -> None:
        super().__init__(4, thread_name_prefix="test-slack")
        self._futures: list[Future] = []
        self._lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._futures.append(future)
        return future

    def settle(self, timeout: float = 15.0) -> None:
        """Wait (with a deadline) until every piece of submitted work has finished."""
        with self._lock:
            pending = list(self._futures)
        done, not_done = wait(pending, timeout=timeout)
        assert not not_done, "work after the ack did not finish in time"


def settle(app: App) -> None:
    """Wait for the lazy listeners a request started, so the test's transaction is free."""
    app.rapport_executor.settle()


def make_app(
    engine, sessions, registry, fake: FakeSlack, tmp_path, token=BOT_TOKEN, verify=True
) -> App:
    settings = Settings(
        slack_bot_token=token,
        slack_signing_secret=SECRET,
        slack_api_url=fake.api_url,
        output_dir=tmp_path / "output",
    )
    rapport = Rapport(settings, engine=engine)
    # The test's transaction stands in for the database, so every test rolls back.
    rapport.sessions = sessions
    rapport.__dict__["registry"] = registry
    executor = SettlingExecutor()
    app = build_slack_app(rapport, executor=executor, verify_token=verify)
    app.rapport_executor = executor
    return app


@pytest.fixture
def slack_app(engine, sessions, registry, fake_slack, people, tmp_path) -> App:
    return make_app(engine, sessions, registry, fake_slack, tmp_path)


def signed(
    body: str,
    content_type: str,
    *,
    timestamp: int | None = None,
    secret: str = SECRET,
    headers: dict[str, str] | None = None,
) -> BoltRequest:
    """Return a request signed as Slack signs it (stale when the timestamp is old)."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    all_headers = {
        "content-type": content_type,
        "x-slack-signature": signature,
        "x-slack-request-timestamp": ts,
        **(headers or {}),
    }
    return BoltRequest(body=body, headers=all_headers)


def command_body(
    fake: FakeSlack,
    text: str,
    *,
    user: str = MEMBER,
    trigger: str = "trig-1",
    channel: str = "C0001",
) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T0001",
            "team_domain": "acme",
            "channel_id": channel,
            "channel_name": "sales",
            "user_id": user,
            "user_name": "someone",
            "command": "/crm",
            "text": text,
            "api_app_id": "A0001",
            "is_enterprise_install": "false",
            "response_url": fake.response_url(trigger),
            "trigger_id": trigger,
        }
    )


def slash(app: App, fake: FakeSlack, text: str, **kwargs: Any) -> BoltResponse:
    headers = kwargs.pop("headers", None)
    body = command_body(fake, text, **kwargs)
    response = app.dispatch(signed(body, "application/x-www-form-urlencoded", headers=headers))
    settle(app)
    return response


def interactive(app: App, payload: dict[str, Any], **kwargs: Any) -> BoltResponse:
    body = urlencode({"payload": json.dumps(payload)})
    response = app.dispatch(signed(body, "application/x-www-form-urlencoded", **kwargs))
    settle(app)
    return response


def event(app: App, event: dict[str, Any], *, event_id: str = "Ev0001", **kwargs: Any):
    body = json.dumps(
        {
            "token": "legacy",
            "team_id": "T0001",
            "api_app_id": "A0001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}],
        }
    )
    response = app.dispatch(signed(body, "application/json", **kwargs))
    settle(app)
    return response


def button(
    fake: FakeSlack,
    value: str,
    *,
    user: str = MEMBER,
    action_id: str = "crm-run-0",
    message_ts: str = "1700000000.000100",
    trigger: str = "trig-b1",
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "someone", "team_id": "T0001"},
        "api_app_id": "A0001",
        "token": "legacy",
        "trigger_id": trigger,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": "C0001",
            "is_ephemeral": True,
        },
        "team": {"id": "T0001", "domain": "acme"},
        "channel": {"id": "C0001", "name": "sales"},
        "response_url": fake.response_url(trigger),
        "actions": [
            {
                "action_id": action_id,
                "block_id": "card-CT000001",
                "text": {"type": "plain_text", "text": "Go"},
                "value": value,
                "type": "button",
                "action_ts": str(time.time()),
            }
        ],
    }


def submission(
    callback_id: str,
    values: dict[str, dict[str, Any]],
    *,
    user: str = MEMBER,
    view_id: str = "V0100",
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A view_submission payload; values map block id to the element's state."""
    return {
        "type": "view_submission",
        "team": {"id": "T0001", "domain": "acme"},
        "user": {"id": user, "username": "someone", "team_id": "T0001"},
        "api_app_id": "A0001",
        "token": "legacy",
        "trigger_id": "trig-v1",
        "view": {
            "id": view_id,
            "team_id": "T0001",
            "type": "modal",
            "blocks": [],
            "private_metadata": json.dumps(metadata or {"channel": "C0001"}),
            "callback_id": callback_id,
            "state": {"values": {key: {key: value} for key, value in values.items()}},
            "hash": "h1",
            "title": {"type": "plain_text", "text": "x"},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": "A0001",
            "external_id": "",
            "app_installed_team_id": "T0001",
            "bot_id": "BBOT",
        },
        "response_urls": [],
    }


def text_input(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def selected(value: str, kind: str = "static_select") -> dict[str, Any]:
    return {
        "type": kind,
        "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}},
    }


def all_text(call) -> str:
    """Return everything a recorded call would show, as one JSON string."""
    return json.dumps(call.args, ensure_ascii=False)

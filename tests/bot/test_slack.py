"""The Slack composition root and the manifest a workspace admin installs."""

import json
from pathlib import Path

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.app import Rapport
from bot.settings import Settings
from bot.slack import slack_client
from handlers.slack.ids import CallbackId

MANIFEST = Path(__file__).resolve().parents[2] / "bot" / "manifest.json"


def test_the_manifest_declares_what_the_app_listens_to():
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    features, settings = manifest["features"], manifest["settings"]

    shortcuts = {(s["callback_id"], s["type"]) for s in features["shortcuts"]}
    assert shortcuts == {
        (CallbackId.SHORTCUT_LOG_MESSAGE.value, "message"),
        (CallbackId.SHORTCUT_NEW_CONTACT.value, "global"),
        (CallbackId.SHORTCUT_LOG.value, "global"),
    }
    assert [c["command"] for c in features["slash_commands"]] == [Settings().slack_command]
    assert features["app_home"]["home_tab_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert settings["interactivity"]["is_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "users:read.email", "files:write", "im:write"} <= scopes


def test_the_web_client_waits_out_rate_limits(tmp_path):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'r.db'}",
        slack_bot_token="xoxb-test",
        slack_signing_secret="s",
        slack_api_url="http://127.0.0.1:9/api/",
    )

    client = slack_client(Rapport(settings))

    assert any(isinstance(h, RateLimitErrorRetryHandler) for h in client.retry_handlers)
    assert client.base_url == "http://127.0.0.1:9/api/"

"""The Slack notifier: DMs and channel posts through the Slack Web API."""

import logging
from typing import Any

from slack_sdk import WebClient

from scheduler.ports import PostedMessage

log = logging.getLogger(__name__)


class SlackNotifier:
    """Post, DM and update messages with a bot token's WebClient."""

    def __init__(self, client: WebClient) -> None:
        self._client = client
        self._dm_channels: dict[str, str] = {}

    def direct_message(
        self, user: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> PostedMessage:
        channel = self._dm_channels.get(user)
        if channel is None:
            opened = self._client.conversations_open(users=user)
            channel = self._dm_channels[user] = opened["channel"]["id"]
        return self.post(channel, text, blocks)

    def post(
        self, channel: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> PostedMessage:
        if channel.startswith(("U", "W")):
            return self.direct_message(channel, text, blocks)
        response = self._client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        log.info("Posted to %s", channel)
        return PostedMessage(response["channel"], response["ts"])

    def update(
        self, message: PostedMessage, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        self._client.chat_update(channel=message.channel, ts=message.ts, text=text, blocks=blocks)


class LogNotifier:
    """Where Slack is not configured: say in the log what would have been posted."""

    def direct_message(
        self, user: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> PostedMessage:
        log.info("Slack is off; a message for %s was not sent", user)
        log.debug("Message for %s: %s", user, text)
        return PostedMessage(user, "0")

    def post(
        self, channel: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> PostedMessage:
        return self.direct_message(channel, text, blocks)

    def update(
        self, message: PostedMessage, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        log.debug("Update of %s: %s", message.channel, text)

"""What jobs need from the outside world, built by bot and passed in."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from crm.db import utcnow


@dataclass(frozen=True)
class PostedMessage:
    """Where a posted Slack message is, so that it can be updated."""

    channel: str
    ts: str


class Notifier(Protocol):
    """Posts to Slack: direct messages to salespeople, messages in channels, and updates."""

    def direct_message(
        self, user: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> PostedMessage:
        """Send a direct message to a Slack user id."""
        ...

    def post(
        self, channel: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> PostedMessage:
        """Post a message in a channel (or to a user id, which Slack opens a DM for)."""
        ...

    def update(
        self, message: PostedMessage, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        """Replace the text of a message posted before."""
        ...


Clock = Callable[[], dt.datetime]


@dataclass
class Collaborators:
    """Everything a job may use; jobs never build their own."""

    sessions: sessionmaker[Session]
    instance: str = "local"
    clock: Clock = utcnow
    notifier: Notifier | None = None
    mailbox: Any = None  # a campaign sender (scheduler.outbound.Sender)
    renderer: Any = None  # renders campaign templates (crm.campaigns.content.Renderer)
    sync: Any = None  # the Dynamics 365 Sales sync client, when configured
    options: dict[str, Any] = field(default_factory=dict)

"""Tell a salesperson in Slack what their mail logged; by e-mail when they have no Slack id."""

import logging

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crm.setup.models import Salesperson
from handlers.slack.blocks import action_block
from handlers.slack.mrkdwn import clip, escape, md
from handlers.views import Action
from mail.notify import Notifier, Report

log = logging.getLogger(__name__)

TEXT_CHARS = 3000  # the notification text; the blocks carry the whole report


class SlackNotifier:
    """DM the salesperson a small Block Kit message; the choices are buttons running commands."""

    def __init__(
        self, *, client: WebClient, sessions: sessionmaker[Session], fallback: Notifier
    ) -> None:
        self.client = client
        self.sessions = sessions
        self.fallback = fallback

    def notify(self, *, salesperson: str | None, address: str, report: Report) -> None:
        """Deliver the report as a Slack DM, or through the fallback without a Slack id."""
        user_id = self.slack_user(salesperson, address)
        if user_id is None:
            self.fallback.notify(salesperson=salesperson, address=address, report=report)
            return
        channel = self.client.conversations_open(users=user_id)["channel"]["id"]
        self.client.chat_postMessage(
            channel=channel, text=clip(escape(report.text()), TEXT_CHARS), blocks=blocks(report)
        )
        log.info("Told %s in Slack what their mail logged", salesperson or user_id)

    def slack_user(self, salesperson: str | None, address: str) -> str | None:
        """Return the Slack user id of the salesperson (by code, else by e-mail), or None."""
        with self.sessions() as session:
            if salesperson:
                stmt = select(Salesperson.slack_user_id).where(Salesperson.code == salesperson)
            else:
                stmt = select(Salesperson.slack_user_id).where(
                    Salesperson.search_email == address.strip().lower()
                )
            return session.scalars(stmt).first() or None


def blocks(report: Report) -> list[dict[str, object]]:
    """Return the Block Kit of a report: what happened, then one button per choice."""
    heading = f"*Your mail “{escape(report.subject)}”*"
    body = "\n".join(escape(line) for line in report.lines) or "Nothing was logged."
    found: list[dict[str, object]] = [
        {"type": "section", "text": md(heading)},
        {"type": "section", "text": md(body)},
    ]
    if report.commands:
        actions = [Action(label, command) for label, command in report.commands]
        found.append(action_block(actions, block_id="mail-report"))
    return found

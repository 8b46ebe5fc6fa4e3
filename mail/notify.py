"""Tell the salesperson what a mail logged, or why not: in Slack, or by a reply e-mail."""

import logging
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from mail.mailbox import Mailbox

log = logging.getLogger(__name__)


@dataclass
class Report:
    """What one message did, in words a salesperson reads."""

    subject: str
    lines: list[str]
    commands: list[tuple[str, str]] = field(default_factory=list)  # (label, grammar command)
    in_reply_to: str | None = None

    def text(self) -> str:
        """Return the report as plain text."""
        body = [*self.lines]
        if self.commands:
            body += ["", "To decide, run one of these (in Slack: /crm ...):"]
            body += [f"  {command}    {label}" for label, command in self.commands]
        return "\n".join(body) + "\n"


class Notifier(Protocol):
    """Somewhere to tell a salesperson about their mail; Slack when configured."""

    def notify(self, *, salesperson: str | None, address: str, report: Report) -> None:
        """Deliver the report to the salesperson."""
        ...


class EmailNotifier:
    """Reply by e-mail from the bot mailbox; marked automatic so no one answers it."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    def notify(self, *, salesperson: str | None, address: str, report: Report) -> None:
        message = EmailMessage()
        message["From"] = self.mailbox.address
        message["To"] = address
        message["Subject"] = f"Rapport: {report.subject}"[:200]
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.mailbox.address.rpartition("@")[2])
        # RFC 3834: our reply is automatic; ask servers and clients not to answer it.
        message["Auto-Submitted"] = "auto-replied"
        message["X-Auto-Response-Suppress"] = "All"
        if report.in_reply_to:
            message["In-Reply-To"] = f"<{report.in_reply_to}>"
            message["References"] = f"<{report.in_reply_to}>"
        message.set_content(report.text())
        self.mailbox.send(message)
        log.info("Told %s by e-mail what their mail logged", salesperson or address)

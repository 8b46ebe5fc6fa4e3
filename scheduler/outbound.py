"""Outbound campaign mail: the message with its headers, and the senders it goes through."""

import hashlib
import logging
import os
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """One rendered message for one outbox row."""

    row_id: int
    message_id: str
    to: str
    subject: str
    text: str
    html: str
    list_unsubscribe: str
    list_unsubscribe_post: str | None
    campaign_no: str


class Sender(Protocol):
    """A mailbox that sends campaign mail and can tell which Message-IDs already left."""

    address: str

    def send(self, messages: list[Message]) -> dict[str, str]:
        """Send the messages; return the Message-IDs refused for good, with the reason.

        Raise when the outcome is unknown (a dropped connection): the rows then stay
        `sending` and are checked with sent_ids() before anything is sent again.
        """
        ...

    def sent_ids(self, message_ids: list[str]) -> set[str] | None:
        """Return which of these Message-IDs the mailbox has sent; None if it cannot tell."""
        ...


def build_message(item: Outgoing, *, sender: str) -> Message:
    """Return the MIME message of one outgoing campaign mail, with its bulk-mail headers."""
    # The compat32 classes, because the modern header registry parses every header it is
    # given and costs ten times as much per message, which a 10,000-recipient send feels.
    message: Message
    if item.html:
        message = MIMEMultipart("alternative")
        message.attach(MIMEText(item.text or " ", "plain", "utf-8"))
        message.attach(MIMEText(item.html, "html", "utf-8"))
    else:
        message = MIMEText(item.text or " ", "plain", "utf-8")
    message["From"] = sender
    message["To"] = item.to
    message["Subject"] = item.subject if item.subject.isascii() else Header(item.subject, "utf-8")
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = item.message_id
    # RFC 3834 and Microsoft's suppression header keep out-of-office replies away from the
    # bot mailbox; Precedence: bulk does the same for older autoresponders.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    message["Precedence"] = "bulk"
    message["List-Unsubscribe"] = item.list_unsubscribe
    if item.list_unsubscribe_post:
        message["List-Unsubscribe-Post"] = item.list_unsubscribe_post
    message["X-Rapport-Campaign"] = item.campaign_no
    return message


def message_key(message_id: str) -> str:
    """Return a file-name-safe key of a Message-ID."""
    return hashlib.sha256(message_id.strip().encode()).hexdigest()[:32]


class MaildirSender:
    """Write campaign mail into a Maildir folder (the outbox), one file per Message-ID.

    Each file is written in tmp/ and renamed into new/, so after a crash of Rapport a message
    is either wholly there or absent (no fsync: a crash of the machine itself may lose the
    last files, which the send then writes again); its name comes from its Message-ID, so a
    resend of the same row is a no-op.
    """

    def __init__(self, folder: Path, *, address: str) -> None:
        self.address = address
        self.folder = Path(folder)
        for part in ("tmp", "new", "cur"):
            (self.folder / part).mkdir(parents=True, exist_ok=True)

    def send(self, messages: list[Message]) -> dict[str, str]:
        for message in messages:
            key = message_key(str(message["Message-ID"]))
            final = self.folder / "new" / key
            if final.exists():
                continue
            temporary = self.folder / "tmp" / f"{key}.{os.getpid()}"
            temporary.write_bytes(message.as_bytes())
            os.replace(temporary, final)
        log.info("Wrote %s campaign messages to %s", len(messages), self.folder)
        return {}

    def sent_ids(self, message_ids: list[str]) -> set[str]:
        present = {
            path.name.split(":", 1)[0]
            for part in ("new", "cur")
            for path in (self.folder / part).iterdir()
        }
        return {item for item in message_ids if message_key(item) in present}

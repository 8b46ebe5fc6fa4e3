"""Campaign senders over the mail side's mailboxes, with a check of what already left."""

import logging
from collections.abc import Callable, Sequence
from email.message import Message
from typing import Any

log = logging.getLogger(__name__)

SentCheck = Callable[[list[str]], set[str] | None]


class MailboxSender:
    """Send through a mailbox's send_many (EWS: one CreateItem per batch; Graph: sendMail).

    The check of sent Message-IDs is the backend's own (the sent folder searched by
    InternetMessageId), given by bot; without one a resumed send cannot tell and says so.
    """

    def __init__(self, mailbox: Any, *, sent_check: SentCheck | None = None) -> None:
        self.mailbox = mailbox
        self.address: str = mailbox.address
        self._sent_check = sent_check

    def send(self, messages: list[Message]) -> dict[str, str]:
        self.mailbox.send_many(messages)
        return {}

    def sent_ids(self, message_ids: list[str]) -> set[str] | None:
        if self._sent_check is None:
            return None
        return self._sent_check(message_ids)


def ews_sent_check(account: Any) -> SentCheck:
    """Return a check that searches an Exchange account's Sent Items by InternetMessageId."""

    def check(message_ids: list[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(message_ids, 50):
            query = account.sent.filter(message_id__in=list(chunk))
            found.update(str(value) for value in query.values_list("message_id", flat=True))
        return found & set(message_ids)

    return check


def graph_sent_check(mailbox: Any) -> SentCheck:
    """Return a check that filters an Exchange Online mailbox's sentitems by internetMessageId."""

    def check(message_ids: list[str]) -> set[str]:
        found: set[str] = set()
        for message_id in message_ids:
            escaped = message_id.replace("'", "''")
            response = mailbox._request(
                "GET",
                f"{mailbox.base}/mailFolders/sentitems/messages",
                params={
                    "$filter": f"internetMessageId eq '{escaped}'",
                    "$select": "internetMessageId",
                },
            )
            found.update(
                entry.get("internetMessageId", "") for entry in response.json().get("value", [])
            )
        return found & set(message_ids)

    return check


def _chunks(items: Sequence[str], size: int) -> list[Sequence[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]

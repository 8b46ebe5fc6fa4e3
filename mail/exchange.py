"""Exchange Server through EWS (exchangelib), pinned so that it never probes or autodiscovers."""

import logging
from collections.abc import Iterator, Sequence
from email.message import EmailMessage
from typing import Any

from exchangelib import DELEGATE, Account, Build, Configuration, Credentials, Message, Version
from exchangelib.folders import BaseFolder
from exchangelib.items import SEND_AND_SAVE_COPY

from mail.mailbox import QueuedMessage

log = logging.getLogger(__name__)

SEPARATOR = "\t"


class ExchangeMailbox:
    """A mailbox on Exchange Server; folders are named by path, e.g. "Inbox/CRM/Queue".

    The version and the auth type are pinned: exchangelib then sends no probe request, and
    Account() sends nothing at all. Folder paths below the first are found with `//`, one
    shallow FindFolder each, rather than by loading the whole folder tree.
    """

    def __init__(
        self,
        *,
        endpoint: str,
        address: str,
        username: str | None = None,
        password: str | None = None,
        credentials: Any = None,
        version: str = "15.1",
        auth_type: str = "NTLM",
        queue: str = "Inbox/Rapport/Queue",
        storage: str = "Inbox/Rapport/Storage",
        failed: str = "Inbox/Rapport/Failed",
        page_size: int = 100,
        max_connections: int = 4,
    ) -> None:
        if credentials is None and username:
            credentials = Credentials(username, password or "")
        build = Build(*(int(part) for part in version.split(".")))
        config = Configuration(
            service_endpoint=endpoint,
            credentials=credentials,
            auth_type=auth_type,
            version=Version(build=build),
            max_connections=max_connections,
        )
        self.address = address
        self.account = Account(address, config=config, autodiscover=False, access_type=DELEGATE)
        self.paths = {"queue": queue, "storage": storage, "failed": failed}
        self.page_size = page_size
        self._folders: dict[str, BaseFolder] = {}
        self._in_flight: set[str] = set()  # taken from the queue, not yet moved out of it

    def folder(self, name: str) -> BaseFolder:
        """Return the queue, storage or failed folder, looked up once by its path."""
        if name not in self._folders:
            parts = [part for part in self.paths[name].split("/") if part]
            folder = self.account.inbox if parts[0].lower() == "inbox" else self.account.root
            for part in parts[1:] if parts[0].lower() == "inbox" else parts:
                folder = folder // part
            self._folders[name] = folder
        return self._folders[name]

    def queue(self, limit: int | None = None) -> Iterator[QueuedMessage]:
        # Each page is listed from the start: what was taken before is either moved out by then
        # or still waiting to be (the watcher moves a group once it is committed), so the
        # listing reaches past those still here, and a growing offset would skip what moved.
        seen: set[str] = set()
        taken = 0
        while limit is None or taken < limit:
            size = self.page_size if limit is None else min(self.page_size, limit - taken)
            listing = self.folder("queue").all().order_by("datetime_received")
            window = listing.values_list("id", "changekey")[: size + len(self._in_flight)]
            ids = [i for i in window if i[0] not in seen][:size]
            if not ids:
                return
            seen.update(item_id for item_id, _ in ids)
            for item in self.account.fetch(ids=ids, only_fields=["mime_content"]):
                if isinstance(item, Exception):  # exchangelib returns per-item errors in place
                    log.warning("Exchange could not return a queued message: %s", item)
                    continue
                taken += 1
                self._in_flight.add(item.id)
                ref = f"{item.id}{SEPARATOR}{item.changekey}"
                yield QueuedMessage(ref, bytes(item.mime_content))

    def count(self) -> int:
        return int(self.folder("queue").all().count())

    def store(self, ref: str) -> None:
        self._move(ref, "storage")

    def fail(self, ref: str, reason: str) -> None:
        log.info("Exchange message moved to the failed folder: %s", reason)
        self._move(ref, "failed")

    def _move(self, ref: str, name: str) -> None:
        item_id, _, changekey = ref.partition(SEPARATOR)
        self._in_flight.discard(item_id)
        for result in self.account.bulk_move(
            ids=[(item_id, changekey)], to_folder=self.folder(name)
        ):
            if isinstance(result, Exception):
                log.warning("Exchange could not move a message to %s: %s", name, result)

    def send(self, message: EmailMessage) -> None:
        self.send_many([message])

    def send_many(self, messages: Sequence[EmailMessage]) -> None:
        # One CreateItem with every message: one request for a whole batch.
        items = [Message(account=self.account, mime_content=bytes(m)) for m in messages]
        results = self.account.bulk_create(
            folder=self.account.sent, items=items, message_disposition=SEND_AND_SAVE_COPY
        )
        for result in results:
            if isinstance(result, Exception):
                raise result
        log.info("Exchange sent %d message(s)", len(items))

    def close(self) -> None:
        self.account.protocol.close()

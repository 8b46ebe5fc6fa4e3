"""The bot mailbox behind one small interface: a local Maildir, Exchange Server or Online."""

import logging
import mailbox as stdlib_mailbox
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueuedMessage:
    """A message waiting in the queue folder: the backend's reference and its raw MIME."""

    ref: str
    raw: bytes


class Mailbox(Protocol):
    """What the watcher and the senders need from a mailbox, whichever server holds it."""

    address: str

    def queue(self, limit: int | None = None) -> Iterator[QueuedMessage]:
        """Yield the messages waiting in the queue folder, oldest first."""
        ...

    def count(self) -> int:
        """Return how many messages wait in the queue folder."""
        ...

    def store(self, ref: str) -> None:
        """Move a processed message to the storage folder."""
        ...

    def fail(self, ref: str, reason: str) -> None:
        """Move a message that could not be processed to the failed folder."""
        ...

    def send(self, message: EmailMessage) -> None:
        """Send one message from the bot mailbox."""
        ...

    def send_many(self, messages: Sequence[EmailMessage]) -> None:
        """Send several messages, in as few requests as the server allows."""
        ...


class MaildirMailbox:
    """The embedded default: queue, storage, failed and outbox Maildirs under one folder.

    Moving is a rename within one file system, so a message is in exactly one folder at any
    moment, whatever happens to the process.
    """

    FOLDERS = ("queue", "storage", "failed", "outbox")

    def __init__(self, root: Path, *, address: str = "crm@localhost") -> None:
        self.root = Path(root)
        self.address = address
        for name in self.FOLDERS:
            for sub in ("tmp", "new", "cur"):
                (self.root / name / sub).mkdir(parents=True, exist_ok=True)

    def folder(self, name: str) -> Path:
        """Return the path of one of the Maildir folders."""
        return self.root / name

    def deliver(self, raw: bytes, folder: str = "queue") -> str:
        """Put a raw message into a folder, as a mail server would (tmp, then new)."""
        box = stdlib_mailbox.Maildir(self.root / folder, factory=None, create=True)
        return str(box.add(raw))

    def _files(self, folder: str) -> list[Path]:
        files: list[Path] = []
        for sub in ("new", "cur"):
            with os.scandir(self.root / folder / sub) as entries:
                files += [Path(e.path) for e in entries if e.is_file() and e.name[0] != "."]
        return sorted(files, key=lambda path: path.name)

    def queue(self, limit: int | None = None) -> Iterator[QueuedMessage]:
        for path in self._files("queue")[:limit]:
            try:
                raw = path.read_bytes()
            except FileNotFoundError:  # another instance took it meanwhile
                continue
            yield QueuedMessage(f"{path.parent.name}/{path.name}", raw)

    def count(self) -> int:
        return len(self._files("queue"))

    def count_in(self, folder: str) -> int:
        """Return how many messages a folder holds."""
        return len(self._files(folder))

    def store(self, ref: str) -> None:
        self._move(ref, "storage")

    def fail(self, ref: str, reason: str) -> None:
        self._move(ref, "failed")
        with (self.root / "failed" / "reasons.txt").open("a", encoding="utf-8") as reasons:
            reasons.write(f"{ref.rpartition('/')[2]}\t{' '.join(reason.split())}\n")

    def _move(self, ref: str, folder: str) -> None:
        source = self.root / "queue" / ref
        name = source.name.split(":", 1)[0] + ":2,S"
        try:
            os.replace(source, self.root / folder / "cur" / name)
        except FileNotFoundError:
            log.warning("Mail %s was no longer in the queue when moving it to %s", ref, folder)

    def send(self, message: EmailMessage) -> None:
        self.deliver(bytes(message), "outbox")
        log.info("Mail to %s put in the outbox", message["To"])

    def send_many(self, messages: Sequence[EmailMessage]) -> None:
        for message in messages:
            self.send(message)

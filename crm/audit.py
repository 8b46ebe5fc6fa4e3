"""Who changed a record and through which front: every write carries an Actor."""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import UTCDateTime, utcnow


class Channel(StrEnum):
    """The front a change came through."""

    SLACK = "slack"
    EMAIL = "email"
    CONSOLE = "console"
    SYNC = "sync"
    SCHEDULER = "scheduler"


@dataclass(frozen=True)
class Actor:
    """The salesperson (if known) acting, and the front they act through."""

    channel: Channel
    salesperson: str | None = None
    user: str | None = None

    def __str__(self) -> str:
        who = self.salesperson or self.user or "system"
        return f"{who} via {self.channel}"


SYSTEM = Actor(Channel.CONSOLE)


class Audited:
    """Columns recording who created and last changed a row, and through which front."""

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(50))
    created_via: Mapped[str] = mapped_column(String(10), default=Channel.CONSOLE.value)
    modified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_by: Mapped[str | None] = mapped_column(String(50))
    modified_via: Mapped[str] = mapped_column(String(10), default=Channel.CONSOLE.value)


def stamp(record: Audited, actor: Actor, *, created: bool = False) -> None:
    """Record on the row that the actor changed it now."""
    now = utcnow()
    who = actor.salesperson or actor.user
    if created:
        record.created_at, record.created_by, record.created_via = now, who, actor.channel.value
    record.modified_at, record.modified_by, record.modified_via = now, who, actor.channel.value

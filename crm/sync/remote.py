"""What the sync engine needs from a Dataverse client; bot supplies the HTTP one.

The engine knows no transport: it talks to this protocol, and bot/dataverse.py implements it
on httpx and MSAL. Tests run the real client against a loopback OData fake.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

Row = dict[str, Any]


class RemoteError(Exception):
    """Dataverse could not be reached or refused a request the sync cannot work around."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class DeltaExpired(RemoteError):
    """A change-tracking token is too old (or unknown); the table must be read in full."""


@dataclass
class Changes:
    """Rows changed since a delta link (all rows without one), rows deleted, the next link."""

    rows: list[Row]
    deleted: list[str]
    delta_link: str


class Verb(StrEnum):
    UPSERT = "upsert"  # PATCH without If-Match: create the row with our id, or update it
    UPDATE = "update"  # PATCH with If-Match: never resurrect a deleted row
    DELETE = "delete"


@dataclass
class Operation:
    """One write of a $batch change set."""

    verb: Verb
    entity_set: str
    row_id: str
    body: Row = field(default_factory=dict)
    if_match: str | None = None  # an ETag, or "*" for update-only


@dataclass
class Outcome:
    """What Dataverse answered to one operation."""

    status: int
    etag: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class DataverseApi(Protocol):
    """The calls the sync engine makes."""

    max_batch: int

    @property
    def requests(self) -> int:
        """Return how many HTTP requests the client has sent so far."""
        ...

    def changes(self, entity_set: str, select: Sequence[str], delta_link: str | None) -> Changes:
        """Return what changed since delta_link, or every row with a first delta link."""
        ...

    def get(self, entity_set: str, row_id: str, select: Sequence[str]) -> Row | None:
        """Return one row, or None when it does not exist."""
        ...

    def query(self, entity_set: str, select: Sequence[str], where: dict[str, str]) -> list[Row]:
        """Return the rows whose columns equal the given values."""
        ...

    def write(self, operations: Sequence[Operation]) -> list[Outcome]:
        """Send up to max_batch writes as one change set; return one outcome per operation."""
        ...

"""Writing new contacts in bulk: numbers, ids, rows, search words and search strings."""

import operator
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from types import TracebackType
from typing import TypeVar, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from crm.contacts import duplicates as dupes
from crm.contacts import search
from crm.contacts.models import Contact, DuplicateSearchString
from crm.db import copy_rows, one_of, reserve_ids
from crm.numbering import next_numbers

CONTACTS = cast(Table, Contact.__table__)
SEARCH_STRINGS = cast(Table, DuplicateSearchString.__table__)
RECORD_KEYS = (*(c.key for c in CONTACTS.columns if c.key != "id"),)
_VALUES = operator.itemgetter(*RECORD_KEYS)
STRING_KEYS = ("contact_id", "field", "part", "value")

T = TypeVar("T")
P = TypeVar("P")


@dataclass
class Piece:
    """New contacts ready to write: their rows, search words and search strings."""

    contacts: list[tuple[object, ...]] = field(default_factory=list)
    words: dict[int, set[str]] = field(default_factory=dict)
    strings: list[tuple[object, ...]] = field(default_factory=list)


def make_piece(records: Iterable[dict[str, object]], *, strings: bool) -> Piece:
    """Return the rows of new contacts' records, which hold every column, id and number too."""
    piece = Piece()
    for record in records:
        cid = cast(int, record["id"])
        piece.contacts.append((cid, *_VALUES(record)))
        piece.words[cid] = _words(record)
        if strings and record["type"] == "company":
            piece.strings.extend((cid, *found) for found in dupes.search_strings_of(record))
    return piece


def _words(record: dict[str, object]) -> set[str]:
    return search.contact_words(
        no=str(record["no"]),
        name=str(record["name"]),
        company_name=cast(str | None, record.get("company_name")),
        emails=[cast(str | None, record.get("email"))],
        phones=[cast(str | None, record.get(key)) for key in ("phone", "mobile_phone")],
    )


def write_piece(db_session: Session, piece: Piece) -> None:
    """Write a piece's contacts, then their search words and strings."""
    connection = db_session.connection()
    copy_rows(connection, CONTACTS, ("id", *RECORD_KEYS), piece.contacts)
    search.store_words(db_session, piece.words)
    copy_rows(connection, SEARCH_STRINGS, STRING_KEYS, piece.strings)


def new_ids(db_session: Session, count: int, *, after: int = 0) -> list[int]:
    """Return count ids for new contacts past after, the last one taken and not yet written."""
    return reserve_ids(db_session.connection(), CONTACTS, count, after=after)


def series_numbers(db_session: Session, count: int, *, skip: set[str]) -> list[str]:
    """Return count free numbers of the contact series, past those in skip or in use."""
    found: list[str] = []
    while len(found) < count:
        block = next_numbers(db_session, "CONTACT", count - len(found))
        # One range read: the block's numbers share prefix and width, so they sort as text.
        in_block = select(Contact.no).where(Contact.no >= block[0], Contact.no <= block[-1])
        used = set(db_session.connection().scalars(in_block)) | skip
        found += (number for number in block if number not in used)
    return found


def taken(db_session: Session, numbers: Iterable[str]) -> set[str]:
    """Return which of these contact numbers are in use."""
    used: set[str] = set()
    connection = db_session.connection()
    for condition in one_of(connection, Contact.no, sorted(numbers)):
        used.update(connection.scalars(select(Contact.no).where(condition)))
    return used


class Ahead:
    """Run work one step ahead on a helper thread, or at once where a thread gains nothing.

    PostgreSQL stores what it is sent in another process, so a helper can make the next piece
    meanwhile. SQLite works inside this process: a helper would only take turns with it for
    the interpreter, and measured slower. Work given here must not touch the database.
    """

    def __init__(self, db_session: Session) -> None:
        threaded = db_session.connection().dialect.name == "postgresql"
        self._pool = ThreadPoolExecutor(1, "import") if threaded else None

    def submit(self, work: Callable[..., T], *args: object) -> "Future[T]":
        """Start work; its result, or what it raised, comes from the future."""
        if self._pool is not None:
            return self._pool.submit(work, *args)
        done: Future[T] = Future()
        try:
            done.set_result(work(*args))
        except Exception as error:
            done.set_exception(error)
        return done

    def map(self, work: Callable[[P], T], items: list[P]) -> Iterator[T]:
        """Yield work's result for each item, the next item's begun before one is handed out."""
        upcoming = [self.submit(work, item) for item in items[:1]]
        for at in range(len(items)):
            result = upcoming.pop().result()
            upcoming += [self.submit(work, item) for item in items[at + 1 : at + 2]]
            yield result

    def __enter__(self) -> "Ahead":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def pipeline(
    ahead: Ahead,
    plans: Iterator[P],
    make: Callable[[P], Piece],
    write: Callable[[P, Piece], None],
) -> None:
    """Make each plan's piece on the helper while the piece before is written."""
    pending: tuple[P, Future[Piece]] | None = None
    for plan in plans:
        making = (plan, ahead.submit(make, plan))
        if pending is not None:
            write(pending[0], pending[1].result())
        pending = making
    if pending is not None:
        write(pending[0], pending[1].result())

"""The leader lock: exactly one instance runs the scheduler at a time."""

import datetime as dt
import hashlib
import logging
from typing import Protocol

from sqlalchemy import Connection, Engine, create_engine, delete, insert, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import NullPool

from crm.db import utcnow
from crm.jobs.models import SchedulerLease

log = logging.getLogger(__name__)

LOCK_NAME = "rapport.scheduler"


def lock_key(name: str = LOCK_NAME) -> int:
    """Return the signed 64-bit advisory lock key of a name, the same in every instance."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class LeaderLock(Protocol):
    """Held by at most one instance; lost when that instance dies."""

    def acquire(self) -> bool:
        """Try to take the lock; True when this instance now holds it."""
        ...

    def held(self) -> bool:
        """Check (and renew, where leases expire) that this instance still holds the lock."""
        ...

    def release(self) -> None:
        """Give the lock up, so another instance takes over at once."""
        ...


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock on a connection of its own.

    The lock lives as long as the session, so it must not sit on a pooled connection that
    pre-ping or recycling could swap underneath us: a NullPool engine gives one connection
    that is ours alone. When the process dies the server ends the session and frees the lock.
    """

    def __init__(self, url: str, *, name: str = LOCK_NAME) -> None:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        self._engine: Engine = create_engine(url, poolclass=NullPool)
        self._key = lock_key(name)
        self._connection: Connection | None = None

    def acquire(self) -> bool:
        if self._connection is not None:
            return self.held()
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            ).scalar()
        except DBAPIError:
            connection.close()
            raise
        if not got:
            connection.close()
            return False
        self._connection = connection
        log.info("Took the scheduler lock (advisory lock %s)", self._key)
        return True

    def held(self) -> bool:
        if self._connection is None:
            return False
        try:
            count = self._connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid() AND granted"
                )
            ).scalar()
        except DBAPIError:
            log.warning("Lost the connection holding the scheduler lock")
            self._drop()
            return False
        if not count:
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
        except DBAPIError:
            log.debug("Connection already gone while releasing the scheduler lock")
        self._drop()
        self._engine.dispose()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except DBAPIError:
                log.debug("Closing a dead lock connection failed", exc_info=True)


class LeaseLock:
    """A lease in a table, renewed at every check; for SQLite, which has no advisory locks.

    A dead holder stops renewing, and the lease is free once it expires.
    """

    def __init__(self, engine: Engine, *, holder: str, ttl: dt.timedelta, name: str = LOCK_NAME):
        self._engine, self._holder, self._ttl, self._name = engine, holder, ttl, name
        self._holding = False

    def acquire(self) -> bool:
        now = utcnow()
        with self._engine.begin() as connection:
            renewed = connection.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == self._name)
                .where((SchedulerLease.holder == self._holder) | (SchedulerLease.expires_at < now))
                .values(holder=self._holder, expires_at=now + self._ttl)
            ).rowcount
            if not renewed:
                try:
                    with connection.begin_nested():
                        connection.execute(
                            insert(SchedulerLease).values(
                                name=self._name, holder=self._holder, expires_at=now + self._ttl
                            )
                        )
                except IntegrityError:
                    self._holding = False
                    return False
        if not self._holding:
            log.info("Took the scheduler lease as %s", self._holder)
        self._holding = True
        return True

    def held(self) -> bool:
        return self._holding and self.acquire()

    def release(self) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                delete(SchedulerLease)
                .where(SchedulerLease.name == self._name)
                .where(SchedulerLease.holder == self._holder)
            )
        self._holding = False

"""The sync engine: read both sides' changes, compare content, write each way, log the run."""

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.audit import Actor, Channel
from crm.db import utcnow
from crm.errors import CrmError
from crm.progress import NoProgress, Progress
from crm.sync.catalogue import MappingSpec, mapping_spec
from crm.sync.local import LocalTable, Skip, Values, local_table, remote_body, remote_values
from crm.sync.models import (
    ConflictPolicy,
    DeletionPolicy,
    Direction,
    Side,
    SyncConflict,
    SyncCoupling,
    SyncFailure,
    SyncMapping,
    SyncRun,
    SyncRunCount,
)
from crm.sync.remote import DataverseApi, DeltaExpired, Operation, Outcome, RemoteError, Row, Verb

log = logging.getLogger(__name__)

SYNC_ACTOR = Actor(Channel.SYNC, None, "dynamics")
# Rapport stamps modified_at before its transaction commits, so a change can become visible
# after a later one. Each run re-reads this much before its previous horizon; content hashes
# make the re-read free of remote requests.
OVERLAP = dt.timedelta(minutes=2)
# Rapport's own rows get Dataverse ids derived from their keys, so a create that is sent
# again after an interrupted run updates the row it made instead of making a second one.
NAMESPACE = uuid.UUID("6f1c7f0e-8d0a-4b7e-9a51-5a7c2c1d0e42")
MISSING = object()
TO_SIDES = (Direction.TO_SALES.value, Direction.BOTH.value)
FROM_SIDES = (Direction.FROM_SALES.value, Direction.BOTH.value)


def remote_id_for(mapping: str, local_key: str) -> str:
    """Return the Dataverse id Rapport gives the row it creates for a record."""
    return str(uuid.uuid5(NAMESPACE, f"{mapping}/{local_key}"))


def content_hash(values: Values) -> str:
    """Return the hash two versions of a record are compared by."""
    data = json.dumps(values, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def horizon(session: Session) -> dt.datetime:
    """Return the time before which every change is committed, minus the overlap.

    On PostgreSQL a transaction still open may have stamped rows earlier than now; the
    horizon goes back to the start of the oldest one. SQLite runs one writer at a time.
    """
    moment = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        oldest = session.scalar(
            text(
                "SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND state <> 'idle'"
            )
        )
        if oldest is not None:
            moment = min(moment, oldest.astimezone(dt.UTC))
    return moment - OVERLAP


class Couplings:
    """Every coupling of the mappings a run touches, by local key and by Dataverse id."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._local: dict[str, dict[str, SyncCoupling]] = {}
        self._remote: dict[str, dict[str, SyncCoupling]] = {}

    def _load(self, mapping: str) -> None:
        if mapping in self._local:
            return
        rows = self.session.scalars(select(SyncCoupling).where(SyncCoupling.mapping == mapping))
        self._local[mapping], self._remote[mapping] = {}, {}
        for coupling in rows:
            self._local[mapping][coupling.local_key] = coupling
            self._remote[mapping][coupling.remote_id] = coupling

    def by_local(self, mapping: str, local_key: str) -> SyncCoupling | None:
        self._load(mapping)
        return self._local[mapping].get(local_key)

    def by_remote(self, mapping: str, remote_id: str) -> SyncCoupling | None:
        self._load(mapping)
        return self._remote[mapping].get(remote_id)

    def remote_id(self, mapping: str, local_key: str | None) -> str | None:
        coupling = self.by_local(mapping, local_key) if local_key else None
        return coupling.remote_id if coupling else None

    def local_key(self, mapping: str, remote_id: str | None) -> str | None:
        coupling = self.by_remote(mapping, remote_id.lower()) if remote_id else None
        return coupling.local_key if coupling else None

    def add(self, coupling: SyncCoupling) -> None:
        self._load(coupling.mapping)
        self.session.add(coupling)
        self._local[coupling.mapping][coupling.local_key] = coupling
        self._remote[coupling.mapping][coupling.remote_id] = coupling

    def remove(self, coupling: SyncCoupling) -> None:
        self._load(coupling.mapping)
        self._local[coupling.mapping].pop(coupling.local_key, None)
        self._remote[coupling.mapping].pop(coupling.remote_id, None)
        if inspect(coupling).pending:
            self.session.expunge(coupling)
        else:
            self.session.delete(coupling)


@dataclass
class Pending:
    """A write queued for the next change set, and what to do with its outcome."""

    operation: Operation
    done: Callable[[Outcome], None]


@dataclass
class Pair:
    coupling: SyncCoupling
    record: Any = None
    row: Row | None = None


@dataclass
class Work:
    """What one table's run found to do."""

    pairs: dict[int, Pair] = field(default_factory=dict)
    new_local: list[Any] = field(default_factory=list)
    new_remote: list[Row] = field(default_factory=list)
    deleted_remote: list[SyncCoupling] = field(default_factory=list)
    deleted_local: list[SyncCoupling] = field(default_factory=list)


class TableSync:
    """One mapping's part of a run."""

    def __init__(
        self,
        *,
        session: Session,
        client: DataverseApi,
        mapping: SyncMapping,
        table: LocalTable,
        couplings: Couplings,
        run: SyncRun,
        count: SyncRunCount,
        full: bool,
        now: dt.datetime,
    ) -> None:
        self.session = session
        self.client = client
        self.mapping = mapping
        self.spec: MappingSpec = table.mapping
        self.table = table
        self.couplings = couplings
        self.run_row = run
        self.count = count
        self.full = full
        self.now = now
        self.queue: list[Pending] = []
        self.directions = {
            item.field: _effective(mapping.direction, item.direction)
            for item in mapping.fields
            if item.enabled
        }
        self.match_fields = [item.field for item in mapping.fields if item.enabled and item.match]
        self.conflicted = self._open_conflicts()
        self.failures = self._open_failures()

    # Reading both sides

    def select(self) -> list[str]:
        columns = {self.spec.key_column, *self.spec.extra_columns}
        columns |= {self.spec.spec(name).column for name in self.directions}
        return sorted(columns)

    def read_remote(self) -> tuple[list[Row], list[str], str]:
        select_text = ",".join(self.select())
        # A delta link remembers its $select: when the field set changed, read afresh.
        fresh = self.full or self.mapping.delta_select != select_text
        link = None if fresh else self.mapping.delta_link
        try:
            changes = self.client.changes(self.spec.entity_set, self.select(), link)
        except DeltaExpired:
            log.warning("Delta link of %s expired; reading the whole table", self.spec.name)
            changes = self.client.changes(self.spec.entity_set, self.select(), None)
        self.mapping.delta_select = select_text
        return changes.rows, changes.deleted, changes.delta_link

    def gather(self, rows: list[Row], deleted: list[str]) -> Work:
        work = Work()
        local_pushes = self.mapping.direction != Direction.FROM_SALES.value
        since = None if self.full else self.mapping.local_watermark
        records = self.table.changed(self.session, since) if local_pushes else []
        retry_keys = [
            f.local_key for f in self.failures.values() if f.local_key and f.side == "rapport"
        ]
        known = {self.table.key(record) for record in records}
        extra = [key for key in retry_keys if key not in known]
        records += list(self.table.by_keys(self.session, extra).values())

        for record in records:
            coupling = self.couplings.by_local(self.spec.name, self.table.key(record))
            if coupling is None:
                work.new_local.append(record)
            else:
                work.pairs[id(coupling)] = Pair(coupling, record)

        seen = {str(row[self.spec.key_column]).lower() for row in rows}
        for failure in self.failures.values():
            if failure.side == Side.SALES.value and failure.row and failure.remote_id not in seen:
                rows.append(dict(failure.row))
        for row in rows:
            row_id = str(row[self.spec.key_column]).lower()
            coupling = self.couplings.by_remote(self.spec.name, row_id)
            if coupling is None:
                work.new_remote.append(row)
                continue
            pair = work.pairs.setdefault(id(coupling), Pair(coupling))
            pair.row = row
        missing = [p.coupling.local_key for p in work.pairs.values() if p.record is None]
        found = self.table.by_keys(self.session, missing)
        for pair in work.pairs.values():
            if pair.record is None:
                pair.record = found.get(pair.coupling.local_key)

        for row_id in deleted:
            coupling = self.couplings.by_remote(self.spec.name, row_id)
            if coupling is not None:
                work.pairs.pop(id(coupling), None)
                work.deleted_remote.append(coupling)
        # A coupled record that still exists but left the scope (a won opportunity, a person
        # without a company) is not a deletion: it is skipped.
        gone = self.table.vanished(self.session)
        for key, pair in list(work.pairs.items()):
            if pair.record is None:
                del work.pairs[key]
                if pair.coupling.local_key not in gone:
                    self.count.skipped += 1
        deleted_remote = {id(c) for c in work.deleted_remote}
        for local_key in sorted(gone):
            coupling = self.couplings.by_local(self.spec.name, local_key)
            if coupling is not None and id(coupling) not in deleted_remote:
                work.deleted_local.append(coupling)
        return work

    # Running

    def run(self, progress: Progress) -> str:
        """Synchronize this mapping; return the delta link to store once it is done."""
        rows, deleted, link = self.read_remote()
        work = self.gather(rows, deleted)
        total = len(work.pairs) + len(work.new_local) + len(work.new_remote)
        progress.start(total, f"Synchronizing {self.spec.name}")

        by_match = self._remote_by_match(work.new_remote)
        for record in work.new_local:
            self._new_local(record, by_match)
            progress.advance()
        for pair in work.pairs.values():
            self._pair(pair)
            progress.advance()
        for row in work.new_remote:
            if str(row[self.spec.key_column]).lower() not in by_match.coupled:
                self._new_remote(row)
            progress.advance()
        for coupling in work.deleted_remote:
            self._deleted_in_sales(coupling)
        for coupling in work.deleted_local:
            self._deleted_in_rapport(coupling)
        self.flush_queue()
        progress.finish()
        return link

    def flush_queue(self) -> None:
        """Send the queued writes in change sets and apply their outcomes."""
        size = max(1, self.client.max_batch)
        while self.queue:
            chunk, self.queue = self.queue[:size], self.queue[size:]
            outcomes = self.client.write([item.operation for item in chunk])
            for item, outcome in zip(chunk, outcomes, strict=True):
                item.done(outcome)
            self.session.flush()

    def _remote_by_match(self, rows: list[Row]) -> "MatchIndex":
        index = MatchIndex(self.match_fields, self.spec.key_column)
        for row in rows:
            if self.table.in_scope(row) is None:
                index.add(remote_values(self.spec, row), row)
        return index

    # One record at a time

    def _guard(self) -> AbstractContextManager[object]:
        """Return a savepoint where a refused write could leave half a record behind."""
        return nullcontext() if self.table.atomic else self.session.begin_nested()

    def _new_local(self, record: Any, by_match: "MatchIndex") -> None:
        key = self.table.key(record)
        if self.mapping.only_coupled and not self.full:
            self.count.skipped += 1
            return
        try:
            local = self.table.values(record, self.couplings)
        except Skip as reason:
            self._fail(Side.RAPPORT, key, None, str(reason), skipped=True)
            return
        row = by_match.take(local)
        if row is not None:
            coupling = self._couple(key, row)
            self._pair(Pair(coupling, record, row))
            return
        coupling = SyncCoupling(
            mapping=self.spec.name,
            local_key=key,
            remote_id=remote_id_for(self.spec.name, key),
            synced={},
        )
        self.couplings.add(coupling)
        fields = [name for name, way in self.directions.items() if way in TO_SIDES]
        self._push(coupling, local, fields, created=True)

    def _new_remote(self, row: Row) -> None:
        row_id = str(row[self.spec.key_column]).lower()
        if (reason := self.table.in_scope(row)) is not None:
            log.debug("%s %s skipped: %s", self.spec.name, row_id, reason)
            self.count.skipped += 1
            return
        if not any(way in FROM_SIDES for way in self.directions.values()) or (
            self.mapping.only_coupled and not self.full
        ):
            self.count.skipped += 1
            return
        remote = remote_values(self.spec, row)
        matches = (
            self.table.match(self.session, remote, self.match_fields) if self.match_fields else []
        )
        free = [
            m for m in matches if self.couplings.by_local(self.spec.name, self.table.key(m)) is None
        ]
        if len(free) == 1:
            coupling = self._couple(self.table.key(free[0]), row)
            self._pair(Pair(coupling, free[0], row))
            return
        fields = {name: remote[name] for name, way in self.directions.items() if way in FROM_SIDES}
        try:
            with self._guard():
                record = self.table.create(self.session, fields, self.couplings, SYNC_ACTOR)
        except (Skip, CrmError) as reason:
            self._fail(Side.SALES, None, row_id, str(reason), row=row)
            return
        coupling = SyncCoupling(
            mapping=self.spec.name,
            local_key=self.table.key(record),
            remote_id=row_id,
            remote_etag=row.get("@odata.etag"),
            synced=dict(fields),
            remote_hash=content_hash(remote),
        )
        coupling.local_hash = content_hash(self.table.values(record, self.couplings))
        self.couplings.add(coupling)
        self._resolved(Side.SALES, None, row_id)
        self.count.inserted += 1

    def _couple(self, local_key: str, row: Row) -> SyncCoupling:
        coupling = SyncCoupling(
            mapping=self.spec.name,
            local_key=local_key,
            remote_id=str(row[self.spec.key_column]).lower(),
            remote_etag=row.get("@odata.etag"),
            synced={},
        )
        self.couplings.add(coupling)
        log.info("Coupled %s %s with %s by match", self.spec.name, local_key, coupling.remote_id)
        return coupling

    def _pair(self, pair: Pair) -> None:
        coupling, record, row = pair.coupling, pair.record, pair.row
        if row is not None and (reason := self.table.in_scope(row)) is not None:
            log.debug("%s %s skipped: %s", self.spec.name, coupling.remote_id, reason)
            self.count.skipped += 1
            return
        try:
            local = self.table.values(record, self.couplings)
        except Skip as reason:
            self._fail(
                Side.RAPPORT, coupling.local_key, coupling.remote_id, str(reason), skipped=True
            )
            return
        remote = remote_values(self.spec, row) if row is not None else None
        if row is not None:
            coupling.remote_etag = row.get("@odata.etag") or coupling.remote_etag
        # Hashes decide quickly that nothing changed, which is also how the sync's own
        # writes coming back from either side are recognized and never sent back.
        local_changed = content_hash(local) != coupling.local_hash
        remote_changed = remote is not None and content_hash(remote) != coupling.remote_hash
        if not local_changed and not remote_changed and coupling.remote_etag:
            self.count.unchanged += 1
            return

        push, pull, agreed = self._decide(coupling, local, remote)
        coupling.synced = {**coupling.synced, **agreed}
        if pull:
            try:
                with self._guard():
                    self.table.write(self.session, record, pull, self.couplings, SYNC_ACTOR)
            except (Skip, CrmError) as reason:
                self._fail(Side.SALES, coupling.local_key, coupling.remote_id, str(reason), row=row)
                return
            coupling.synced = {**coupling.synced, **pull}
            local = {**local, **pull}
            self._resolved(Side.SALES, coupling.local_key, coupling.remote_id)
        if remote is not None:
            coupling.remote_hash = content_hash(remote)
        if not push:
            coupling.local_hash = content_hash(local)
        if push:
            self._push(coupling, local, list(push), created=False)
        elif pull:
            self.count.modified += 1
            coupling.synced_at = self.now
        else:
            self._resolved(Side.RAPPORT, coupling.local_key, coupling.remote_id)
            self.count.unchanged += 1

    def _decide(
        self, coupling: SyncCoupling, local: Values, remote: Values | None
    ) -> tuple[Values, Values, Values]:
        """Return the fields to send, to take and already equal, by direction and policy."""
        push: Values = {}
        pull: Values = {}
        agreed: Values = {}
        for name, way in self.directions.items():
            if (coupling.local_key, name) in self.conflicted:
                continue
            synced = coupling.synced.get(name, MISSING)
            mine = local.get(name)
            theirs = remote.get(name) if remote is not None else synced
            if synced is MISSING:
                # Never synchronized: take what one side has; where both have a value,
                # Rapport's goes first, as Business Central's bidirectional jobs do.
                if remote is None or mine == theirs:
                    # Unknown in Sales: send what Rapport has, but never blank a field out.
                    if remote is None and way in TO_SIDES and mine is not None:
                        push[name] = mine
                    elif remote is not None:
                        agreed[name] = mine
                elif way in FROM_SIDES and (way == Direction.FROM_SALES.value or mine is None):
                    pull[name] = theirs  # type: ignore[assignment]
                elif way in TO_SIDES:
                    push[name] = mine
                continue
            mine_changed = way in TO_SIDES and mine != synced
            theirs_changed = remote is not None and way in FROM_SIDES and theirs != synced
            if mine_changed and theirs_changed:
                if mine == theirs:
                    agreed[name] = mine
                elif self.mapping.update_conflicts == ConflictPolicy.RAPPORT.value:
                    push[name] = mine
                elif self.mapping.update_conflicts == ConflictPolicy.SALES.value:
                    pull[name] = theirs  # type: ignore[assignment]
                else:
                    self._conflict(coupling, name, mine, theirs)  # type: ignore[arg-type]
            elif mine_changed:
                push[name] = mine
            elif theirs_changed:
                pull[name] = theirs  # type: ignore[assignment]
        return push, pull, agreed

    def _push(
        self,
        coupling: SyncCoupling,
        local: Values,
        fields: Sequence[str],
        *,
        created: bool,
    ) -> None:
        values = {name: local.get(name) for name in fields}
        if created:
            fields = [name for name in fields if values[name] is not None]
        # Without a known version the row may not exist yet: upsert it under our id.
        verb = Verb.UPDATE if coupling.remote_etag else Verb.UPSERT
        operation = Operation(
            verb,
            self.spec.entity_set,
            coupling.remote_id,
            remote_body(self.spec, values, fields),
            if_match=coupling.remote_etag,
        )

        def done(outcome: Outcome) -> None:
            if not outcome.ok:
                reason = _reason(outcome)
                if created:
                    self.couplings.remove(coupling)
                coupling.local_hash = None
                self._fail(Side.RAPPORT, coupling.local_key, coupling.remote_id, reason)
                return
            coupling.synced = {**coupling.synced, **values}
            coupling.remote_etag = outcome.etag
            coupling.local_hash = content_hash(local)
            coupling.synced_at = self.now
            self._resolved(Side.RAPPORT, coupling.local_key, coupling.remote_id)
            if created or outcome.status == 201:
                self.count.inserted += 1
            else:
                self.count.modified += 1

        self.queue.append(Pending(operation, done))

    # Deletions

    def _deleted_in_sales(self, coupling: SyncCoupling) -> None:
        policy = self.mapping.deletions
        if policy == DeletionPolicy.RESTORE.value and self.mapping.direction != "from_sales":
            record = self.table.by_keys(self.session, [coupling.local_key]).get(coupling.local_key)
            if record is not None:
                coupling.remote_etag = None
                coupling.synced = {}
                self._pair(Pair(coupling, record))
                return
        if policy == DeletionPolicy.DELETE.value:
            record = self.table.by_keys(self.session, [coupling.local_key]).get(coupling.local_key)
            if record is not None:
                try:
                    with self.session.begin_nested():
                        self.table.delete(self.session, record)
                except (IntegrityError, Skip) as error:
                    reason = (
                        str(error)
                        if isinstance(error, Skip)
                        else "other Rapport records still refer to it"
                    )
                    self._fail(
                        Side.SALES,
                        coupling.local_key,
                        coupling.remote_id,
                        f"deleted in Sales: {reason}",
                    )
                    return
        log.info("%s %s deleted in Sales (%s)", self.spec.name, coupling.local_key, policy)
        self.couplings.remove(coupling)
        self.count.deleted += 1

    def _deleted_in_rapport(self, coupling: SyncCoupling) -> None:
        policy = self.mapping.deletions
        if policy == DeletionPolicy.DELETE.value and self.mapping.direction != "from_sales":

            def done(outcome: Outcome) -> None:
                if outcome.ok or outcome.status == 404:
                    self.couplings.remove(coupling)
                    self.count.deleted += 1
                else:
                    self._fail(
                        Side.RAPPORT, coupling.local_key, coupling.remote_id, _reason(outcome)
                    )

            operation = Operation(
                Verb.DELETE,
                self.spec.entity_set,
                coupling.remote_id,
                if_match=coupling.remote_etag or "*",
            )
            self.queue.append(Pending(operation, done))
            return
        if policy == DeletionPolicy.RESTORE.value:
            row = self.client.get(self.spec.entity_set, coupling.remote_id, self.select())
            if row is not None:
                self.couplings.remove(coupling)
                self.session.flush()
                self._new_remote(row)
                return
        log.info("%s %s deleted in Rapport (%s)", self.spec.name, coupling.local_key, policy)
        self.couplings.remove(coupling)
        self.count.deleted += 1

    # Conflicts and failures

    def _open_conflicts(self) -> set[tuple[str, str | None]]:
        stmt = select(SyncConflict.local_key, SyncConflict.field).where(
            SyncConflict.mapping == self.spec.name, SyncConflict.resolved_at.is_(None)
        )
        return {(key, name) for key, name in self.session.execute(stmt)}

    def _conflict(
        self, coupling: SyncCoupling, name: str, mine: str | None, theirs: str | None
    ) -> None:
        self.session.add(
            SyncConflict(
                mapping=self.spec.name,
                local_key=coupling.local_key,
                remote_id=coupling.remote_id,
                field=name,
                local_value=mine,
                remote_value=theirs,
                detected_at=self.now,
            )
        )
        self.conflicted.add((coupling.local_key, name))
        log.info("Conflict on %s %s field %s", self.spec.name, coupling.local_key, name)

    def _open_failures(self) -> dict[tuple[str, str | None, str | None], SyncFailure]:
        stmt = select(SyncFailure).where(
            SyncFailure.mapping == self.spec.name, SyncFailure.resolved_at.is_(None)
        )
        return {(f.side, f.local_key, f.remote_id): f for f in self.session.scalars(stmt)}

    def _fail(
        self,
        side: Side,
        local_key: str | None,
        remote_id: str | None,
        reason: str,
        *,
        row: Row | None = None,
        skipped: bool = False,
    ) -> None:
        if skipped:
            self.count.skipped += 1
        else:
            self.count.failed += 1
        log.warning("%s %s failed: %s", self.spec.name, local_key or remote_id, reason)
        for key, failure in self.failures.items():
            if key[0] == side.value and (
                (local_key and key[1] == local_key) or (remote_id and key[2] == remote_id)
            ):
                failure.reason, failure.attempts = reason, failure.attempts + 1
                failure.failed_at, failure.run_id = self.now, self.run_row.id
                if row is not None:
                    failure.row = row
                return
        failure = SyncFailure(
            run_id=self.run_row.id,
            mapping=self.spec.name,
            side=side.value,
            local_key=local_key,
            remote_id=remote_id,
            reason=reason,
            row=row,
            failed_at=self.now,
        )
        self.session.add(failure)
        self.failures[(side.value, local_key, remote_id)] = failure

    def _resolved(self, side: Side, local_key: str | None, remote_id: str | None) -> None:
        for key, failure in list(self.failures.items()):
            if key[0] == side.value and (
                (local_key and key[1] == local_key) or (remote_id and key[2] == remote_id)
            ):
                failure.resolved_at = self.now
                del self.failures[key]


class MatchIndex:
    """Uncoupled Dataverse rows by the values of the match fields."""

    def __init__(self, fields: Sequence[str], key_column: str) -> None:
        self.fields = list(fields)
        self.key_column = key_column
        self._rows: dict[tuple[str | None, ...], list[Row]] = {}
        self.coupled: set[str] = set()

    def _key(self, values: Values) -> tuple[str | None, ...] | None:
        key = tuple((values.get(name) or "").lower() or None for name in self.fields)
        return key if self.fields and any(part is not None for part in key) else None

    def add(self, values: Values, row: Row) -> None:
        key = self._key(values)
        if key is not None:
            self._rows.setdefault(key, []).append(row)

    def take(self, values: Values) -> Row | None:
        """Return the one row matching these values, and mark it coupled."""
        key = self._key(values)
        found = self._rows.get(key, []) if key is not None else []
        if len(found) != 1:
            return None
        row = found.pop()
        self.coupled.add(str(row[self.key_column]).lower())
        return row


def _effective(mapping: str, field_direction: str) -> str:
    if mapping == Direction.BOTH.value:
        return field_direction
    if field_direction in (mapping, Direction.BOTH.value):
        return mapping
    return "off"


def _reason(outcome: Outcome) -> str:
    if outcome.status == 412:
        return "changed in Sales while Rapport was sending; the next run merges both"
    if outcome.status == 404:
        return "the row no longer exists in Sales"
    return f"Sales answered {outcome.status}: {outcome.error or 'no reason given'}"


def run_sync(
    *,
    db_session: Session,
    client: DataverseApi,
    actor: Actor,
    full: bool = False,
    only: Iterable[str] = (),
    progress: Progress | None = None,
) -> SyncRun:
    """Synchronize every enabled mapping in dependency order and log the run.

    A mapping whose Dataverse calls fail stops the run; its delta link and watermark stay
    where they were, so the next run reads the same changes again, and content hashes and
    Rapport's own Dataverse ids make sure nothing is applied or created twice.
    """
    progress = progress or NoProgress()
    run = SyncRun(kind="full" if full else "incremental", started_by=str(actor))
    db_session.add(run)
    db_session.flush()
    now = utcnow()
    limit = horizon(db_session)
    couplings = Couplings(db_session)
    first = client.requests
    wanted = set(only)
    # Locking the mappings makes a second run (an admin's next to the scheduled job) wait and
    # then start from the delta links the first one stored; SQLite serializes writers anyway.
    mappings = db_session.scalars(
        select(SyncMapping)
        .where(SyncMapping.enabled.is_(True))
        .order_by(SyncMapping.sequence)
        .with_for_update()
    ).all()
    for mapping in mappings:
        table = local_table(mapping_spec(mapping.name))
        if table is None or (wanted and mapping.name not in wanted):
            continue
        count = SyncRunCount(run_id=run.id, mapping=mapping.name, sequence=mapping.sequence)
        run.counts.append(count)
        work = TableSync(
            session=db_session,
            client=client,
            mapping=mapping,
            table=table,
            couplings=couplings,
            run=run,
            count=count,
            full=full,
            now=now,
        )
        try:
            link = work.run(progress)
        except RemoteError as error:
            run.error = f"{mapping.name}: {error}"
            log.warning("Sync run %s stopped at %s: %s", run.id, mapping.name, error)
            break
        mapping.delta_link = link
        mapping.local_watermark = limit
        mapping.last_run_at = now
        db_session.flush()
    run.requests = client.requests - first
    run.finished_at = utcnow()
    db_session.flush()
    log.info("Sync run %s (%s) done: %d requests", run.id, run.kind, run.requests)
    return run


def sync_coupled(
    *,
    db_session: Session,
    client: DataverseApi,
    actor: Actor,
    coupling: SyncCoupling,
    record: Any,
    row: Row,
) -> SyncRun:
    """Bring a newly coupled record and row together now, and log it as a run of its own."""
    mapping = db_session.get(SyncMapping, coupling.mapping)
    table = local_table(mapping_spec(coupling.mapping))
    assert mapping is not None and table is not None
    run = SyncRun(kind="couple", started_by=str(actor))
    db_session.add(run)
    db_session.flush()
    count = SyncRunCount(run_id=run.id, mapping=mapping.name, sequence=mapping.sequence)
    run.counts.append(count)
    first = client.requests
    work = TableSync(
        session=db_session,
        client=client,
        mapping=mapping,
        table=table,
        couplings=Couplings(db_session),
        run=run,
        count=count,
        full=False,
        now=utcnow(),
    )
    work._pair(Pair(coupling, record, row))
    work.flush_queue()
    run.requests = client.requests - first
    run.finished_at = utcnow()
    db_session.flush()
    return run

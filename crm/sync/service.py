"""Sync services: run, couple, uncouple, resolve conflicts, configure mappings, read the log."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.audit import Actor, Channel, stamp
from crm.contacts import service as contact_service
from crm.db import utcnow
from crm.errors import Conflict, InvalidInput, NotFound
from crm.progress import Progress
from crm.setup.service import get_salesperson
from crm.sync.catalogue import ACCOUNTS, CONTACTS, SALESPEOPLE, mapping_spec
from crm.sync.engine import Couplings, run_sync, sync_coupled
from crm.sync.local import LocalTable, canonical, local_table
from crm.sync.models import (
    ConflictPolicy,
    DeletionPolicy,
    Direction,
    SyncConflict,
    SyncCoupling,
    SyncFailure,
    SyncField,
    SyncMapping,
    SyncRun,
)
from crm.sync.remote import DataverseApi

log = logging.getLogger(__name__)

JOB_ACTOR = Actor(Channel.SCHEDULER, None, "sync job")
WINNERS = ("rapport", "sales")


def require_client(client: DataverseApi | None) -> DataverseApi:
    """Return the Dataverse client, or say how to configure one."""
    if client is None:
        raise Conflict(
            "Dynamics 365 Sales is not configured.",
            hint="Set RAPPORT_DATAVERSE_URL and the RAPPORT_DATAVERSE_* credentials, then "
            "restart Rapport.",
        )
    return client


def run(
    *,
    db_session: Session,
    client: DataverseApi | None,
    actor: Actor,
    full: bool = False,
    only: Iterable[str] = (),
    progress: Progress | None = None,
) -> SyncRun:
    """Synchronize now: what changed since the last run, or everything with full=True."""
    names = list(only)
    for name in names:
        get_mapping(db_session=db_session, name=name)
    return run_sync(
        db_session=db_session,
        client=require_client(client),
        actor=actor,
        full=full,
        only=names,
        progress=progress,
    )


def run_incremental(
    *,
    db_session: Session,
    client: DataverseApi,
    actor: Actor = JOB_ACTOR,
    progress: Progress | None = None,
) -> SyncRun:
    """Run the scheduled incremental synchronization; the caller commits (one job unit)."""
    return run_sync(db_session=db_session, client=client, actor=actor, progress=progress)


# Mappings and fields


def list_mappings(*, db_session: Session) -> list[SyncMapping]:
    """Return every mapping in dependency order."""
    return list(db_session.scalars(select(SyncMapping).order_by(SyncMapping.sequence)))


def get_mapping(*, db_session: Session, name: str) -> SyncMapping:
    """Return the mapping with this name, or say which exist."""
    mapping = db_session.get(SyncMapping, name.strip().lower())
    if mapping is None:
        known = ", ".join(m.name for m in list_mappings(db_session=db_session))
        raise NotFound(f"There is no mapping '{name}'.", hint=f"Mappings: {known}.")
    return mapping


def update_mapping(
    *,
    db_session: Session,
    name: str,
    enabled: bool | None = None,
    direction: str | None = None,
    conflicts: str | None = None,
    deletions: str | None = None,
    only_coupled: bool | None = None,
) -> SyncMapping:
    """Change how a mapping synchronizes."""
    mapping = get_mapping(db_session=db_session, name=name)
    if enabled is not None:
        if enabled and local_table(mapping_spec(mapping.name)) is None:
            raise Conflict(
                f"Rapport cannot synchronize {mapping.name} yet.",
                hint="Its Rapport side is not built; the mapping stays off.",
            )
        mapping.enabled = enabled
    if direction is not None:
        mapping.direction = _choice(direction, Direction, "direction")
        if mapping.name == SALESPEOPLE and mapping.direction != Direction.FROM_SALES.value:
            raise InvalidInput(
                "Salespeople come from Sales users only.",
                field="direction",
                hint="Rapport never creates users in Dynamics 365.",
            )
    if conflicts is not None:
        mapping.update_conflicts = _choice(conflicts, ConflictPolicy, "conflicts")
    if deletions is not None:
        mapping.deletions = _choice(deletions, DeletionPolicy, "deletions")
    if only_coupled is not None:
        mapping.only_coupled = only_coupled
    db_session.flush()
    return mapping


def update_field(
    *,
    db_session: Session,
    mapping: str,
    field: str,
    enabled: bool | None = None,
    direction: str | None = None,
    match: bool | None = None,
) -> SyncField:
    """Switch a field mapping on or off, or change its direction or matching."""
    owner = get_mapping(db_session=db_session, name=mapping)
    item = next((f for f in owner.fields if f.field == field.strip().lower()), None)
    if item is None:
        known = ", ".join(f.field for f in owner.fields)
        raise NotFound(
            f"Mapping {owner.name} has no field '{field}'.", hint=f"Its fields: {known}."
        )
    if enabled is not None:
        item.enabled = enabled
    if direction is not None:
        item.direction = _choice(direction, Direction, "direction")
    if match is not None:
        item.match = match
    db_session.flush()
    return item


def _choice(value: str, kind: Any, field: str) -> str:
    allowed = [member.value for member in kind]
    if value.strip().lower() not in allowed:
        raise InvalidInput(
            f"'{value}' is not a {field}.", field=field, hint=f"Use one of: {', '.join(allowed)}."
        )
    return value.strip().lower()


# Status and log


@dataclass
class MappingStatus:
    mapping: SyncMapping
    couplings: int
    conflicts: int
    failures: int


def status(*, db_session: Session) -> list[MappingStatus]:
    """Return each mapping with its number of couplings, open conflicts and open failures."""
    couplings = _counts(db_session, SyncCoupling.mapping, None)
    conflicts = _counts(db_session, SyncConflict.mapping, SyncConflict.resolved_at)
    failures = _counts(db_session, SyncFailure.mapping, SyncFailure.resolved_at)
    return [
        MappingStatus(
            m, couplings.get(m.name, 0), conflicts.get(m.name, 0), failures.get(m.name, 0)
        )
        for m in list_mappings(db_session=db_session)
    ]


def _counts(db_session: Session, column: Any, resolved: Any) -> dict[str, int]:
    stmt = select(column, func.count()).group_by(column)
    if resolved is not None:
        stmt = stmt.where(resolved.is_(None))
    return {name: count for name, count in db_session.execute(stmt)}


def last_runs(*, db_session: Session, limit: int = 10) -> list[SyncRun]:
    """Return the latest runs, newest first."""
    stmt = select(SyncRun).order_by(SyncRun.id.desc()).limit(limit)
    return list(db_session.scalars(stmt))


def get_run(*, db_session: Session, run_id: int) -> SyncRun:
    """Return one run, or say that it does not exist."""
    found = db_session.get(SyncRun, run_id)
    if found is None:
        raise NotFound(f"There is no sync run {run_id}.", hint="`sync log` lists the runs.")
    return found


def open_failures(
    *, db_session: Session, run_id: int | None = None, limit: int = 50
) -> list[SyncFailure]:
    """Return the records still failing (last failed in one run), newest first."""
    stmt = select(SyncFailure).where(SyncFailure.resolved_at.is_(None))
    if run_id is not None:
        stmt = stmt.where(SyncFailure.run_id == run_id)
    stmt = stmt.order_by(SyncFailure.failed_at.desc(), SyncFailure.id.desc()).limit(limit)
    return list(db_session.scalars(stmt))


# Couplings


@dataclass
class Target:
    """A Rapport record named by a user, with the mapping it belongs to."""

    mapping: str
    key: str
    table: LocalTable
    record: Any


def resolve_record(*, db_session: Session, name: str) -> Target:
    """Return the salesperson (by code) or contact (by number, e-mail or name) meant."""
    salesperson = get_salesperson(db_session=db_session, code=name)
    if salesperson is not None:
        table = _table(SALESPEOPLE)
        return Target(SALESPEOPLE, salesperson.code, table, salesperson)
    contact = contact_service.resolve(db_session=db_session, name=name)
    mapping = ACCOUNTS if contact.is_company else CONTACTS
    if not contact.is_company and contact.company_id is None:
        raise Conflict(
            f"{contact.no} is a person without a company; Sales contacts need a parent account.",
            hint=f"Give it a company first, e.g. `contact edit {contact.no} company=...`.",
        )
    return Target(mapping, contact.no, _table(mapping), contact)


def _table(mapping: str) -> LocalTable:
    table = local_table(mapping_spec(mapping))
    assert table is not None  # the three contact and salesperson mappings always have one
    return table


def couple(
    *,
    db_session: Session,
    client: DataverseApi | None,
    actor: Actor,
    name: str,
    remote_id: str | None = None,
) -> SyncCoupling:
    """Couple a record with a Dataverse row: the one given, or the one its match fields find.

    Both are brought together at once: where only one side has a value it is copied to the
    other, and where both differ Rapport's is sent, as Business Central's jobs push first.
    """
    api = require_client(client)
    target = resolve_record(db_session=db_session, name=name)
    couplings = Couplings(db_session)
    if (existing := couplings.by_local(target.mapping, target.key)) is not None:
        raise Conflict(
            f"{target.key} is already coupled with {existing.remote_id}.",
            hint=f"Uncouple it first: `sync uncouple {target.key}`.",
        )
    spec = mapping_spec(target.mapping)
    mapping = get_mapping(db_session=db_session, name=target.mapping)
    select_columns = sorted({spec.key_column, *(spec.spec(f.field).column for f in mapping.fields)})
    if remote_id:
        row = api.get(spec.entity_set, remote_id.strip().lower(), select_columns)
        if row is None:
            raise NotFound(
                f"Sales has no {spec.entity_set} row {remote_id}.",
                hint=f"Copy the id from the row's address in Dynamics 365 ({spec.entity_set}).",
            )
    else:
        row = _match(api, target, mapping, select_columns, couplings)
    row_id = str(row[spec.key_column]).lower()
    if (taken := couplings.by_remote(target.mapping, row_id)) is not None:
        raise Conflict(
            f"That {spec.entity_set} row is already coupled with {taken.local_key}.",
            hint=f"Uncouple {taken.local_key} first.",
        )
    coupling = SyncCoupling(
        mapping=target.mapping,
        local_key=target.key,
        remote_id=row_id,
        remote_etag=row.get("@odata.etag"),
        synced={},
    )
    couplings.add(coupling)
    db_session.flush()
    log.info("%s coupled %s with %s %s", actor, target.key, spec.entity_set, row_id)
    sync_coupled(
        db_session=db_session,
        client=api,
        actor=actor,
        coupling=coupling,
        record=target.record,
        row=row,
    )
    return coupling


def _match(
    api: DataverseApi,
    target: Target,
    mapping: SyncMapping,
    select_columns: list[str],
    couplings: Couplings,
) -> dict[str, Any]:
    spec = mapping_spec(target.mapping)
    fields = [f for f in mapping.fields if f.enabled and f.match]
    values = target.table.values(target.record, couplings)
    where = {spec.spec(f.field).column: values[f.field] for f in fields if values.get(f.field)}
    if not where:
        raise InvalidInput(
            f"{target.key} has no value in the match fields of {mapping.name}.",
            hint="Give the Dataverse id: `sync couple <record> <id>`.",
        )
    rows = api.query(spec.entity_set, select_columns, {k: str(v) for k, v in where.items()})
    free = [
        r
        for r in rows
        if couplings.by_remote(mapping.name, str(r[spec.key_column]).lower()) is None
    ]
    if len(free) != 1:
        found = "no" if not free else str(len(free))
        raise Conflict(
            f"Sales has {found} uncoupled {spec.entity_set} rows matching {target.key}.",
            hint="Give the Dataverse id: `sync couple <record> <id>`.",
        )
    return free[0]


def uncouple(*, db_session: Session, actor: Actor, name: str) -> SyncCoupling:
    """Remove a record's coupling; its open conflicts and failures go with it."""
    target = resolve_record(db_session=db_session, name=name)
    coupling = Couplings(db_session).by_local(target.mapping, target.key)
    if coupling is None:
        raise NotFound(f"{target.key} is not coupled.", hint="`sync status` shows the couplings.")
    now = utcnow()
    for conflict in db_session.scalars(
        select(SyncConflict).where(
            SyncConflict.mapping == target.mapping,
            SyncConflict.local_key == target.key,
            SyncConflict.resolved_at.is_(None),
        )
    ):
        conflict.resolved_at, conflict.resolution = now, "uncoupled"
    for failure in db_session.scalars(
        select(SyncFailure).where(
            SyncFailure.mapping == target.mapping,
            SyncFailure.local_key == target.key,
            SyncFailure.resolved_at.is_(None),
        )
    ):
        failure.resolved_at = now
    db_session.delete(coupling)
    db_session.flush()
    log.info("%s uncoupled %s from %s", actor, target.key, coupling.remote_id)
    return coupling


# Conflicts


def open_conflicts(*, db_session: Session, limit: int = 50) -> list[SyncConflict]:
    """Return the conflicts waiting for a person, oldest first."""
    stmt = (
        select(SyncConflict)
        .where(SyncConflict.resolved_at.is_(None))
        .order_by(SyncConflict.id)
        .limit(limit)
    )
    return list(db_session.scalars(stmt))


def resolve(*, db_session: Session, actor: Actor, conflict_id: int, winner: str) -> SyncConflict:
    """Decide a conflict: keep Rapport's value (sent on the next run) or take Sales's now."""
    conflict = db_session.get(SyncConflict, conflict_id)
    if conflict is None or conflict.resolved_at is not None:
        raise NotFound(
            f"There is no open conflict {conflict_id}.", hint="`sync conflicts` lists them."
        )
    if winner not in WINNERS:
        raise InvalidInput(
            f"'{winner}' is not a side.", field="keep", hint="Use keep=rapport or keep=sales."
        )
    table = _table(conflict.mapping)
    coupling = Couplings(db_session).by_local(conflict.mapping, conflict.local_key)
    record = table.by_keys(db_session, [conflict.local_key]).get(conflict.local_key)
    if coupling is None or record is None:
        raise Conflict(
            f"{conflict.local_key} is no longer coupled or no longer exists.",
            hint="Nothing is left to decide; the conflict is closed.",
        )
    spec = mapping_spec(conflict.mapping).spec(conflict.field)
    if winner == "sales":
        table.write(
            db_session,
            record,
            {conflict.field: conflict.remote_value},
            Couplings(db_session),
            Actor(Channel.SYNC, actor.salesperson, actor.user),
        )
    else:
        stamp(record, actor)  # the next run sees the record changed and sends the value
    # Both choices start from Sales's value as the agreed one; Rapport's then differs from it
    # when Rapport wins, which is what makes the next run send it.
    coupling.synced = {**coupling.synced, conflict.field: canonical(spec, conflict.remote_value)}
    coupling.local_hash = None
    conflict.resolved_at, conflict.resolution = utcnow(), winner
    conflict.resolved_by = actor.salesperson or actor.user
    db_session.flush()
    return conflict

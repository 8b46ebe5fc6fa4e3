"""Sync tables: mappings, field mappings, couplings, conflicts, runs and failures."""

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.contacts.models import Contact
from crm.db import Base, UTCDateTime, utcnow
from crm.opportunities.models import Opportunity


class Direction(StrEnum):
    """Which way values flow between Rapport and Dynamics 365 Sales."""

    TO_SALES = "to_sales"
    FROM_SALES = "from_sales"
    BOTH = "both"


class ConflictPolicy(StrEnum):
    """What wins when a field changed on both sides since the last synchronization."""

    NONE = "none"  # list the conflict for a person to decide
    RAPPORT = "rapport"  # send Rapport's value to Sales
    SALES = "sales"  # take the value from Sales


class DeletionPolicy(StrEnum):
    """What happens to the counterpart of a record deleted on one side."""

    UNCOUPLE = "uncouple"
    RESTORE = "restore"
    DELETE = "delete"


class SyncMapping(Base):
    """One Rapport table synchronized with one Dataverse table (BC's Integration Table Mapping)."""

    __tablename__ = "sync_mapping"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    entity_set: Mapped[str] = mapped_column(String(50))
    sequence: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(10))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    only_coupled: Mapped[bool] = mapped_column(Boolean, default=False)
    update_conflicts: Mapped[str] = mapped_column(String(10), default=ConflictPolicy.NONE.value)
    deletions: Mapped[str] = mapped_column(String(10), default=DeletionPolicy.UNCOUPLE.value)
    delta_link: Mapped[str | None] = mapped_column(Text)
    delta_select: Mapped[str | None] = mapped_column(Text)
    local_watermark: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    fields: Mapped[list["SyncField"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="SyncField.field"
    )


class SyncField(Base):
    """One field pair of a mapping, with its own direction; an admin switches it on or off."""

    __tablename__ = "sync_field"

    mapping: Mapped[str] = mapped_column(
        ForeignKey("sync_mapping.name", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    column: Mapped[str] = mapped_column(String(60))
    direction: Mapped[str] = mapped_column(String(10))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    match: Mapped[bool] = mapped_column(Boolean, default=False)


class SyncCoupling(Base):
    """A Rapport record and its Dataverse row, with what both looked like when last in sync.

    Changes are found by comparing content (per-field values and their hashes), never by
    comparing modified-on timestamps, which produce false conflicts.
    """

    __tablename__ = "sync_coupling"
    __table_args__ = (
        UniqueConstraint("mapping", "local_key", name="uq_sync_coupling_local"),
        UniqueConstraint("mapping", "remote_id", name="uq_sync_coupling_remote"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mapping: Mapped[str] = mapped_column(ForeignKey("sync_mapping.name", ondelete="CASCADE"))
    local_key: Mapped[str] = mapped_column(String(40))
    remote_id: Mapped[str] = mapped_column(String(36))
    remote_etag: Mapped[str | None] = mapped_column(String(60))
    local_hash: Mapped[str | None] = mapped_column(String(64))
    remote_hash: Mapped[str | None] = mapped_column(String(64))
    synced: Mapped[dict[str, str | None]] = mapped_column(JSON, default=dict)
    synced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SyncConflict(Base):
    """A field changed differently on both sides, waiting for a person to decide."""

    __tablename__ = "sync_conflict"
    __table_args__ = (Index("ix_sync_conflict_open", "resolved_at", "mapping"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mapping: Mapped[str] = mapped_column(ForeignKey("sync_mapping.name", ondelete="CASCADE"))
    local_key: Mapped[str] = mapped_column(String(40))
    remote_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(40))
    local_value: Mapped[str | None] = mapped_column(Text)
    remote_value: Mapped[str | None] = mapped_column(Text)
    detected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(10))
    resolved_by: Mapped[str | None] = mapped_column(String(50))


class SyncRun(Base):
    """One synchronization run: what started it and how it ended."""

    __tablename__ = "sync_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    started_by: Mapped[str | None] = mapped_column(String(50))
    error: Mapped[str | None] = mapped_column(Text)

    counts: Mapped[list["SyncRunCount"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="SyncRunCount.sequence"
    )


class SyncRunCount(Base):
    """The counts of one run for one mapping, as BC's integration synchronization job log."""

    __tablename__ = "sync_run_count"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("sync_run.id", ondelete="CASCADE"), primary_key=True
    )
    mapping: Mapped[str] = mapped_column(String(20), primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    modified: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)


class Side(StrEnum):
    RAPPORT = "rapport"
    SALES = "sales"


class SyncFailure(Base):
    """A record that failed to synchronize, with the reason; retried by every later run."""

    __tablename__ = "sync_failure"
    __table_args__ = (Index("ix_sync_failure_open", "mapping", "resolved_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_run.id", ondelete="SET NULL"))
    mapping: Mapped[str] = mapped_column(ForeignKey("sync_mapping.name", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(10))  # where the change came from
    local_key: Mapped[str | None] = mapped_column(String(40))
    remote_id: Mapped[str | None] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(Text)
    row: Mapped[dict[str, object] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    failed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


# The incremental scan of Rapport's side reads by modified_at; declared here so that the
# contact and opportunity models stay their areas' own.
Index("ix_contact_modified_at", Contact.modified_at)
Index("ix_opportunity_modified_at", Opportunity.modified_at)

"""sync tables: Dynamics 365 Sales mappings, couplings, conflicts, runs and failures

Revision ID: 0701
Revises: 0603
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0701"
down_revision = "0603"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_mapping",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("entity_set", sa.String(length=50), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("only_coupled", sa.Boolean(), nullable=False),
        sa.Column("update_conflicts", sa.String(length=10), nullable=False),
        sa.Column("deletions", sa.String(length=10), nullable=False),
        sa.Column("delta_link", sa.Text(), nullable=True),
        sa.Column("delta_select", sa.Text(), nullable=True),
        sa.Column("local_watermark", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sync_mapping")),
    )
    op.create_table(
        "sync_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("started_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("started_by", sa.String(length=50), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_run")),
    )
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mapping", sa.String(length=20), nullable=False),
        sa.Column("local_key", sa.String(length=40), nullable=False),
        sa.Column("remote_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("local_value", sa.Text(), nullable=True),
        sa.Column("remote_value", sa.Text(), nullable=True),
        sa.Column("detected_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=10), nullable=True),
        sa.Column("resolved_by", sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(
            ["mapping"],
            ["sync_mapping.name"],
            name=op.f("fk_sync_conflict_mapping_sync_mapping"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict")),
    )
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.create_index("ix_sync_conflict_open", ["resolved_at", "mapping"], unique=False)

    op.create_table(
        "sync_coupling",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mapping", sa.String(length=20), nullable=False),
        sa.Column("local_key", sa.String(length=40), nullable=False),
        sa.Column("remote_id", sa.String(length=36), nullable=False),
        sa.Column("remote_etag", sa.String(length=60), nullable=True),
        sa.Column("local_hash", sa.String(length=64), nullable=True),
        sa.Column("remote_hash", sa.String(length=64), nullable=True),
        sa.Column("synced", sa.JSON(), nullable=False),
        sa.Column("synced_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mapping"],
            ["sync_mapping.name"],
            name=op.f("fk_sync_coupling_mapping_sync_mapping"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_coupling")),
        sa.UniqueConstraint("mapping", "local_key", name="uq_sync_coupling_local"),
        sa.UniqueConstraint("mapping", "remote_id", name="uq_sync_coupling_remote"),
    )
    op.create_table(
        "sync_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("mapping", sa.String(length=20), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("local_key", sa.String(length=40), nullable=True),
        sa.Column("remote_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("row", sa.JSON(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failed_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["mapping"],
            ["sync_mapping.name"],
            name=op.f("fk_sync_failure_mapping_sync_mapping"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["sync_run.id"],
            name=op.f("fk_sync_failure_run_id_sync_run"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_failure")),
    )
    with op.batch_alter_table("sync_failure", schema=None) as batch_op:
        batch_op.create_index("ix_sync_failure_open", ["mapping", "resolved_at"], unique=False)

    op.create_table(
        "sync_field",
        sa.Column("mapping", sa.String(length=20), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("column", sa.String(length=60), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("match", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mapping"],
            ["sync_mapping.name"],
            name=op.f("fk_sync_field_mapping_sync_mapping"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("mapping", "field", name=op.f("pk_sync_field")),
    )
    op.create_table(
        "sync_run_count",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("mapping", sa.String(length=20), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("modified", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["sync_run.id"],
            name=op.f("fk_sync_run_count_run_id_sync_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "mapping", name=op.f("pk_sync_run_count")),
    )
    # The incremental scan of Rapport's side reads by modified_at.
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index("ix_contact_modified_at", ["modified_at"], unique=False)
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.create_index("ix_opportunity_modified_at", ["modified_at"], unique=False)
    _seed()


def _seed() -> None:
    # Business Central's default mappings and field directions.
    mapping = sa.table(
        "sync_mapping",
        sa.column("name", sa.String),
        sa.column("entity_set", sa.String),
        sa.column("sequence", sa.Integer),
        sa.column("direction", sa.String),
        sa.column("enabled", sa.Boolean),
        sa.column("only_coupled", sa.Boolean),
        sa.column("update_conflicts", sa.String),
        sa.column("deletions", sa.String),
    )
    field = sa.table(
        "sync_field",
        sa.column("mapping", sa.String),
        sa.column("field", sa.String),
        sa.column("column", sa.String),
        sa.column("direction", sa.String),
        sa.column("enabled", sa.Boolean),
        sa.column("match", sa.Boolean),
    )
    op.bulk_insert(
        mapping,
        [
            {
                "name": name,
                "entity_set": entity_set,
                "sequence": sequence,
                "direction": direction,
                "enabled": True,
                "only_coupled": False,
                "update_conflicts": "none",
                "deletions": "uncouple",
            }
            for name, entity_set, sequence, direction in MAPPINGS
        ],
    )
    op.bulk_insert(
        field,
        [
            {
                "mapping": name,
                "field": key,
                "column": column,
                "direction": direction,
                "enabled": True,
                "match": match,
            }
            for name, key, column, direction, match in FIELDS
        ],
    )


MAPPINGS = [
    ("salespeople", "systemusers", 10, "from_sales"),
    ("accounts", "accounts", 20, "both"),
    ("contacts", "contacts", 30, "both"),
    ("opportunities", "opportunities", 40, "both"),
]
FIELDS = [
    ("salespeople", "name", "fullname", "from_sales", False),
    ("salespeople", "email", "internalemailaddress", "from_sales", True),
    ("salespeople", "phone", "mobilephone", "from_sales", False),
    ("salespeople", "blocked", "isdisabled", "from_sales", False),
    ("accounts", "name", "name", "both", True),
    ("accounts", "email", "emailaddress1", "both", False),
    ("accounts", "phone", "telephone1", "both", False),
    ("accounts", "home_page", "websiteurl", "both", False),
    ("accounts", "address", "address1_line1", "both", False),
    ("accounts", "city", "address1_city", "both", False),
    ("accounts", "post_code", "address1_postalcode", "both", False),
    ("accounts", "country", "address1_country", "both", False),
    ("accounts", "salesperson", "_ownerid_value", "to_sales", False),
    ("contacts", "first_name", "firstname", "both", False),
    ("contacts", "surname", "lastname", "both", False),
    ("contacts", "email", "emailaddress1", "both", True),
    ("contacts", "phone", "telephone1", "both", False),
    ("contacts", "mobile_phone", "mobilephone", "both", False),
    ("contacts", "job_title", "jobtitle", "both", False),
    ("contacts", "company", "_parentcustomerid_value", "both", False),
    ("contacts", "salesperson", "_ownerid_value", "to_sales", False),
    ("opportunities", "description", "name", "both", False),
    ("opportunities", "contact", "_parentcontactid_value", "both", False),
    ("opportunities", "company", "_parentaccountid_value", "both", False),
    ("opportunities", "estimated_value", "estimatedvalue", "both", False),
    ("opportunities", "close_date", "estimatedclosedate", "both", False),
    ("opportunities", "salesperson", "_ownerid_value", "both", False),
]


def downgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_modified_at")
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunity_modified_at")
    op.drop_table("sync_run_count")
    op.drop_table("sync_field")
    with op.batch_alter_table("sync_failure", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_failure_open")

    op.drop_table("sync_failure")
    op.drop_table("sync_coupling")
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_conflict_open")

    op.drop_table("sync_conflict")
    op.drop_table("sync_run")
    op.drop_table("sync_mapping")

"""Segment digests: subscriptions (segment or saved criteria, schedule, zone) and runs.

Revision ID: 0603
Revises: 0602
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0603"
down_revision = "0602"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=30), nullable=False),
        sa.Column("segment_no", sa.String(length=20), nullable=True),
        sa.Column("criteria_code", sa.String(length=20), nullable=True),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("weekday", sa.String(length=3), nullable=True),
        sa.Column("at_time", sa.String(length=5), nullable=False),
        sa.Column("time_zone", sa.String(length=50), nullable=False),
        sa.Column("created_by", sa.String(length=50), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("since", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_subscription")),
    )
    op.create_table(
        "digest_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("period_start", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("period_end", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("posted", sa.Boolean(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("message_ts", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["digest_subscription.id"],
            name=op.f("fk_digest_run_subscription_id_digest_subscription"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_run")),
        sa.UniqueConstraint(
            "subscription_id", "period_end", name=op.f("uq_digest_run_subscription_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("digest_run")
    op.drop_table("digest_subscription")

"""processed requests: the keys of Slack requests already acted on

Revision ID: 0401
Revises: 0301
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0401"
down_revision = "0301"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processed_request",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_processed_request")),
    )
    with op.batch_alter_table("processed_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processed_request_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("processed_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_request_created_at"))
    op.drop_table("processed_request")

"""Campaign sends and their outbox: one row per recipient, with its state and Message-ID.

Revision ID: 0602
Revises: 0601
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0602"
down_revision = "0601"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_send",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_no", sa.String(length=20), nullable=False),
        sa.Column("segment_no", sa.String(length=20), nullable=True),
        sa.Column("interaction_template", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("scheduled_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=50), nullable=True),
        sa.Column("requested_via", sa.String(length=10), nullable=False),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("frozen_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("campaign_entry_id", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=100), nullable=True),
        sa.Column("worker_until", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("progress_channel", sa.String(length=30), nullable=True),
        sa.Column("progress_ts", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_entry_id"],
            ["campaign_entry.id"],
            name=op.f("fk_campaign_send_campaign_entry_id_campaign_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_no"], ["campaign.no"], name=op.f("fk_campaign_send_campaign_no_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["interaction_template"],
            ["interaction_template.code"],
            name=op.f("fk_campaign_send_interaction_template_interaction_template"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_send")),
    )
    with op.batch_alter_table("campaign_send", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_send_campaign_no"), ["campaign_no"], unique=False
        )
        batch_op.create_index("ix_campaign_send_due", ["status", "scheduled_at"], unique=False)

    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("send_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("contact_no", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=True),
        sa.Column("message_id", sa.String(length=250), nullable=True),
        sa.Column("claimed_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("interaction_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_outbox_message_contact_id_contact")
        ),
        sa.ForeignKeyConstraint(
            ["send_id"],
            ["campaign_send.id"],
            name=op.f("fk_outbox_message_send_id_campaign_send"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_message_id")),
        sa.UniqueConstraint("send_id", "contact_id", name=op.f("uq_outbox_message_send_id")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_message_send_state", ["send_id", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_send_state")

    op.drop_table("outbox_message")
    with op.batch_alter_table("campaign_send", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_send_due")
        batch_op.drop_index(batch_op.f("ix_campaign_send_campaign_no"))

    op.drop_table("campaign_send")

"""Mail logging tables: processed messages, their interactions, pending senders.

Revision ID: 0501
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0501"
down_revision = "0301"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("message_id", sa.String(length=250), nullable=True),
        sa.Column("dedupe_key", sa.String(length=250), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=True),
        sa.Column("salesperson", sa.String(length=20), nullable=True),
        sa.Column("subject", sa.String(length=250), nullable=False),
        sa.Column("occurred_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("attachments", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("processed_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_message")),
        sa.UniqueConstraint("key", name=op.f("uq_mail_message_key")),
    )
    with op.batch_alter_table("mail_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mail_message_sender_processed", ["sender", "processed_at"], unique=False
        )
        batch_op.create_index(
            "ix_mail_message_status_processed", ["status", "processed_at"], unique=False
        )

    op.create_table(
        "mail_pending_sender",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("salesperson", sa.String(length=20), nullable=True),
        sa.Column("choices", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_mail_pending_sender_contact_id_contact"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["mail_message.id"],
            name=op.f("fk_mail_pending_sender_message_id_mail_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_pending_sender")),
        sa.UniqueConstraint("message_id", "email", name=op.f("uq_mail_pending_sender_message_id")),
    )
    with op.batch_alter_table("mail_pending_sender", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mail_pending_sender_status", ["status", "salesperson"], unique=False
        )

    op.create_table(
        "mail_interaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=250), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_mail_interaction_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interaction_log_entry.id"],
            name=op.f("fk_mail_interaction_interaction_id_interaction_log_entry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_interaction")),
        sa.UniqueConstraint(
            "dedupe_key", "contact_id", name=op.f("uq_mail_interaction_dedupe_key")
        ),
    )


def downgrade() -> None:
    op.drop_table("mail_interaction")
    with op.batch_alter_table("mail_pending_sender", schema=None) as batch_op:
        batch_op.drop_index("ix_mail_pending_sender_status")

    op.drop_table("mail_pending_sender")
    with op.batch_alter_table("mail_message", schema=None) as batch_op:
        batch_op.drop_index("ix_mail_message_status_processed")
        batch_op.drop_index("ix_mail_message_sender_processed")

    op.drop_table("mail_message")

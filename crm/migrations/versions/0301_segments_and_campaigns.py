"""Segments, saved criteria, logged segments, campaigns and e-mail suppression.

Revision ID: 0301
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0301"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_status",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_campaign_status")),
    )
    op.bulk_insert(
        sa.table(
            "campaign_status", sa.column("code", sa.String), sa.column("description", sa.String)
        ),
        [
            {"code": "1-PLAN", "description": "Planned"},
            {"code": "2-SCHEDULED", "description": "Scheduled"},
            {"code": "3-STARTED", "description": "Started"},
            {"code": "4-DONE", "description": "Done"},
        ],
        multiinsert=False,
    )
    op.create_table(
        "email_suppression",
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=15), nullable=False),
        sa.Column("at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.String(length=250), nullable=True),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_email_suppression")),
    )
    op.create_table(
        "logged_segment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("segment_no", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.Column("campaign_no", sa.String(length=20), nullable=True),
        sa.Column("interactions", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("follow_up_segment_no", sa.String(length=20), nullable=True),
        sa.Column("canceled", sa.Boolean(), nullable=False),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=50), nullable=True),
        sa.Column("created_via", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_logged_segment")),
    )
    with op.batch_alter_table("logged_segment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_logged_segment_segment_no"), ["segment_no"], unique=False
        )

    op.create_table(
        "saved_segment_criteria",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=50), nullable=True),
        sa.Column("created_via", sa.String(length=10), nullable=False),
        sa.Column("modified_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("modified_by", sa.String(length=50), nullable=True),
        sa.Column("modified_via", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_saved_segment_criteria")),
    )
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.Column("starting_date", sa.Date(), nullable=True),
        sa.Column("ending_date", sa.Date(), nullable=True),
        sa.Column("status_code", sa.String(length=20), nullable=True),
        sa.Column("salesperson", sa.String(length=20), nullable=True),
        sa.Column("email_subject", sa.Text(), nullable=True),
        sa.Column("email_html", sa.Text(), nullable=True),
        sa.Column("email_text", sa.Text(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=50), nullable=True),
        sa.Column("created_via", sa.String(length=10), nullable=False),
        sa.Column("modified_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("modified_by", sa.String(length=50), nullable=True),
        sa.Column("modified_via", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["salesperson"], ["salesperson.code"], name=op.f("fk_campaign_salesperson_salesperson")
        ),
        sa.ForeignKeyConstraint(
            ["status_code"],
            ["campaign_status.code"],
            name=op.f("fk_campaign_status_code_campaign_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
        sa.UniqueConstraint("no", name=op.f("uq_campaign_no")),
    )
    op.create_table(
        "saved_segment_criteria_action",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["code"],
            ["saved_segment_criteria.code"],
            name=op.f("fk_saved_segment_criteria_action_code_saved_segment_criteria"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code", "seq", name=op.f("pk_saved_segment_criteria_action")),
    )
    op.create_table(
        "campaign_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_no", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("user", sa.String(length=50), nullable=True),
        sa.Column("segment_no", sa.String(length=20), nullable=True),
        sa.Column("salesperson", sa.String(length=20), nullable=True),
        sa.Column("logged_segment_id", sa.Integer(), nullable=True),
        sa.Column("canceled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_no"], ["campaign.no"], name=op.f("fk_campaign_entry_campaign_no_campaign")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_entry")),
    )
    with op.batch_alter_table("campaign_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_entry_campaign_no"), ["campaign_no"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_campaign_entry_logged_segment_id"), ["logged_segment_id"], unique=False
        )

    op.create_table(
        "campaign_target_group",
        sa.Column("campaign_no", sa.String(length=20), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_no"],
            ["campaign.no"],
            name=op.f("fk_campaign_target_group_campaign_no_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_campaign_target_group_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_no", "contact_id", name=op.f("pk_campaign_target_group")),
    )
    op.create_table(
        "segment_header",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("salesperson", sa.String(length=20), nullable=True),
        sa.Column("campaign_no", sa.String(length=20), nullable=True),
        sa.Column("campaign_target", sa.Boolean(), nullable=False),
        sa.Column("campaign_response", sa.Boolean(), nullable=False),
        sa.Column("interaction_template", sa.String(length=20), nullable=True),
        sa.Column("subject", sa.String(length=250), nullable=True),
        sa.Column("unit_cost", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("unit_duration_min", sa.Integer(), nullable=True),
        sa.Column("logged_segment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=50), nullable=True),
        sa.Column("created_via", sa.String(length=10), nullable=False),
        sa.Column("modified_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("modified_by", sa.String(length=50), nullable=True),
        sa.Column("modified_via", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_no"], ["campaign.no"], name=op.f("fk_segment_header_campaign_no_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["interaction_template"],
            ["interaction_template.code"],
            name=op.f("fk_segment_header_interaction_template_interaction_template"),
        ),
        sa.ForeignKeyConstraint(
            ["salesperson"],
            ["salesperson.code"],
            name=op.f("fk_segment_header_salesperson_salesperson"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_header")),
        sa.UniqueConstraint("no", name=op.f("uq_segment_header_no")),
    )
    with op.batch_alter_table("segment_header", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_segment_header_campaign_no"), ["campaign_no"], unique=False
        )

    op.create_table(
        "segment_criteria_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("action_no", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("lines_changed", sa.Integer(), nullable=False),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["segment_header.id"],
            name=op.f("fk_segment_criteria_action_segment_id_segment_header"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_criteria_action")),
        sa.UniqueConstraint(
            "segment_id", "action_no", name=op.f("uq_segment_criteria_action_segment_id")
        ),
    )
    op.create_table(
        "segment_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("added_by_action", sa.Integer(), nullable=True),
        sa.Column("removed_by_action", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_segment_line_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["segment_header.id"],
            name=op.f("fk_segment_line_segment_id_segment_header"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_line")),
    )
    with op.batch_alter_table("segment_line", schema=None) as batch_op:
        batch_op.create_index(
            "ix_segment_line_active",
            ["segment_id", "removed_by_action", "contact_id"],
            unique=False,
        )
        batch_op.create_index("ix_segment_line_contact", ["contact_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("segment_line", schema=None) as batch_op:
        batch_op.drop_index("ix_segment_line_contact")
        batch_op.drop_index("ix_segment_line_active")

    op.drop_table("segment_line")
    op.drop_table("segment_criteria_action")
    with op.batch_alter_table("segment_header", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_segment_header_campaign_no"))

    op.drop_table("segment_header")
    op.drop_table("campaign_target_group")
    with op.batch_alter_table("campaign_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_entry_logged_segment_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_entry_campaign_no"))

    op.drop_table("campaign_entry")
    op.drop_table("saved_segment_criteria_action")
    op.drop_table("campaign")
    op.drop_table("saved_segment_criteria")
    with op.batch_alter_table("logged_segment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_logged_segment_segment_no"))

    op.drop_table("logged_segment")
    op.drop_table("email_suppression")
    op.drop_table("campaign_status")

"""Indexes for interaction, opportunity and task lists, timelines and statistics.

Revision ID: 0201
Revises: 0101
"""

from alembic import op

revision = "0201"
down_revision = "0101"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_interaction_template_occurred",
        "interaction_log_entry",
        ["template_code", "occurred_at"],
    )
    op.create_index("ix_opportunity_cycle_closed", "opportunity", ["sales_cycle", "closed"])
    # Covers the sales cycle statistics: index-only passes over active and past entries.
    op.create_index(
        "ix_opportunity_entry_cycle_figures",
        "opportunity_entry",
        [
            "sales_cycle",
            "active",
            "stage",
            "action_taken",
            "days_open",
            "estimated_value",
            "calcd_current_value",
        ],
    )
    op.create_index("ix_task_company", "task", ["company_id"])
    op.create_index("ix_task_team_open", "task", ["team", "closed", "due_date"])


def downgrade() -> None:
    op.drop_index("ix_task_team_open", table_name="task")
    op.drop_index("ix_task_company", table_name="task")
    op.drop_index("ix_opportunity_entry_cycle_figures", table_name="opportunity_entry")
    op.drop_index("ix_opportunity_cycle_closed", table_name="opportunity")
    op.drop_index("ix_interaction_template_occurred", table_name="interaction_log_entry")

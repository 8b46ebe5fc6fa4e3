"""Scheduler jobs: the APScheduler job store, job state and runs, leases, preferences.

Revision ID: 0601
Revises: 0301 (0001 on its own; chained after segments once merged)
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0601"
down_revision = "0501"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # APScheduler's own table, created here rather than by the job store so that two instances
    # starting at once never race to create it; the columns are the ones the store defines.
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(191), nullable=False),
        sa.Column("next_run_time", sa.Float(25)),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apscheduler_jobs")),
    )
    op.create_index(
        "ix_apscheduler_jobs_next_run_time", "apscheduler_jobs", ["next_run_time"], unique=False
    )
    op.create_table(
        "job_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("requested_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=50), nullable=True),
        sa.Column("applied_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_request")),
    )
    with op.batch_alter_table("job_request", schema=None) as batch_op:
        batch_op.create_index("ix_job_request_pending", ["applied_at"], unique=False)

    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=100), nullable=False),
        sa.Column("instance", sa.String(length=100), nullable=False),
        sa.Column("started_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("summary", sa.String(length=250), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_run")),
    )
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.create_index("ix_job_run_job_started", ["job_id", "started_at"], unique=False)

    op.create_table(
        "job_state",
        sa.Column("job_id", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("schedule", sa.String(length=200), nullable=False),
        sa.Column("next_run_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("last_run_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=10), nullable=False),
        sa.Column("last_summary", sa.String(length=250), nullable=False),
        sa.Column("last_instance", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_state")),
    )
    op.create_table(
        "scheduler_lease",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("expires_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_lease")),
    )
    op.create_table(
        "notification_preference",
        sa.Column("salesperson", sa.String(length=20), nullable=False),
        sa.Column("task_reminders", sa.Boolean(), nullable=False),
        sa.Column("reminder_minutes", sa.Integer(), nullable=False),
        sa.Column("overdue_summary", sa.Boolean(), nullable=False),
        sa.Column("summary_hour", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["salesperson"],
            ["salesperson.code"],
            name=op.f("fk_notification_preference_salesperson_salesperson"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("salesperson", name=op.f("pk_notification_preference")),
    )
    op.create_table(
        "overdue_summary_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("salesperson", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["salesperson"],
            ["salesperson.code"],
            name=op.f("fk_overdue_summary_sent_salesperson_salesperson"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overdue_summary_sent")),
        sa.UniqueConstraint("salesperson", "day", name=op.f("uq_overdue_summary_sent_salesperson")),
    )


def downgrade() -> None:
    op.drop_table("overdue_summary_sent")
    op.drop_table("notification_preference")
    op.drop_table("scheduler_lease")
    op.drop_table("job_state")
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.drop_index("ix_job_run_job_started")

    op.drop_table("job_run")
    with op.batch_alter_table("job_request", schema=None) as batch_op:
        batch_op.drop_index("ix_job_request_pending")

    op.drop_table("job_request")
    op.drop_table("apscheduler_jobs")

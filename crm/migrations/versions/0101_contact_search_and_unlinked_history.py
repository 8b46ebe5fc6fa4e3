"""contact search words and trigrams; history kept, unlinked, when a contact is deleted

Revision ID: 0101
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

# Byte order on PostgreSQL, so that prefix ranges use the index under any database collation.
WORD = sa.String(60).with_variant(sa.String(60, collation="C"), "postgresql")

revision = "0101"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_gram",
        sa.Column("gram", sa.String(length=3), nullable=False),
        sa.Column("word", WORD, nullable=False),
        sa.PrimaryKeyConstraint("gram", "word", name=op.f("pk_search_gram")),
    )
    op.create_table(
        "contact_search_word",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("word", WORD, nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_search_word_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_id", "word", name=op.f("pk_contact_search_word")),
    )
    with op.batch_alter_table("contact_search_word", schema=None) as batch_op:
        batch_op.create_index("ix_contact_search_word_word", ["word"], unique=False)

    with op.batch_alter_table("interaction_log_entry", schema=None) as batch_op:
        batch_op.alter_column("contact_id", existing_type=sa.INTEGER(), nullable=True)

    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.alter_column("contact_id", existing_type=sa.INTEGER(), nullable=True)

    with op.batch_alter_table("opportunity_entry", schema=None) as batch_op:
        batch_op.alter_column("contact_id", existing_type=sa.INTEGER(), nullable=True)

    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_vat_registration_no"), ["vat_registration_no"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_vat_registration_no"))

    with op.batch_alter_table("opportunity_entry", schema=None) as batch_op:
        batch_op.alter_column("contact_id", existing_type=sa.INTEGER(), nullable=False)

    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.alter_column("contact_id", existing_type=sa.INTEGER(), nullable=False)

    with op.batch_alter_table("interaction_log_entry", schema=None) as batch_op:
        batch_op.alter_column("contact_id", existing_type=sa.INTEGER(), nullable=False)

    with op.batch_alter_table("contact_search_word", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_search_word_word")

    op.drop_table("contact_search_word")
    op.drop_table("search_gram")

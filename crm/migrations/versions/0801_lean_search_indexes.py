"""lean search indexes: no foreign keys on the derived search tables, no rowid on SQLite,
and the word index covering the contact

The search words, trigrams and duplicate search strings are derived from the contacts and
rewritten by the contact service, which also deletes them with their contact. Without a
foreign key a bulk import writes a million word rows without a million key checks, and on
SQLite the tables keep their rows in their primary key's order instead of in a second tree.

Revision ID: 0801
Revises: 0701
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0801"
down_revision = "0701"
branch_labels = None
depends_on = None

WORD = sa.String(60).with_variant(sa.String(60, collation="C"), "postgresql")
Columns = list[tuple[str, type[sa.types.TypeEngine[Any]] | sa.types.TypeEngine[Any]]]
# Each table: its columns (as text, made anew per run), primary key and indexes.
TABLES: dict[str, tuple[Columns, tuple[str, ...], list[tuple[str, list[str]]]]] = {
    "contact_search_word": (
        [("contact_id", sa.Integer), ("word", WORD)],
        ("contact_id", "word"),
        [("ix_contact_search_word_word", ["word", "contact_id"])],
    ),
    "duplicate_search_string": (
        [
            ("contact_id", sa.Integer),
            ("field", sa.String(30)),
            ("part", sa.String(5)),
            ("value", sa.String(10)),
        ],
        ("contact_id", "field", "part"),
        [("ix_duplicate_search_string_value", ["field", "part", "value"])],
    ),
    "search_gram": ([("gram", sa.String(3)), ("word", WORD)], ("gram", "word"), []),
}
FOREIGN_KEYS = {
    "contact_search_word": "fk_contact_search_word_contact_id_contact",
    "duplicate_search_string": "fk_duplicate_search_string_contact_id_contact",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for table, name in FOREIGN_KEYS.items():
            op.drop_constraint(name, table, type_="foreignkey")
        # Word and contact together: `contact find` reads the contacts of a word from the
        # index alone, without visiting the table's pages.
        op.drop_index("ix_contact_search_word_word", table_name="contact_search_word")
        op.create_index(
            "ix_contact_search_word_word", "contact_search_word", ["word", "contact_id"]
        )
        return
    # SQLite alters no constraints: each table is made anew, WITHOUT ROWID, and refilled.
    for table, (columns, key, indexes) in TABLES.items():
        _rebuild(table, columns, key, indexes, sqlite_with_rowid=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_index("ix_contact_search_word_word", table_name="contact_search_word")
        op.create_index("ix_contact_search_word_word", "contact_search_word", ["word"])
        for table, name in FOREIGN_KEYS.items():
            op.create_foreign_key(
                name, table, "contact", ["contact_id"], ["id"], ondelete="CASCADE"
            )
        return
    for table, (columns, key, indexes) in TABLES.items():
        extra = []
        if table in FOREIGN_KEYS:
            extra.append(
                sa.ForeignKeyConstraint(
                    ["contact_id"], ["contact.id"], name=FOREIGN_KEYS[table], ondelete="CASCADE"
                )
            )
        _rebuild(table, columns, key, indexes, *extra)


def _rebuild(
    table: str,
    columns: Columns,
    key: tuple[str, ...],
    indexes: list[tuple[str, list[str]]],
    *constraints: sa.Constraint,
    **options: Any,
) -> None:
    names = ", ".join(name for name, _ in columns)
    op.rename_table(table, f"{table}_old")
    for index, _ in indexes:
        op.drop_index(index, table_name=f"{table}_old")
    op.create_table(
        table,
        *(sa.Column(name, kind, nullable=False) for name, kind in columns),
        sa.PrimaryKeyConstraint(*key, name=f"pk_{table}"),
        *constraints,
        **options,
    )
    op.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {table}_old")
    op.drop_table(f"{table}_old")
    for index, on in indexes:
        op.create_index(index, table, on)

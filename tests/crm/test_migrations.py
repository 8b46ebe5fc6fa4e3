"""Migrations that rebuild tables keep their rows, up and down."""

from alembic import command
from sqlalchemy import text

from crm import db

CONTACT = (
    "INSERT INTO contact (id, no, type, name, search_name, exclude_from_segments,"
    " privacy_blocked, minor, parental_consent, correspondence_type, created_at, modified_at,"
    " created_by, modified_by, created_via, modified_via) VALUES (1, 'CT1', 'company', 'Acme',"
    " 'ACME', false, false, false, false, '', '2026-01-01', '2026-01-01', 'x', 'x', 'console',"
    " 'console')"
)
SEARCH_ROWS = {
    "contact_search_word": "(1, 'acme')",
    "search_gram": "(' ac', 'acme')",
    "duplicate_search_string": "(1, 'name', 'first', 'ACME')",
}


def _migrate(engine, step, revision):
    config = db.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        step(config, revision)


def _counts(engine):
    with engine.connect() as connection:
        return [
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in SEARCH_ROWS
        ]


def test_lean_search_tables_keep_their_rows_both_ways(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    _migrate(engine, command.upgrade, "0701")
    with engine.begin() as connection:
        connection.execute(text(CONTACT))
        for table, values in SEARCH_ROWS.items():
            connection.execute(text(f"INSERT INTO {table} VALUES {values}"))

    _migrate(engine, command.upgrade, "0801")
    assert _counts(engine) == [1, 1, 1]
    with engine.connect() as connection:
        schema = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'contact_search_word'")
        ).scalar()
    assert "WITHOUT ROWID" in schema and "REFERENCES" not in schema

    _migrate(engine, command.downgrade, "0701")
    assert _counts(engine) == [1, 1, 1]
    engine.dispose()

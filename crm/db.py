"""The database: declarative base, column types, engines and schema upgrades."""

import datetime as dt
import itertools
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    Engine,
    MetaData,
    Numeric,
    Table,
    Text,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    inspect,
    literal_column,
    select,
    text,
    union_all,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import (
    DeclarativeBase,
    QueryableAttribute,
    Session,
    make_transient_to_detached,
    sessionmaker,
)
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
REVISION = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
DOWN_REVISION = re.compile(r"^down_revision\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)

# Stable constraint names, so that Alembic can alter them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every mapped table."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always returned timezone-aware.

    SQLite keeps no zone, so naive values read back are UTC by construction; naive values
    written are refused, because guessing their zone would corrupt the record.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Rapport stores timezone-aware UTC only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


Money = Numeric(18, 2, asdecimal=True)
Percent = Numeric(7, 4, asdecimal=True)
ZERO = Decimal("0")


def utcnow() -> dt.datetime:
    """Return the current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for SQLite or PostgreSQL with the settings Rapport relies on."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        import sqlite3

        # Python's sqlite3 looks for a way to adapt every None it binds, raising and dropping an
        # AttributeError each time; with an adapter of its own a NULL costs a third as much,
        # which a bulk insert of sparse rows feels.
        sqlite3.register_adapter(type(None), _null)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _null(value: None) -> None:
    return None


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; take it over.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front, so two processes queue instead of deadlocking
    # when both read and then write (number series, outbox claims).
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory the fronts open one transaction with."""
    return sessionmaker(engine, expire_on_commit=False)


_INSERTS: dict[Any, Any] = {}


def insert_loaded(
    db_session: Session,
    record: Base,
    *,
    along: tuple[Table, list[dict[str, Any]]] | None = None,
) -> None:
    """INSERT a new record with a plain statement and attach it as loaded, id included.

    For hot paths: the unit of work's flush costs several times the INSERT itself. Columns
    get their value or scalar default first, so reading one later costs no SELECT. The
    record must have one integer primary key, `id`, and nothing pending to cascade. Rows
    given `along` go into their table in the same statement on PostgreSQL (a data-modifying
    WITH), which spares a round trip; SQLite writes them just before.
    """
    table = cast(Table, record.__table__)
    statement = _INSERTS.get(table.name)
    if statement is None:
        statement = _INSERTS[table.name] = insert(table)
    values: dict[str, Any] = {}
    loaded = record.__dict__
    for column in table.columns:
        if column.primary_key:
            continue
        if column.key not in loaded:
            default = column.default
            if isinstance(default, CallableColumnDefault):
                continue  # the INSERT computes it; reading it later loads it
            value = default.arg if isinstance(default, ScalarElementColumnDefault) else None
            setattr(record, column.key, value)
        values[column.key] = loaded[column.key]
    connection = db_session.connection()
    inserted: Any
    if along is not None and along[1] and connection.dialect.name == "postgresql":
        other, rows = along
        both = _insert_with(statement, other, len(rows), tuple(rows[0]))
        for n, row in enumerate(rows):
            values.update({f"along_{n}_{name}": value for name, value in row.items()})
        inserted = connection.execute(both, values).scalar_one()
    else:
        if along is not None and along[1]:
            connection.execute(insert(along[0]), along[1])
        key = connection.execute(statement, values).inserted_primary_key
        if key is None:
            raise RuntimeError(f"{table.name}: the INSERT returned no id")
        inserted = key[0]
    record.id = inserted  # type: ignore[attr-defined]
    make_transient_to_detached(record)
    db_session.add(record)


def _insert_with(statement: Any, other: Table, count: int, names: tuple[str, ...]) -> Any:
    # SQLAlchemy compiles a multi-row VALUES anew for every call (it has no cache key); rows
    # selected from bound parameters make one statement per shape, compiled once and cached.
    key = (statement.table.name, other.name, count, names)
    both = _INSERTS.get(key)
    if both is None:
        rows = [
            select(*(bindparam(f"along_{n}_{name}", type_=other.c[name].type) for name in names))
            for n in range(count)
        ]
        source = rows[0] if count == 1 else union_all(*rows)
        first = insert(other).from_select(list(names), source).cte(f"with_{other.name}")
        both = _INSERTS[key] = statement.add_cte(first).returning(statement.table.c.id)
    return both


def reserve_ids(connection: Connection, table: Table, count: int, *, after: int = 0) -> list[int]:
    """Return count new values of a table's integer key `id`, for rows written in bulk.

    PostgreSQL draws them from the column's sequence, as single INSERTs do. SQLite numbers on
    from the highest id, or from `after`, the last id the caller reserved and has not written
    yet: Rapport's SQLite transactions begin IMMEDIATE, so no other writer can take the same
    ones before this transaction ends.
    """
    if count <= 0:
        return []
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table.name, count),
        )
        return sorted(row[0] for row in rows)
    top = connection.exec_driver_sql(f"SELECT max(id) FROM {table.name}").scalar() or 0
    top = max(top, after)
    return list(range(top + 1, top + 1 + count))


def copy_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Write rows of plain values into a table as fast as the database takes them.

    For bulk imports, where SQLAlchemy's per-row statement handling would cost more than the
    writing: PostgreSQL gets COPY, SQLite the driver's executemany. Each value still passes
    through its column type's conversion (time zones, for one), so what lands is what an
    ordinary INSERT would have stored. Rows may come from a generator: PostgreSQL takes them
    as they are made, so the server stores one part while the caller makes the next.
    """
    dialect = connection.dialect
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    rows = itertools.chain((first,), rows)
    convert = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
    if any(convert):
        steps = [(i, _remembered(f)) for i, f in enumerate(convert) if f is not None]

        def converted(row: Sequence[Any]) -> tuple[Any, ...]:
            values = list(row)
            for i, f in steps:
                values[i] = f(values[i])
            return tuple(values)

        rows = map(converted, rows)
    names = ", ".join(table.c[key].name for key in columns)
    if dialect.name == "postgresql":
        # COPY is PostgreSQL's bulk path, many times faster than INSERTs in a pipeline.
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    connection.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", list(rows))


# Keys asked for in one IN list on SQLite: few round trips, well inside its variable limit.
LOOKUP = 2000
_SEPARATOR = "\x1f"  # the ASCII unit separator: keys that hold it go as an array instead


def one_of(
    connection: Connection,
    column: ColumnElement[Any] | QueryableAttribute[Any],
    keys: Sequence[Any],
) -> Iterator[ColumnElement[bool]]:
    """Yield conditions that together say "column is one of keys", for lookups in bulk.

    Both databases take text keys as one parameter, split on the server (a statement compiled
    once, where a list would be written out item by item), and match them through the
    column's index. Other keys go as an array on PostgreSQL, as IN lists of LOOKUP keys on
    SQLite.
    """
    if not keys:
        return
    texts = all(isinstance(key, str) for key in keys)
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        if texts and all(key and _SEPARATOR not in key for key in keys):
            joined = bindparam(None, _SEPARATOR.join(keys), type_=Text)
            yield column == any_(func.string_to_array(joined, _SEPARATOR))
        else:
            yield column == any_(bindparam(None, list(keys), type_=ARRAY(column.type)))
        return
    if texts and connection.dialect.name == "sqlite" and _json_each():
        listed = func.json_each(bindparam(None, json.dumps(list(keys)), type_=Text))
        yield column.in_(select(literal_column("value")).select_from(listed))
        return
    for start in range(0, len(keys), LOOKUP):
        yield column.in_(keys[start : start + LOOKUP])


def _json_each() -> bool:
    """Say whether this SQLite has json_each built in (3.38 and later)."""
    import sqlite3

    return sqlite3.sqlite_version_info >= (3, 38)


def _remembered(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    # Bulk rows repeat the values that need converting (one timestamp, a few flags): each
    # distinct value is converted once.
    seen: dict[Any, Any] = {}

    def once(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = result = convert(value)
            return result
        except TypeError:  # unhashable
            return convert(value)

    return once


def alembic_config(url: str) -> Any:
    """Return an Alembic configuration pointing at Rapport's migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema up to the newest migration; cheap when it already is."""
    if current_revision(engine) == head_revision():
        return
    from alembic import command

    log.info("Upgrading the database schema to %s", head_revision())

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    """Return the schema revision the database is at, or None when it is empty."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str:
    """Return the newest revision the code knows.

    Read from the migration files with a pattern rather than through Alembic, whose import
    alone costs more than a whole console command may take.
    """
    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = REVISION.search(source)
        down = DOWN_REVISION.search(source)
        if revision:
            revisions[revision.group(1)] = down.group(1) if down else None
    heads = set(revisions) - set(revisions.values())
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {sorted(heads)}")
    return heads.pop()

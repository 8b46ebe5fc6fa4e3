"""Fixtures: every database test runs on SQLite and, when configured, on PostgreSQL."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from crm import db
from crm.audit import Actor, Channel
from handlers.commands import build_registry
from handlers.context import Context
from handlers.dispatch import Result, execute
from handlers.grammar import Registry

POSTGRES_URL = os.environ.get("RAPPORT_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"]


def _postgres_database() -> Iterator[str]:
    """Create a database of its own for this test run, so that parallel runs never collide."""
    if not POSTGRES_URL:
        pytest.skip("RAPPORT_TEST_POSTGRES_URL is not set")
    admin_url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"rapport_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The URL of a freshly migrated database of each backend."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "rapport.db"
        url = f"sqlite:///{path}"
        engine = db.make_engine(url)
        db.upgrade(engine)
        engine.dispose()
        yield url
        return
    databases = _postgres_database()
    url = next(databases)
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()
    yield url
    next(databases, None)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = db.make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def sessions(connection: Connection) -> sessionmaker[Session]:
    """Session factory whose commits are savepoints of the test's transaction."""
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def db_session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


@pytest.fixture
def actor() -> Actor:
    return Actor(Channel.CONSOLE, None, "test")


@pytest.fixture(scope="session")
def registry() -> Registry:
    return build_registry()


@pytest.fixture
def run(sessions, registry, tmp_path: Path):
    """Run a console command as the console would, on the test's transaction."""

    def run(command: str, *, user: str | None = None, admin: bool = True) -> Result:
        def make_context(session: Session) -> Context:
            return Context(
                session=session,
                actor=Actor(Channel.CONSOLE, user, user),
                output_dir=tmp_path / "output",
                is_admin=admin,
            )

        return execute(command, registry=registry, sessions=sessions, make_context=make_context)

    return run

"""Benchmark the Dynamics 365 Sales sync: requests and time for 10,000 changes, and idle runs.

    .venv/bin/python bench/sync.py [--backend sqlite|postgresql]

Runs the real engine and client against the loopback Dataverse fake. Figures are printed and
saved to bench/results/sync.txt.
"""

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, insert, text, update
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.dataverse import DataverseClient  # noqa: E402
from crm import db  # noqa: E402
from crm.audit import Actor, Channel  # noqa: E402
from crm.contacts.models import Contact  # noqa: E402
from crm.sync.engine import run_sync  # noqa: E402
from tests.fakes.dataverse import FakeDataverse  # noqa: E402

RECORDS = 10_000
AIM_CHANGED = 15
ACTOR = Actor(Channel.CONSOLE, None, "bench")


def database(backend: str) -> tuple[str, object]:
    """Return a fresh database URL and what to clean up afterwards."""
    if backend == "sqlite":
        folder = tempfile.TemporaryDirectory()
        return f"sqlite:///{folder.name}/bench.db", folder
    base = os.environ.get("RAPPORT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    admin_url = make_url(base).set(drivername="postgresql+psycopg")
    name = f"rapport_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return admin_url.set(database=name).render_as_string(hide_password=False), (admin, name)


def drop(cleanup: object) -> None:
    if isinstance(cleanup, tempfile.TemporaryDirectory):
        cleanup.cleanup()
        return
    admin, name = cleanup  # type: ignore[misc]
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def companies(engine: object) -> None:
    """Insert RECORDS companies with Core bulk inserts."""
    now = db.utcnow()
    rows = [
        {
            "no": f"BX{n:06d}",
            "type": "company",
            "name": f"Company {n:05d}",
            "search_name": f"COMPANY {n:05d}",
            "city": "Springfield",
            "correspondence_type": "email",
            "exclude_from_segments": False,
            "privacy_blocked": False,
            "minor": False,
            "parental_consent": False,
            "created_at": now,
            "created_via": "console",
            "modified_at": now,
            "modified_via": "console",
        }
        for n in range(RECORDS)
    ]
    with engine.begin() as connection:  # type: ignore[attr-defined]
        connection.execute(insert(Contact), rows)


def timed_run(sessions: object, client: DataverseClient, *, full: bool = False) -> tuple:
    started = time.perf_counter()
    with sessions.begin() as session:  # type: ignore[attr-defined]
        run = run_sync(db_session=session, client=client, actor=ACTOR, full=full)
        assert run.error is None, run.error
        counts = {c.mapping: (c.inserted, c.modified, c.failed) for c in run.counts}
        requests = run.requests
    return requests, time.perf_counter() - started, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()

    url, cleanup = database(args.backend)
    engine = db.make_engine(url)
    db.upgrade(engine)
    sessions = db.make_sessionmaker(engine)
    fake = FakeDataverse().start()
    client = DataverseClient(fake.url, lambda: "token")
    lines = [f"Dynamics 365 Sales sync, {RECORDS:,} records, backend {args.backend}"]
    try:
        companies(engine)
        requests, seconds, counts = timed_run(sessions, client, full=True)
        lines.append(
            f"full sync, {RECORDS:,} new companies -> accounts: {requests} requests, "
            f"{seconds:.1f} s, accounts inserted {counts['accounts'][0]:,}"
        )

        with engine.begin() as connection:
            connection.execute(update(Contact).values(phone="+1 555 0100", modified_at=db.utcnow()))
        requests, seconds, counts = timed_run(sessions, client)
        lines.append(
            f"{RECORDS:,} changed in Rapport: {requests} requests (aim <= {AIM_CHANGED}, "
            f"ratio {requests / AIM_CHANGED:.2f}), {seconds:.1f} s, "
            f"modified {counts['accounts'][1]:,}"
        )

        for row in fake.rows("accounts"):
            fake.change("accounts", row["accountid"], websiteurl="https://sales.example")
        requests, seconds, counts = timed_run(sessions, client)
        lines.append(
            f"{RECORDS:,} changed in Sales: {requests} requests (aim <= {AIM_CHANGED}, "
            f"ratio {requests / AIM_CHANGED:.2f}), {seconds:.1f} s, "
            f"modified {counts['accounts'][1]:,}"
        )

        # Quiet for a while: the last changes are older than the overlap the scan re-reads.
        with engine.begin() as connection:
            connection.execute(
                update(Contact).values(modified_at=db.utcnow() - dt.timedelta(hours=1))
            )
        requests, seconds, counts = timed_run(sessions, client)
        tables = len(counts)
        lines.append(
            f"unchanged steady state: {requests} requests for {tables} mapped tables "
            f"(aim {tables}, ratio {requests / tables:.2f}), {seconds:.2f} s"
        )
    finally:
        client.close()
        fake.stop()
        engine.dispose()
        drop(cleanup)

    lines.append("machine: 2 shared cores, noisy; the fake runs in the same process")
    report = "\n".join(lines)
    print(report)
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    path = results / "sync.txt"
    # One block per backend: a run replaces its own backend's figures and keeps the other's.
    blocks = path.read_text(encoding="utf-8").split("\n\n") if path.exists() else []
    blocks = [b.strip() for b in blocks if b.strip() and not b.startswith(lines[0])]
    path.write_text("\n\n".join(sorted([*blocks, report])) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

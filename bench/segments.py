"""Benchmark segments: a three-criteria add against hand-written SQL, logging, the pipeline chart.

    .venv/bin/python bench/segments.py --backend sqlite        # 200,000 contacts
    .venv/bin/python bench/segments.py --backend postgresql    # 1,000,000 contacts

The generated databases are kept (bench/data/*.db, PostgreSQL database rapport_bench_segments)
and reused by later runs; every measured step runs in a transaction that is rolled back.
"""

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crm import db  # noqa: E402
from crm.audit import Actor, Channel  # noqa: E402
from crm.reports import service as report_service  # noqa: E402
from crm.segments import criteria as crit  # noqa: E402
from crm.segments import logged as logged_service  # noqa: E402
from crm.segments import service as segment_service  # noqa: E402
from handlers.reports.charts import draw  # noqa: E402

SIZES = {"sqlite": 200_000, "postgresql": 1_000_000}
OPPORTUNITIES = 10_000
LOG_LINES = 10_000
RUNS = 5
ACTOR = Actor(Channel.CONSOLE, None, "bench")
TODAY = dt.date(2026, 6, 1)
NOW = "2026-06-01 12:00:00"
CRITERIA = {"type": "person", "territory": "T01", "relation": "CUST"}
HAND_WRITTEN = """
INSERT INTO segment_line (segment_id, contact_id, company_id, added_by_action)
SELECT :segment, c.id, COALESCE(c.company_id, c.id), 1
FROM contact c
WHERE c.type = 'person'
  AND c.territory = 'T01'
  AND EXISTS (SELECT 1 FROM contact_business_relation r
              WHERE r.contact_id = COALESCE(c.company_id, c.id) AND r.code = 'CUST')
  AND c.exclude_from_segments = false
  AND NOT EXISTS (SELECT 1 FROM segment_line l
                  WHERE l.segment_id = :segment AND l.removed_by_action IS NULL
                    AND l.contact_id = c.id)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=sorted(SIZES), default="sqlite")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="server URL; the benchmark database is created beside it",
    )
    args = parser.parse_args()
    size = SIZES[args.backend]
    engine = _engine(args.backend, args.postgres)
    db.upgrade(engine)
    if _count(engine) != size:
        _generate(engine, size)
    lines = [f"Segments benchmark · {args.backend} · {size:,} contacts · {time.strftime('%F %T')}"]
    lines += _bench_add(engine)
    lines += _bench_log(engine)
    lines += _bench_pipeline(engine)
    report = "\n".join(lines)
    print(report)
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"segments-{args.backend}.txt").write_text(report + "\n", encoding="utf-8")


def _engine(backend: str, server: str) -> Engine:
    if backend == "sqlite":
        path = ROOT / "bench" / "data" / "segments-200k.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        return db.make_engine(f"sqlite:///{path}")
    url = make_url(server).set(drivername="postgresql+psycopg")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        found = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = 'rapport_bench_segments'")
        ).first()
        if not found:
            connection.execute(text('CREATE DATABASE "rapport_bench_segments"'))
    admin.dispose()
    target = url.set(database="rapport_bench_segments")
    return db.make_engine(target.render_as_string(hide_password=False))


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM contact")).scalar_one()


def _generate(engine: Engine, size: int) -> None:
    started = time.perf_counter()
    print(f"Generating {size:,} contacts and {OPPORTUNITIES:,} opportunities ...", flush=True)
    with engine.begin() as connection:
        for table in (
            "segment_line",
            "segment_criteria_action",
            "segment_header",
            "interaction_log_entry",
            "opportunity_entry",
            "opportunity",
            "contact_business_relation",
            "contact_industry_group",
            "contact_job_responsibility",
            "contact",
        ):
            connection.execute(text(f"DELETE FROM {table}"))
        _codes(connection)
    rng = random.Random(7)
    companies = size // 5
    tables: dict[str, tuple[tuple[str, ...], Callable[[], Iterator[tuple[Any, ...]]]]] = {
        "contact": (
            (
                "id",
                "no",
                "type",
                "name",
                "search_name",
                "company_id",
                "territory",
                "salesperson",
                "country",
                "post_code",
                "email",
                "search_email",
                "correspondence_type",
                "exclude_from_segments",
                "privacy_blocked",
                "minor",
                "parental_consent",
                "created_at",
                "created_via",
                "modified_at",
                "modified_via",
            ),
            lambda: _contacts(size, companies),
        ),
        "contact_business_relation": (
            ("contact_id", "code"),
            lambda: ((i, ("CUST", "PROS", "VEND")[i % 3]) for i in range(1, companies + 1)),
        ),
        "contact_industry_group": (
            ("contact_id", "code"),
            lambda: ((i, f"IND{i % 8 + 1}") for i in range(1, companies + 1)),
        ),
        "contact_job_responsibility": (
            ("contact_id", "code"),
            lambda: ((i, f"JOB{i % 6 + 1}") for i in range(companies + 1, size + 1, 2)),
        ),
        "opportunity": (
            (
                "id",
                "no",
                "description",
                "salesperson",
                "contact_id",
                "sales_cycle",
                "creation_date",
                "priority",
                "status",
                "closed",
                "created_at",
                "created_via",
                "modified_at",
                "modified_via",
            ),
            lambda: _opportunities(rng, companies),
        ),
        "opportunity_entry": (
            (
                "id",
                "opportunity_id",
                "sales_cycle",
                "stage",
                "contact_id",
                "salesperson",
                "date_of_change",
                "active",
                "days_open",
                "action_taken",
                "estimated_value",
                "calcd_current_value",
                "completed_pct",
                "chances_pct",
                "probability_pct",
            ),
            lambda: _entries(rng, companies),
        ),
    }
    for table, (columns, rows) in tables.items():
        _bulk(engine, table, columns, rows())
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                text("SELECT setval('contact_id_seq', (SELECT max(id) FROM contact))")
            )
            for table in ("opportunity", "opportunity_entry"):
                connection.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
            connection.commit()
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
            connection.commit()
    print(f"Generated in {time.perf_counter() - started:.1f} s", flush=True)


def _codes(connection: Any) -> None:
    statements = [
        "INSERT INTO salesperson (code, name, role, blocked, time_zone, created_at, created_via,"
        " modified_at, modified_via) VALUES "
        + ", ".join(
            f"('SP{i:02d}', 'Seller {i}', 'member', false, 'UTC', '{NOW}', 'console', '{NOW}',"
            " 'console')"
            for i in range(1, 21)
        ),
        "INSERT INTO territory (code, description) VALUES "
        + ", ".join(f"('T{i:02d}', '')" for i in range(1, 11)),
        "INSERT INTO business_relation (code, description) VALUES ('CUST', ''), ('PROS', ''),"
        " ('VEND', '')",
        "INSERT INTO industry_group (code, description) VALUES "
        + ", ".join(f"('IND{i}', '')" for i in range(1, 9)),
        "INSERT INTO job_responsibility (code, description) VALUES "
        + ", ".join(f"('JOB{i}', '')" for i in range(1, 7)),
        "INSERT INTO interaction_group (code, description) VALUES ('BENCH', '')",
        "INSERT INTO interaction_template (code, group_code, description, unit_cost,"
        " unit_duration_min, information_flow, initiated_by, correspondence_type,"
        " campaign_target, campaign_response) VALUES ('LETTER', 'BENCH', '', 1.5, 5,"
        " 'outbound', 'us', 'email', false, false)",
        "INSERT INTO sales_cycle (code, description, probability_method, blocked)"
        " VALUES ('STD', 'Standard', 'multiply', false)",
        "INSERT INTO sales_cycle_stage (cycle_code, stage, description, completed_pct,"
        " chances_pct, quote_required, allow_skip) VALUES "
        + ", ".join(
            f"('STD', {n}, '{name}', {n * 20}, {n * 15}, false, false)"
            for n, name in enumerate(
                ("Qualify", "Discover", "Propose", "Negotiate", "Close"), start=1
            )
        ),
    ]
    for table in (
        "sales_cycle_stage",
        "sales_cycle",
        "interaction_template",
        "interaction_group",
        "job_responsibility",
        "industry_group",
        "business_relation",
        "territory",
        "salesperson",
    ):
        connection.execute(text(f"DELETE FROM {table}"))
    for statement in statements:
        connection.execute(text(statement))


def _contacts(size: int, companies: int) -> Iterator[tuple[Any, ...]]:
    for i in range(1, size + 1):
        company = i <= companies
        name = f"Company {i}" if company else f"Person {i}"
        email = f"p{i}@example.com" if not company and i % 7 else None
        yield (
            i,
            f"CT{i:07d}",
            "company" if company else "person",
            name,
            name.upper(),
            None if company else 1 + i % companies,
            f"T{i % 10 + 1:02d}",
            f"SP{i % 20 + 1:02d}",
            "DE",
            f"{10000 + i % 90000}",
            email,
            email,
            "email",
            i % 97 == 0,
            i % 211 == 0,
            False,
            False,
            NOW,
            "console",
            NOW,
            "console",
        )


def _opportunities(rng: random.Random, companies: int) -> Iterator[tuple[Any, ...]]:
    for i in range(1, OPPORTUNITIES + 1):
        status = rng.choices(["in_progress", "not_started", "won", "lost"], [6, 2, 1, 1])[0]
        yield (
            i,
            f"OP{i:06d}",
            f"Deal {i}",
            f"SP{i % 20 + 1:02d}",
            companies + i,
            "STD",
            "2026-01-15",
            "normal",
            status,
            status in ("won", "lost"),
            NOW,
            "console",
            NOW,
            "console",
        )


def _entries(rng: random.Random, companies: int) -> Iterator[tuple[Any, ...]]:
    for i in range(1, OPPORTUNITIES + 1):
        stage = rng.choice([1, 1, 1, 2, 2, 3, 3, 4, 5])
        value = rng.randrange(1_000, 100_000)
        yield (
            i,
            i,
            "STD",
            stage,
            companies + i,
            f"SP{i % 20 + 1:02d}",
            "2026-01-15",
            True,
            0,
            "",
            value,
            round(value * stage * 0.15, 2),
            stage * 20,
            stage * 15,
            stage * 3,
        )


def _bulk(engine: Engine, table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]):
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            cursor.execute("BEGIN")
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(row)
                if len(batch) == 50_000:
                    cursor.executemany(sql, batch)
                    batch = []
            cursor.executemany(sql, batch)
            cursor.execute("COMMIT")
        raw.commit()
    finally:
        raw.close()


def _session(engine: Engine) -> Session:
    return Session(bind=engine, expire_on_commit=False)


def _new_segment(session: Session, description: str) -> Any:
    data = segment_service.SegmentCreate(description, salesperson="SP01")
    return segment_service.create(db_session=session, actor=ACTOR, data=data, today=TODAY)


def _bench_add(engine: Engine) -> list[str]:
    ours: list[float] = []
    hand: list[float] = []
    counts: set[tuple[int, int]] = set()
    for _ in range(RUNS):
        with _session(engine) as session:
            segment = _new_segment(session, "Bench add")
            started = time.perf_counter()
            criteria = crit.parse(db_session=session, options=CRITERIA, today=TODAY)
            record = segment_service.run_action(
                db_session=session,
                actor=ACTOR,
                segment=segment,
                action=crit.Action.ADD,
                criteria=criteria,
            )
            ours.append(time.perf_counter() - started)
            other = _new_segment(session, "Bench hand")
            started = time.perf_counter()
            result = session.execute(text(HAND_WRITTEN), {"segment": other.id})
            hand.append(time.perf_counter() - started)
            counts.add((record.lines_changed, result.rowcount))
            session.rollback()
    ours_ms, hand_ms = statistics.median(ours) * 1000, statistics.median(hand) * 1000
    added = ", ".join(f"{a:,} / {b:,}" for a, b in sorted(counts))
    return [
        f"three-criteria add ({' '.join(f'{k}={v}' for k, v in CRITERIA.items())}), "
        f"median of {RUNS}:",
        f"  segment add (parse, check codes, one INSERT ... SELECT, history): {ours_ms:8.1f} ms",
        f"  hand-written INSERT ... SELECT:                                    {hand_ms:8.1f} ms",
        f"  ratio: {ours_ms / hand_ms:.2f}   (contacts added, ours / hand: {added})",
    ]


def _bench_log(engine: Engine) -> list[str]:
    times: list[float] = []
    logged_count = 0
    for _ in range(3):
        with _session(engine) as session:
            segment = _new_segment(session, "Bench letter")
            session.execute(
                text(
                    "INSERT INTO segment_line (segment_id, contact_id, company_id)"
                    " SELECT :segment, id, company_id FROM contact WHERE type = 'person'"
                    " ORDER BY id LIMIT :lines"
                ),
                {"segment": segment.id, "lines": LOG_LINES},
            )
            started = time.perf_counter()
            result = logged_service.log_segment(
                db_session=session,
                actor=ACTOR,
                segment=segment,
                template="LETTER",
                follow_up=True,
            )
            times.append(time.perf_counter() - started)
            logged_count = result.logged.interactions + result.logged.skipped
            session.rollback()
    return [
        f"log a {LOG_LINES:,}-line segment (interactions + follow-up segment), median of 3: "
        f"{statistics.median(times):.2f} s   ({logged_count:,} lines, aim < 5 s)"
    ]


def _bench_pipeline(engine: Engine) -> list[str]:
    total: list[float] = []
    query: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(RUNS):
            with _session(engine) as session:
                started = time.perf_counter()
                report = report_service.run(
                    db_session=session, name="pipeline", filters={"cycle": "STD"}, today=TODAY
                )
                query.append(time.perf_counter() - started)
                assert report.chart is not None
                draw(report.chart, Path(folder) / f"pipeline-{run}.png")
                total.append(time.perf_counter() - started)
                session.rollback()
    opps = sum(int(row[2]) for row in report.rows)
    return [
        f"pipeline chart over {OPPORTUNITIES:,} opportunities ({opps:,} open), median of "
        f"{RUNS}: {statistics.median(total) * 1000:.0f} ms (query "
        f"{statistics.median(query) * 1000:.0f} ms + PNG drawing; first run "
        f"{total[0] * 1000:.0f} ms with the matplotlib import; aim < 1 s)"
    ]


if __name__ == "__main__":
    main()

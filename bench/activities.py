"""Benchmark a contact's timeline and statistics, and a sales cycle's statistics.

100,000 contacts, 1,000,000 interactions, 50,000 opportunities (and 50,000 tasks), generated
once with Core bulk inserts into a file database (SQLite) or a database of its own
(PostgreSQL), and reused on later runs.

    .venv/bin/python bench/activities.py [--backend sqlite|postgresql] [--rebuild]
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crm import db  # noqa: E402
from crm.audit import Channel  # noqa: E402
from crm.contacts.models import Contact  # noqa: E402
from crm.demo.activities import CYCLES, TEMPLATES, load_setup  # noqa: E402
from crm.interactions.models import InteractionLogEntry  # noqa: E402
from crm.interactions.timeline import overview  # noqa: E402
from crm.opportunities import service as opps  # noqa: E402
from crm.opportunities.estimates import estimate  # noqa: E402
from crm.opportunities.models import Opportunity, OpportunityEntry  # noqa: E402
from crm.setup.models import Salesperson  # noqa: E402
from crm.tasks.models import Task  # noqa: E402

CONTACTS = 100_000
COMPANIES = 20_000
INTERACTIONS = 1_000_000
OPPORTUNITIES = 50_000
TASKS = 50_000
SALESPEOPLE = 20
CHUNK = 20_000
SAMPLES = 400
CYCLE_RUNS = 20
ROUNDS = 3
AIM_TIMELINE_P99_MS = 30.0
AIM_CYCLE_MS = 200.0
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
TODAY = dt.date(2026, 12, 1)
RESULTS = Path(__file__).parent / "results" / "activities.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rebuild", action="store_true", help="generate the data again")
    options = parser.parse_args()
    engine = _engine(options.backend, options.rebuild)
    if options.rebuild or not _complete(engine):
        _generate(engine)
    lines = _measure(engine, options.backend)
    print("\n".join(lines))
    _save(options.backend, lines)


def _engine(backend: str, rebuild: bool) -> Engine:
    if backend == "sqlite":
        path = Path(os.environ.get("RAPPORT_BENCH_DIR", "/tmp/rapport-bench")) / "activities.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        if rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        engine = db.make_engine(f"sqlite:///{path}")
    else:
        server = os.environ.get(
            "RAPPORT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        )
        admin_url = make_url(server).set(drivername="postgresql+psycopg")
        name = "rapport_bench_activities"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
            if rebuild and exists:
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                exists = None
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        engine = db.make_engine(admin_url.set(database=name).render_as_string(hide_password=False))
    db.upgrade(engine)
    return engine


def _complete(engine: Engine) -> bool:
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(Task))
    return count == TASKS


def _generate(engine: Engine) -> None:
    rng = random.Random(42)
    began = time.perf_counter()
    with db.make_sessionmaker(engine).begin() as session:
        load_setup(db_session=session)
    stamp = {
        "created_at": START,
        "modified_at": START,
        "created_via": Channel.SYNC.value,
        "modified_via": Channel.SYNC.value,
    }
    codes = [f"S{n:02d}" for n in range(SALESPEOPLE)]
    with engine.begin() as connection:
        connection.execute(
            insert(Salesperson), [{"code": c, "name": f"Seller {c}", **stamp} for c in codes]
        )
        companies = _contacts(connection, rng, codes, stamp)
        _interactions(connection, rng, codes, companies, stamp)
        _opportunities(connection, rng, codes, companies, stamp)
        _tasks(connection, rng, codes, companies, stamp)
        if engine.dialect.name == "postgresql":
            for table in (
                "contact",
                "interaction_log_entry",
                "opportunity",
                "opportunity_entry",
                "task",
            ):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        for series, count in (
            ("CONTACT", CONTACTS),
            ("OPPORTUNITY", OPPORTUNITIES),
            ("TASK", TASKS),
        ):
            connection.execute(
                text("UPDATE number_series SET last_no = :n WHERE code = :c"),
                {"n": count, "c": series},
            )
    # Statistics for the planner; on PostgreSQL also the visibility map, which autovacuum
    # would set on a live database and which index-only scans need.
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    print(f"generated in {time.perf_counter() - began:.0f} s", flush=True)


def _bulk(connection, model, rows) -> None:  # type: ignore[no-untyped-def]
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        # COPY is several times faster than multi-row INSERT for a million rows.
        columns = list(rows[0])
        raw = connection.connection.dbapi_connection
        statement = f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])
        return
    for start in range(0, len(rows), CHUNK):
        connection.execute(insert(model), rows[start : start + CHUNK])


def _contacts(connection, rng, codes, stamp) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """Insert 20,000 companies and 80,000 persons; return each contact's company id."""
    rows, company_of = [], {}
    for number in range(1, CONTACTS + 1):
        company = number if number <= COMPANIES else rng.randint(1, COMPANIES)
        name = f"Company {number}" if number <= COMPANIES else f"Person {number}"
        company_of[number] = company
        rows.append(
            {
                "id": number,
                "no": f"CT{number:06d}",
                "type": "company" if number <= COMPANIES else "person",
                "name": name,
                "search_name": name.upper(),
                "company_id": None if number <= COMPANIES else company,
                "salesperson": rng.choice(codes),
                "correspondence_type": "email",
                "exclude_from_segments": False,
                "privacy_blocked": False,
                "minor": False,
                "parental_consent": False,
                **stamp,
            }
        )
    _bulk(connection, Contact, rows)
    print("contacts", flush=True)
    return company_of


def _interactions(connection, rng, codes, company_of, stamp) -> None:  # type: ignore[no-untyped-def]
    templates = list(TEMPLATES.items())
    span = (TODAY - START.date()).days
    for start in range(0, INTERACTIONS, CHUNK * 5):
        rows = []
        for number in range(start + 1, min(start + CHUNK * 5, INTERACTIONS) + 1):
            contact = rng.randint(1, CONTACTS)
            code, (group, _, cost, minutes, flow, initiated) = rng.choice(templates)
            rows.append(
                {
                    "id": number,
                    "contact_id": contact,
                    "company_id": company_of[contact],
                    "occurred_at": START
                    + dt.timedelta(days=rng.randrange(span), minutes=rng.randrange(1440)),
                    "description": "Benchmark interaction",
                    "template_code": code,
                    "group_code": group,
                    "information_flow": flow,
                    "initiated_by": initiated,
                    "cost": Decimal(cost),
                    "duration_min": minutes,
                    "salesperson": rng.choice(codes),
                    "evaluation": "",
                    "attempt_failed": rng.random() < 0.05,
                    "correspondence_type": "",
                    "canceled": rng.random() < 0.03,
                    "postponed": rng.random() < 0.01,
                    "campaign_target": False,
                    "campaign_response": False,
                    "email_logged": False,
                    **stamp,
                }
            )
        _bulk(connection, InteractionLogEntry, rows)
        print(f"interactions {start + len(rows):,}", flush=True)


def _opportunities(connection, rng, codes, company_of, stamp) -> None:  # type: ignore[no-untyped-def]
    opportunities, entries = [], []
    entry_id = 0
    for number in range(1, OPPORTUNITIES + 1):
        cycle = rng.choice(list(CYCLES))
        _, method, stages = CYCLES[cycle]
        contact = rng.randint(1, CONTACTS)
        created = START.date() + dt.timedelta(days=rng.randrange(600))
        value = Decimal(rng.randrange(1_000, 100_000, 100))
        outcome = rng.random()
        reached = rng.randint(1, len(stages))
        day, previous = created, None
        for stage in range(1, reached + 1):
            entry_id += 1
            _, completed, chances, *_ = stages[stage - 1]
            figures = estimate(
                method.value,
                estimated_value=value,
                chances=Decimal(chances),
                completed=Decimal(completed),
            )
            step = rng.randint(3, 30)
            last = stage == reached and outcome < 0.8
            entries.append(
                {
                    "id": entry_id,
                    "opportunity_id": number,
                    "sales_cycle": cycle,
                    "stage": stage,
                    "previous_stage": previous,
                    "contact_id": contact,
                    "company_id": company_of[contact],
                    "salesperson": codes[number % SALESPEOPLE],
                    "date_of_change": day,
                    "active": last,
                    "date_closed": None if last else day + dt.timedelta(days=step),
                    "days_open": 0 if last else step,
                    "action_taken": "next",
                    "estimated_value": value,
                    "calcd_current_value": figures.calcd_current_value,
                    "completed_pct": figures.completed_pct,
                    "chances_pct": figures.chances_pct,
                    "probability_pct": figures.probability_pct,
                    "estimated_close_date": day + dt.timedelta(days=60),
                }
            )
            previous, day = stage, day + dt.timedelta(days=step)
        status = "in_progress"
        if outcome >= 0.8:
            status = "won" if outcome >= 0.9 else "lost"
            entry_id += 1
            entries.append(
                {
                    **entries[-1],
                    "id": entry_id,
                    "previous_stage": previous,
                    "date_of_change": day,
                    "active": True,
                    "date_closed": day,
                    "days_open": 0,
                    "action_taken": status,
                    "calcd_current_value": value if status == "won" else Decimal(0),
                    "completed_pct": Decimal(100),
                    "chances_pct": Decimal(100 if status == "won" else 0),
                    "probability_pct": Decimal(100 if status == "won" else 0),
                    "close_code": "PRICE_W" if status == "won" else "PRICE_L",
                }
            )
        opportunities.append(
            {
                "id": number,
                "no": f"OP{number:06d}",
                "description": f"Deal {number}",
                "salesperson": codes[number % SALESPEOPLE],
                "contact_id": contact,
                "company_id": company_of[contact],
                "sales_cycle": cycle,
                "creation_date": created,
                "priority": "normal",
                "status": status,
                "closed": status != "in_progress",
                "date_closed": day if status != "in_progress" else None,
                **stamp,
            }
        )
    _bulk(connection, Opportunity, opportunities)
    entries = [{"close_code": None, **row} for row in entries]
    _bulk(connection, OpportunityEntry, entries)
    print(f"opportunities with {len(entries):,} entries", flush=True)


def _tasks(connection, rng, codes, company_of, stamp) -> None:  # type: ignore[no-untyped-def]
    rows = []
    for number in range(1, TASKS + 1):
        contact = rng.randint(1, CONTACTS)
        closed = rng.random() < 0.6
        rows.append(
            {
                "id": number,
                "no": f"TK{number:06d}",
                "type": "",
                "description": f"Task {number}",
                "due_date": START.date() + dt.timedelta(days=rng.randrange(700)),
                "duration_min": 30,
                "all_day": False,
                "status": "completed" if closed else "not_started",
                "priority": "normal",
                "closed": closed,
                "canceled": False,
                "salesperson": rng.choice(codes),
                "contact_id": contact,
                "company_id": company_of[contact],
                "recurring": False,
                "calc_due_from": "",
                "system_type": "organizer",
                **stamp,
            }
        )
    _bulk(connection, Task, rows)
    print("tasks", flush=True)


def _measure(engine: Engine, backend: str) -> list[str]:
    # The machine is shared: every figure is given per round, with the load average, and the
    # best round is the headline (the least disturbed measure of the code's own cost).
    rng = random.Random(7)
    sessions = db.make_sessionmaker(engine)
    timeline_rounds, cycle_rounds = [], []
    for _ in range(ROUNDS):
        numbers = [f"CT{rng.randint(1, CONTACTS):06d}" for _ in range(SAMPLES)]
        numbers[::10] = [f"CT{rng.randint(1, COMPANIES):06d}" for _ in numbers[::10]]
        for number in numbers[:20]:  # warm the caches
            _timeline(sessions, number)
        timings = [_timeline(sessions, number) for number in numbers]
        timeline_rounds.append((statistics.median(timings), _p99(timings)))
        cycles = []
        for run in range(CYCLE_RUNS + 2):
            began = time.perf_counter()
            with sessions() as session:
                opps.statistics(db_session=session, cycle="NEW" if run % 2 else "EXISTING")
            if run >= 2:
                cycles.append((time.perf_counter() - began) * 1000)
        cycle_rounds.append((statistics.median(cycles), max(cycles)))
    best_timeline = min(timeline_rounds, key=lambda pair: pair[1])
    best_cycle = min(cycle_rounds, key=lambda pair: pair[1])
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return [
        f"backend {backend}: {CONTACTS:,} contacts, {INTERACTIONS:,} interactions, "
        f"{OPPORTUNITIES:,} opportunities, {TASKS:,} tasks; 2 shared cores, load {load}",
        f"contact timeline+statistics, {SAMPLES} contacts a round (1 in 10 a company), "
        f"best round: median {best_timeline[0]:.1f} ms, p99 {best_timeline[1]:.1f} ms "
        f"({best_timeline[1] / AIM_TIMELINE_P99_MS:.2f} x the 30 ms aim); rounds (median/p99): "
        + ", ".join(f"{p50:.1f}/{p99:.1f}" for p50, p99 in timeline_rounds),
        f"sales cycle statistics, {CYCLE_RUNS} runs a round, best round: median "
        f"{best_cycle[0]:.1f} ms, max {best_cycle[1]:.1f} ms "
        f"({best_cycle[1] / AIM_CYCLE_MS:.2f} x the 200 ms aim); rounds (median/max): "
        + ", ".join(f"{p50:.1f}/{worst:.1f}" for p50, worst in cycle_rounds),
    ]


def _timeline(sessions, number: str) -> float:  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    with sessions() as session:
        contact = session.scalars(select(Contact).where(Contact.no == number)).one()
        overview(db_session=session, contact=contact, limit=10)
    return (time.perf_counter() - began) * 1000


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _save(backend: str, lines: list[str]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    kept = []
    if RESULTS.exists():
        blocks = RESULTS.read_text(encoding="utf-8").strip().split("\n\n")
        kept = [block for block in blocks if not block.startswith(f"backend {backend}:")]
    RESULTS.write_text("\n\n".join([*kept, "\n".join(lines)]) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

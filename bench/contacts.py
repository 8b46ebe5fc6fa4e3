"""Benchmark contacts on 100,000 generated contacts: CSV import, find, duplicate check, start-up.

Run: .venv/bin/python bench/contacts.py [--backend sqlite|postgresql] [--size 100000]
PostgreSQL uses RAPPORT_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test)
to create a scratch database of its own, dropped afterwards.
"""

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from crm import db  # noqa: E402
from crm.audit import Actor, Channel  # noqa: E402
from crm.contacts import duplicates, service, transfer  # noqa: E402
from crm.contacts.models import ContactType  # noqa: E402
from crm.setup.service import get_marketing_setup  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "contacts.txt"
FIRST = [
    "Anna",
    "Lukas",
    "Sofia",
    "Mateo",
    "Olivia",
    "Noah",
    "Emma",
    "Liam",
    "Mia",
    "Elias",
    "Lea",
    "Hugo",
    "Clara",
    "Jonas",
    "Ines",
    "Oscar",
    "Maya",
    "Felix",
    "Zoe",
    "Arjun",
    "Priya",
    "Tomas",
    "Sara",
    "David",
    "Laura",
    "Marco",
    "Yuki",
    "Omar",
    "Nina",
    "Paul",
    "Greta",
    "Ivan",
    "Karin",
    "Lars",
    "Rosa",
    "Theo",
    "Vera",
    "Wim",
    "Xavier",
    "Yara",
]
LAST = [
    "Muller",
    "Schmidt",
    "Dubois",
    "Garcia",
    "Murphy",
    "OBrien",
    "Rossi",
    "Jensen",
    "Devries",
    "Smith",
    "Johnson",
    "Brown",
    "Novak",
    "Kowalski",
    "Nielsen",
    "Martin",
    "Bernard",
    "Fischer",
    "Weber",
    "Walsh",
    "Moreau",
    "Lopez",
    "Andersen",
    "Taylor",
    "Wilson",
    "Khan",
    "Patel",
    "Silva",
    "Costa",
    "Meyer",
    "Schulz",
    "Hoffmann",
    "Wagner",
    "Becker",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Kruger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmid",
    "Schulze",
    "Maier",
    "Kohler",
    "Herrmann",
    "Konig",
    "Walter",
    "Mayer",
    "Huber",
]
WORDS = [
    "Northwind",
    "Fabrikam",
    "Contoso",
    "Tailspin",
    "Adatum",
    "Litware",
    "Proseware",
    "Wingtip",
    "Woodgrove",
    "Alpine",
    "Coho",
    "Humongous",
    "Lucerne",
    "Southridge",
    "Trey",
    "Bellows",
    "Relecloud",
    "Vanarsdel",
    "Olympia",
    "Kestrel",
    "Harbor",
    "Summit",
    "Granite",
    "Nimbus",
    "Quantum",
    "Vertex",
    "Apex",
    "Beacon",
    "Cedar",
    "Delta",
    "Ember",
    "Falcon",
    "Glacier",
    "Horizon",
    "Iris",
    "Juniper",
    "Keystone",
    "Lumen",
    "Meridian",
    "Nova",
    "Orbit",
    "Pioneer",
    "Quarry",
    "Ridge",
    "Sierra",
    "Tundra",
    "Umbra",
    "Vista",
    "Willow",
    "Zenith",
]
KINDS = [
    "Traders",
    "Logistics",
    "Software",
    "Bank",
    "Health",
    "Foods",
    "Systems",
    "Industries",
    "Retail",
    "Partners",
]
CITIES = [
    "Berlin",
    "Munich",
    "Hamburg",
    "Paris",
    "Lyon",
    "Madrid",
    "Dublin",
    "London",
    "Copenhagen",
    "Amsterdam",
]


def generate(path: Path, size: int, rng: random.Random) -> list[dict[str, str]]:
    """Write size rows: a quarter companies, the rest persons of those companies."""
    companies = size // 4
    rows: list[dict[str, str]] = []
    names = []
    for index in range(companies):
        name = f"{rng.choice(WORDS)} {rng.choice(KINDS)} {index}"
        names.append(name)
        rows.append(
            {
                "name": name,
                "type": "company",
                "company": "",
                "email": f"info@c{index}.example.com",
                "phone": f"+49 30 {1000000 + index}",
                "city": rng.choice(CITIES),
                "address": f"{rng.randint(1, 300)} Main Street",
                "post_code": f"{rng.randint(10000, 99999)}",
            }
        )
    for index in range(size - companies):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append(
            {
                "name": f"{first} {last}",
                "type": "person",
                "company": rng.choice(names),
                "email": f"{first.lower()}.{last.lower()}.{index}@p.example.org",
                "phone": f"+44 20 {2000000 + index}",
                "city": "",
                "address": "",
                "post_code": "",
            }
        )
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    at = rng.randrange(1, len(word) - 2)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def queries(rows: list[dict[str, str]], rng: random.Random, count: int) -> list[str]:
    found = []
    for _ in range(count):
        row = rng.choice(rows)
        kind = rng.randrange(5)
        if kind == 0:
            found.append(row["name"])
        elif kind == 1:
            found.append(" ".join(typo(w, rng) for w in row["name"].split()[:2]))
        elif kind == 2:
            found.append(row["email"])
        elif kind == 3:
            found.append(row["phone"])
        else:
            found.append(row["name"].split()[0][:4])
    return found


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def database(backend: str, workdir: Path):  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}", lambda: None
    admin_url = make_url(
        os.environ.get("RAPPORT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    ).set(drivername="postgresql+psycopg")
    name = f"rapport_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


def machine_check() -> float:
    """Return the best of three timings of a fixed Python loop: how fast the machine is now.

    The machine is shared and its speed moves by a third within a day; figures from runs far
    apart compare only beside this.
    """
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(10_000_000):
            pass
        best = min(best, time.perf_counter() - start)
    return best


def startup(url: str, workdir: Path) -> list[float]:
    env = {**os.environ, "RAPPORT_DATABASE_URL": url}
    times = []
    for _ in range(7):
        start = time.perf_counter()
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "rapport"), "run", "help"],
            env=env,
            cwd=workdir,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(42)
    lines = [
        f"backend {args.backend}, {args.size:,} contacts, {os.cpu_count()} cores (shared); "
        f"machine check: {machine_check():.2f} s for 10 million empty Python loop turns"
    ]
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        url, drop = database(args.backend, workdir)
        try:
            engine = db.make_engine(url)
            db.upgrade(engine)
            sessions = db.make_sessionmaker(engine)
            actor = Actor(Channel.CONSOLE, None, "bench")
            rows = generate(workdir / "contacts.csv", args.size, rng)

            start = time.perf_counter()
            with sessions.begin() as session:
                report = transfer.import_csv(
                    db_session=session, actor=actor, path=workdir / "contacts.csv"
                )
            elapsed = time.perf_counter() - start
            lines.append(
                f"CSV import of {report.created:,} rows: {elapsed:.1f} s "
                f"({report.created / elapsed:,.0f} rows/s; aim < 15 s)"
            )

            if args.backend == "postgresql":
                # What autovacuum does within a minute of a bulk import: statistics for the
                # planner and the visibility map that lets index-only scans skip the table.
                with engine.connect() as connection:
                    connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                        "VACUUM ANALYZE"
                    )

            find_times = []
            with sessions.begin() as session:
                for query in queries(rows, rng, 20):  # warm the caches
                    service.find(db_session=session, text=query)
                for query in queries(rows, rng, 500):
                    start = time.perf_counter()
                    service.find(db_session=session, text=query)
                    find_times.append((time.perf_counter() - start) * 1000)
            lines.append(
                f"contact find (500 queries, a fifth with typos): median "
                f"{statistics.median(find_times):.1f} ms, p99 "
                f"{percentile(find_times, 99):.1f} ms (aim p99 < 20 ms)"
            )

            check_times, create_times = [], []
            with sessions() as session:
                setup = get_marketing_setup(db_session=session)
                # The first ten warm the statement caches, as on a server running a while.
                for index in range(-10, 500):
                    model = rng.choice(rows)
                    kind = ContactType(model["type"])
                    company = None
                    if kind == ContactType.PERSON:
                        company = service.resolve(db_session=session, name=model["company"])
                    start = time.perf_counter()
                    outcome = service.add(
                        db_session=session,
                        actor=actor,
                        name=typo(model["name"], rng),
                        type=kind,
                        company=company,
                        values={"email": f"new{index}@{model['email'].split('@')[1]}"},
                    )
                    if index >= 0:
                        create_times.append((time.perf_counter() - start) * 1000)
                    start = time.perf_counter()
                    duplicates.check(session, outcome.contact, setup)
                    if index >= 0:
                        check_times.append((time.perf_counter() - start) * 1000)
                session.rollback()
            lines.append(
                f"duplicate check on create ({len(check_times)} creates): median "
                f"{statistics.median(check_times):.1f} ms, p99 "
                f"{percentile(check_times, 99):.1f} ms (aim < 10 ms); whole "
                f"create with the check median {statistics.median(create_times):.1f} ms"
            )
            engine.dispose()

            boot = startup(url, workdir)
            lines.append(
                f"rapport run help: median {statistics.median(boot):.2f} s, "
                f"best {min(boot):.2f} s (aim < 0.3 s)"
            )
        finally:
            drop()
    print("\n".join(lines))
    save(args.backend, lines)


def save(backend: str, lines: list[str]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    sections: dict[str, list[str]] = {}
    if RESULTS.exists():
        current = None
        for line in RESULTS.read_text(encoding="utf-8").splitlines():
            if line.startswith("backend "):
                current = line.split()[1].rstrip(",")
                sections[current] = []
            if current and line.strip():
                sections[current].append(line)
    sections[backend] = [*lines, f"measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"]
    text_out = "\n\n".join("\n".join(block) for _, block in sorted(sections.items()))
    RESULTS.write_text(text_out + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

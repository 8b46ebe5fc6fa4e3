"""Benchmark the mailbox watcher: messages per second with 100,000 contacts, and requests each.

    .venv/bin/python bench/mail.py [--backend sqlite|postgresql]

Prints the Maildir pipeline's rate next to the time to merely parse and classify the same
messages, and the requests per message against the EWS and Graph fakes; saves the figures
to bench/results/mail.txt.
"""

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, insert, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crm import db  # noqa: E402
from crm.contacts.models import Contact, ContactAltEmail  # noqa: E402
from crm.interactions.models import InteractionGroup, InteractionTemplate  # noqa: E402
from crm.setup.models import InternalDomain, MarketingSetup, Salesperson  # noqa: E402
from mail.classify import Internal, classify  # noqa: E402
from mail.mailbox import MaildirMailbox  # noqa: E402
from mail.parse import parse_message  # noqa: E402
from mail.pipeline import MailConfig, Pipeline, workers_for  # noqa: E402

CONTACTS = 100_000
MESSAGES = 2_000
REMOTE_MESSAGES = 200
SALESPEOPLE = [(f"SP{n:02d}", f"sales{n}@northwind.example") for n in range(10)]


def database(backend: str) -> tuple[str, Callable[[], None]]:
    """Return a fresh database URL and a cleanup callable."""
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="rapport-bench-"))
        return f"sqlite:///{folder / 'bench.db'}", lambda: None
    base = os.environ.get("RAPPORT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    admin_url = make_url(base).set(drivername="postgresql+psycopg")
    name = f"rapport_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


def seed(engine: Engine) -> None:
    """Create the setup rows and 100,000 contacts with Core bulk inserts."""
    with engine.begin() as connection:
        connection.execute(insert(InteractionGroup), [{"code": "SALES", "description": "Sales"}])
        connection.execute(
            insert(InteractionTemplate),
            [{"code": "EMAIL", "group_code": "SALES", "description": "E-mail"}],
        )
        connection.execute(update(MarketingSetup).values(email_template="EMAIL"))
        connection.execute(insert(InternalDomain), [{"domain": "northwind.example"}])
        connection.execute(
            insert(Salesperson),
            [{"code": c, "name": c, "email": e, "search_email": e} for c, e in SALESPEOPLE],
        )
        companies = CONTACTS // 10
        rows = []
        for number in range(1, CONTACTS + 1):
            company = number <= companies
            domain = f"company{(number - 1) % companies + 1}.example"
            email = f"info@{domain}" if company else f"person{number}@{domain}"
            rows.append(
                {
                    "id": number,
                    "no": f"CT{number:06d}",
                    "type": "company" if company else "person",
                    "name": f"Contact {number}",
                    "search_name": f"CONTACT {number}",
                    "company_id": None if company else (number - 1) % companies + 1,
                    "email": email,
                    "search_email": email,
                    "salesperson": SALESPEOPLE[number % len(SALESPEOPLE)][0],
                }
            )
        for start in range(0, len(rows), 10_000):
            connection.execute(insert(Contact), rows[start : start + 10_000])
        alt = [
            {
                "contact_id": n,
                "email": f"alt{n}@mail.example",
                "search_email": f"alt{n}@mail.example",
            }
            for n in range(companies + 1, CONTACTS + 1, 10)
        ]
        connection.execute(insert(ContactAltEmail), alt)
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT setval('contact_id_seq', :n)"), {"n": CONTACTS})
            connection.execute(text("ANALYZE"))


def messages(count: int, seed_value: int) -> list[bytes]:
    """Return a realistic mix: BCC'd inbound and outbound mail, forwards and auto-replies."""
    chance = random.Random(seed_value)
    found = []
    for number in range(count):
        person = chance.randint(CONTACTS // 10 + 1, CONTACTS)
        customer = f"person{person}@company{(person - 1) % (CONTACTS // 10) + 1}.example"
        other = f"alt{CONTACTS // 10 + 1 + 10 * chance.randint(0, 8000)}@mail.example"
        code, sales = SALESPEOPLE[chance.randrange(len(SALESPEOPLE))]
        kind = chance.random()
        head = f"Message-ID: <bench-{seed_value}-{number}@example>\r\n"
        date = "Date: Tue, 01 Dec 2026 10:00:00 +0100\r\n"
        if kind < 0.55:
            body = f"From: {customer}\r\nTo: {sales}\r\nCc: crm@northwind.example\r\n"
            body += f"Subject: Question {number}\r\n{date}{head}\r\nHello, a question.\r\n"
        elif kind < 0.8:
            body = f"From: {sales}\r\nTo: {customer}\r\nCc: {other}\r\n"
            body += f"Subject: Offer {number}\r\n{date}{head}\r\nOur offer.\r\n"
        elif kind < 0.95:
            body = (
                f"From: {sales}\r\nTo: crm@northwind.example\r\nSubject: Fwd: Order {number}\r\n"
                f"{date}{head}\r\n---------- Forwarded message ---------\r\nFrom: <{customer}>\r\n"
                f"Date: Mon, Nov 30, 2026 at 9:00 AM\r\nSubject: Order {number}\r\n"
                f"To: <{sales}>\r\n\r\nPlease ship.\r\n"
            )
        else:
            body = (
                f"From: {customer}\r\nTo: {sales}\r\nSubject: Automatic reply: Offer\r\n"
                f"Auto-Submitted: auto-replied\r\n{date}{head}\r\nAway.\r\n"
            )
        found.append(body.encode())
    return found


def parse_rate(raws: list[bytes]) -> float:
    """Return messages per second to parse and classify only."""
    internal = Internal(domains=frozenset({"northwind.example"}))
    start = time.perf_counter()
    for raw in raws:
        classify(parse_message(raw), internal)
    return len(raws) / (time.perf_counter() - start)


def maildir_rate(sessions: sessionmaker[Session], raws: list[bytes], workers: int = 0) -> float:
    """Return messages per second through the whole Maildir pipeline."""
    mailbox = MaildirMailbox(Path(tempfile.mkdtemp(prefix="rapport-bench-mail-")) / "mailbox")
    for raw in raws:
        mailbox.deliver(raw)
    config = MailConfig(sender_cap=0, workers=workers)
    pipeline = Pipeline(sessions=sessions, mailbox=mailbox, config=config)
    start = time.perf_counter()
    while mailbox.count():
        pipeline.run_once()
    return len(raws) / (time.perf_counter() - start)


def statements_per_message(engine: Engine, sessions: sessionmaker[Session]) -> float:
    """Return the statements and commits sent to the database per message, one worker."""
    count = [0]

    def one(*_: object) -> None:
        count[0] += 1

    raws = messages(200, 7)
    names = ("before_cursor_execute", "commit")
    for name in names:
        event.listen(engine, name, one)
    try:
        maildir_rate(sessions, raws, workers=1)
    finally:
        for name in names:
            event.remove(engine, name, one)
    return count[0] / len(raws)


def remote_requests(sessions: sessionmaker[Session]) -> dict[str, object]:
    """Return requests per message against the EWS and Graph fakes."""
    from mail.exchange import ExchangeMailbox
    from mail.graph import GraphMailbox
    from tests.fakes.ews import EwsServer
    from tests.fakes.graph import GraphServer

    figures: dict[str, object] = {}
    config = MailConfig(sender_cap=0)
    with EwsServer() as server:
        for raw in messages(REMOTE_MESSAGES, 2):
            server.exchange.deliver(raw)
        mailbox = ExchangeMailbox(
            endpoint=server.url, address="crm@northwind.example", username="u", password="p",
            auth_type="basic",
        )  # fmt: skip
        Pipeline(sessions=sessions, mailbox=mailbox, config=config).run_once()
        mailbox.close()
        figures["ews"] = server.exchange.total_requests / REMOTE_MESSAGES
        figures["ews_detail"] = dict(server.exchange.requests)
    with GraphServer() as server:
        for raw in messages(REMOTE_MESSAGES, 3):
            server.graph.deliver(raw)
        box = GraphMailbox(
            user="crm@northwind.example", token=lambda: "bench", base_url=server.graph_url
        )
        Pipeline(sessions=sessions, mailbox=box, config=config).run_once()
        box.close()
        figures["graph"] = server.graph.total_requests / REMOTE_MESSAGES
        figures["graph_detail"] = dict(server.graph.requests)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()

    url, cleanup = database(args.backend)
    engine = db.make_engine(url)
    try:
        db.upgrade(engine)
        start = time.perf_counter()
        seed(engine)
        seeded = time.perf_counter() - start
        sessions = db.make_sessionmaker(engine)
        raws = messages(MESSAGES, 1)
        parsed = parse_rate(raws)
        # Three runs of fresh messages: the machine is shared, one run can catch a busy spell.
        rates = sorted(maildir_rate(sessions, messages(MESSAGES, 10 + run)) for run in range(3))
        workers = workers_for(MailConfig(), engine.dialect.name)
        trips = statements_per_message(engine, sessions)
        remote = remote_requests(sessions)
    finally:
        engine.dispose()
        cleanup()

    lines = [
        f"Mail benchmark ({args.backend}), {CONTACTS:,} contacts, {MESSAGES:,} messages "
        "(55% BCC'd inbound, 25% outbound to two, 15% forwards, 5% auto-replies)",
        "Machine: 2 shared cores, other work running; figures are noisy.",
        f"  seeding contacts (Core bulk insert):   {seeded:8.1f} s",
        f"  parse + classify only:                 {parsed:8.0f} messages/s",
        f"  Maildir pipeline (parse, log, commit, move), {workers} worker(s), 3 runs: "
        f"median {rates[1]:.0f} messages/s (runs {rates[0]:.0f} to {rates[2]:.0f})",
        f"  pipeline / parse ratio:                {rates[1] / parsed:8.2f}",
        f"  statements and commits per message:    {trips:8.2f}",
        f"  EWS requests per message ({REMOTE_MESSAGES} messages):  {remote['ews']:8.2f}"
        f"   {remote['ews_detail']}",
        f"  Graph requests per message ({REMOTE_MESSAGES} messages): {remote['graph']:8.2f}"
        f"   {remote['graph_detail']}",
    ]
    report = "\n".join(lines)
    print(report)
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    target = results / ("mail.txt" if args.backend == "sqlite" else "mail-postgresql.txt")
    target.write_text(report + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark a 10,000-recipient campaign send: render time, send time, EWS requests per 100.

.venv/bin/python bench/scheduler.py [--backend sqlite|postgresql] [--url URL]
"""

import argparse
import datetime as dt
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from crm import db  # noqa: E402
from crm.audit import Actor, Channel  # noqa: E402
from crm.campaigns import service as campaign_service  # noqa: E402
from crm.campaigns.content import contact_fields  # noqa: E402
from crm.contacts.models import Contact  # noqa: E402
from crm.sends import service as send_service  # noqa: E402
from crm.setup.models import Salesperson  # noqa: E402
from mail.exchange import ExchangeMailbox  # noqa: E402
from mail.templates import SandboxRenderer  # noqa: E402
from scheduler.ports import Collaborators  # noqa: E402
from scheduler.senders import MailboxSender  # noqa: E402
from scheduler.sends import SendOptions, process_send  # noqa: E402
from tests.fakes.ews import EwsServer  # noqa: E402
from tests.scheduler.campaign_data import build_campaign  # noqa: E402

SIZE = 10_000
BATCH = 100


def _database(backend: str, url: str | None) -> tuple[str, object]:
    if backend == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp()}/bench.db", None
    base = make_url(url or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    base = base.set(drivername="postgresql+psycopg")
    name = f"rapport_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return base.set(database=name).render_as_string(hide_password=False), (admin, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url", help="PostgreSQL server URL (a database is created and dropped)")
    args = parser.parse_args()
    url, cleanup = _database(args.backend, args.url)
    engine = db.make_engine(url)
    db.upgrade(engine)
    sessions = db.make_sessionmaker(engine)
    try:
        lines = run(sessions, args.backend)
    finally:
        engine.dispose()
        if cleanup is not None:
            admin, name = cleanup
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    report = "\n".join(lines)
    print(report)
    out = ROOT / "bench" / "results" / "scheduler.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    previous = out.read_text() if out.exists() else ""
    kept = [block for block in previous.split("\n\n") if f"backend {args.backend}" not in block]
    out.write_text("\n\n".join([*filter(None, kept), report]) + "\n")


def run(sessions, backend: str) -> list[str]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    with sessions.begin() as session:
        data = build_campaign(session, size=SIZE, tag="B")
    setup_seconds = time.perf_counter() - started

    renderer = SandboxRenderer()
    with sessions() as session:
        campaign = campaign_service.get_by_no(db_session=session, no=data.campaign_no)
        contacts = list(session.scalars(select(Contact).where(Contact.no.like("CB%"))))
        salespeople = list(session.scalars(select(Salesperson)))  # held, as the send does
        started = time.perf_counter()
        for contact in contacts:
            fields = contact_fields(db_session=session, contact=contact)
            renderer.render(campaign.email_subject or "", fields, name="subject", html=False)
            renderer.render(campaign.email_text or "", fields, name="text", html=False)
            renderer.render(campaign.email_html or "", fields, name="html", html=True)
        render_seconds = time.perf_counter() - started
        del salespeople

    with sessions.begin() as session:
        campaign = campaign_service.get_by_no(db_session=session, no=data.campaign_no)
        send = send_service.schedule(
            db_session=session,
            actor=Actor(Channel.CONSOLE, "SP"),
            campaign=campaign,
            at=dt.datetime.now(dt.UTC),
            template="EMAIL",
        )
    with EwsServer() as server:
        mailbox = ExchangeMailbox(
            endpoint=server.url,
            address="crm@northwind.example",
            username="bot",
            password="pw",
            auth_type="basic",
        )
        collaborators = Collaborators(
            sessions=sessions,
            instance="bench",
            mailbox=MailboxSender(mailbox),
            renderer=renderer,
            options={"unsubscribe_secret": "bench", "per_minute": None, "batch_size": BATCH},
        )
        started = time.perf_counter()
        sent = process_send(collaborators, send.id, options=SendOptions.of(collaborators))
        send_seconds = time.perf_counter() - started
        mailbox.account.protocol.close()
        requests = server.exchange.total_requests
        create_items = server.exchange.requests["CreateItem"]
        received = len(server.exchange.sent)

    return [
        f"Campaign send, {SIZE:,} recipients, backend {backend} (2 shared cores, noisy)",
        f"  audience written (bulk insert)  {setup_seconds:8.2f} s",
        f"  render time (3 templates each)  {render_seconds:8.2f} s"
        f"  ({render_seconds / SIZE * 1000:.2f} ms per recipient)",
        f"  total send time, EWS fake       {send_seconds:8.2f} s"
        f"  ({sent / send_seconds:,.0f} messages/s; freeze, render, send, mark, log)",
        f"  messages received by the fake   {received:8,}",
        f"  EWS requests in all             {requests:8,}  (CreateItem {create_items:,})",
        f"  requests per 100 recipients     {requests / (sent / 100):8.2f}"
        f"  (CreateItem alone {create_items / (sent / 100):.2f}; aim <= 1)",
    ]


if __name__ == "__main__":
    main()

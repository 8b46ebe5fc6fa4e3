"""Several workers log one queue side by side: every message once, filed after its commit."""

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crm import db
from crm.interactions.models import InteractionLogEntry
from crm.maillog import service as maillog
from crm.maillog.models import MailInteraction, MailMessage
from mail.mailbox import MaildirMailbox
from mail.pipeline import MailConfig, Pipeline
from tests.mail.conftest import seed_crm

DIRECT = 40
FORWARDED = 10  # originals, each forwarded by both salespeople


@pytest.fixture
def seeded(own_database: str) -> Iterator[sessionmaker[Session]]:
    """The sessions of a database of the test's own, holding the small CRM of seed_crm."""
    engine = db.make_engine(own_database)
    db.upgrade(engine)
    sessions = db.make_sessionmaker(engine)
    with sessions.begin() as session:
        seed_crm(session)
    yield sessions
    engine.dispose()


def direct(number: int) -> bytes:
    sender = ("Jane Roe <jane@acme.example>", "Tom Jones <tom@acme.example>")[number % 2]
    return (
        f"From: {sender}\r\nTo: Anna Berg <anna@northwind.example>\r\n"
        f"Subject: Order {number}\r\nDate: Tue, 01 Dec 2026 10:00:00 +0100\r\n"
        f"Message-ID: <order-{number}@acme.example>\r\n\r\nPlease confirm.\r\n"
    ).encode()


def forward(number: int, by: str) -> bytes:
    # The same original, forwarded inline by two salespeople: one interaction for Jane.
    return (
        f"From: {by}\r\nTo: crm@northwind.example\r\nSubject: Fwd: Claim {number}\r\n"
        f"Date: Tue, 01 Dec 2026 11:00:00 +0100\r\nMessage-ID: <fwd-{number}-{by}>\r\n\r\n"
        "---------- Forwarded message ---------\r\nFrom: Jane Roe <jane@acme.example>\r\n"
        f"Date: Mon, Nov 30, 2026 at 9:00 AM\r\nSubject: Claim {number}\r\n"
        "To: <anna@northwind.example>\r\n\r\nThe parts arrived broken.\r\n"
    ).encode()


@pytest.mark.parametrize("workers", [2, 4])
def test_workers_log_every_message_once_and_file_it(
    seeded: sessionmaker[Session], tmp_path: Path, workers: int
) -> None:
    sessions = seeded
    mailbox = MaildirMailbox(tmp_path / "mailbox", address="crm@northwind.example")
    for number in range(DIRECT):
        mailbox.deliver(direct(number))
    for number in range(FORWARDED):
        for by in ("anna@northwind.example", "bert@northwind.example"):
            mailbox.deliver(forward(number, by))
    config = MailConfig(sender_cap=0, workers=workers)

    summary = Pipeline(sessions=sessions, mailbox=mailbox, config=config).run_once()

    total = DIRECT + 2 * FORWARDED
    assert summary.total == total and summary.counts["logged"] == DIRECT + FORWARDED
    assert mailbox.count() == 0 and mailbox.count_in("storage") == total
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(MailMessage)) == total
        logged = session.scalar(select(func.count()).select_from(InteractionLogEntry))
        assert logged == DIRECT + FORWARDED
        pairs = select(MailInteraction.dedupe_key, MailInteraction.contact_id).distinct()
        assert len(session.execute(pairs).all()) == logged


def test_a_copy_logged_meanwhile_is_seen_on_the_second_try(
    own_database: str,
    seeded: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if own_database.startswith("sqlite"):
        pytest.skip("SQLite has one writer: no other transaction can commit meanwhile")
    sessions = seeded
    mailbox = MaildirMailbox(tmp_path / "mailbox", address="crm@northwind.example")
    mailbox.deliver(forward(1, "anna@northwind.example"))
    elsewhere = MaildirMailbox(tmp_path / "elsewhere", address="crm@northwind.example")
    elsewhere.deliver(forward(1, "bert@northwind.example"))
    other = Pipeline(sessions=sessions, mailbox=elsewhere, config=MailConfig(sender_cap=0))
    matching = maillog.contacts_by_email
    interrupted: list[bool] = []

    def other_instance_first(**kwargs):  # type: ignore[no-untyped-def]
        # Between this message's "seen?" check and its INSERTs, another instance logs the
        # other copy of the same original and commits.
        if not interrupted:
            interrupted.append(True)
            other.run_once()
        return matching(**kwargs)

    monkeypatch.setattr(maillog, "contacts_by_email", other_instance_first)
    config = MailConfig(sender_cap=0, workers=1)

    summary = Pipeline(sessions=sessions, mailbox=mailbox, config=config).run_once()

    assert summary.counts == {"ignored": 1}  # "already logged for Jane"
    assert mailbox.count_in("storage") == elsewhere.count_in("storage") == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(InteractionLogEntry)) == 1
        reasons = session.scalars(select(MailMessage.reason).order_by(MailMessage.id)).all()
        assert len(reasons) == 2 and "already logged" in reasons[1]


class _Meeting(Pipeline):
    """A pipeline whose workers each wait, on their first group, until all are at work."""

    def __init__(self, *, workers: int, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.meeting = threading.Barrier(workers, timeout=30)
        self.met: set[str] = set()

    def handle_group(self, items):  # type: ignore[no-untyped-def]
        name = threading.current_thread().name
        if name not in self.met:
            self.met.add(name)
            self.meeting.wait()  # breaks, and the test fails, unless the workers run at once
        return super().handle_group(items)


def test_the_workers_really_log_side_by_side(seeded: sessionmaker[Session], tmp_path: Path) -> None:
    sessions = seeded
    mailbox = MaildirMailbox(tmp_path / "mailbox", address="crm@northwind.example")
    for number in range(DIRECT):
        mailbox.deliver(direct(number))
    config = MailConfig(sender_cap=0, workers=2, group=5)

    pipeline = _Meeting(workers=2, sessions=sessions, mailbox=mailbox, config=config)
    summary = pipeline.run_once()

    assert pipeline.met == {"mail-worker-0", "mail-worker-1"}
    assert summary.counts == {"logged": DIRECT} and mailbox.count_in("storage") == DIRECT


def test_a_failing_message_sends_its_group_back_to_one_by_one(
    seeded: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = seeded
    mailbox = MaildirMailbox(tmp_path / "mailbox", address="crm@northwind.example")
    for number in range(10):
        mailbox.deliver(direct(number))
    mailbox.deliver(direct(10).replace(b"jane@acme.example", b"broken@acme.example"))
    matching = maillog.contacts_by_email

    def broken_for_one(**kwargs):  # type: ignore[no-untyped-def]
        if "broken@acme.example" in kwargs["emails"]:
            raise RuntimeError("the database went away for this one")
        return matching(**kwargs)

    monkeypatch.setattr(maillog, "contacts_by_email", broken_for_one)
    config = MailConfig(sender_cap=0, workers=1, group=20)

    summary = Pipeline(sessions=sessions, mailbox=mailbox, config=config).run_once()

    assert summary.counts == {"logged": 10, "failed": 1}
    assert mailbox.count_in("storage") == 10 and mailbox.count_in("failed") == 1
    reasons = (tmp_path / "mailbox" / "failed" / "reasons.txt").read_text(encoding="utf-8")
    assert "RuntimeError: the database went away for this one" in reasons
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(InteractionLogEntry)) == 10
        assert session.scalar(select(func.count()).select_from(MailInteraction)) == 10
        statuses = session.scalars(select(MailMessage.status)).all()
        assert sorted(statuses) == ["failed"] + ["logged"] * 10

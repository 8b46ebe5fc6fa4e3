"""Kill the watcher at random moments while it logs 1,000 messages: each is logged exactly once."""

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm import db
from crm.interactions.models import InteractionLogEntry
from crm.maillog.models import MailMessage
from mail.mailbox import MaildirMailbox
from tests.mail.conftest import seed_crm

MESSAGES = 1000
ROOT = Path(__file__).resolve().parents[2]


def message(number: int) -> bytes:
    sender = ("Jane Roe <jane@acme.example>", "Tom Jones <tom@acme.example>")[number % 2]
    return (
        f"From: {sender}\r\nTo: Anna Berg <anna@northwind.example>\r\n"
        f"Subject: Order {number}\r\nDate: Tue, 01 Dec 2026 10:00:00 +0100\r\n"
        f"Message-ID: <order-{number}@acme.example>\r\n\r\nPlease confirm order {number}.\r\n"
    ).encode()


@pytest.mark.slow
def test_killed_watcher_logs_every_message_exactly_once(own_database: str, tmp_path: Path) -> None:
    engine = db.make_engine(own_database)
    db.upgrade(engine)
    with db.make_sessionmaker(engine).begin() as session:
        seed_crm(session)
    mailbox = MaildirMailbox(tmp_path / "mailbox")
    for number in range(MESSAGES):
        mailbox.deliver(message(number))
    chance = random.Random(20261203)
    kills = 0

    while mailbox.count():
        worker = subprocess.Popen(
            [sys.executable, "-m", "tests.mail.crash_worker", own_database, str(mailbox.root)],
            cwd=ROOT,
        )
        target = mailbox.count_in("storage") + chance.randint(1, 150)
        deadline = time.monotonic() + 120
        while worker.poll() is None and mailbox.count_in("storage") < target:
            assert time.monotonic() < deadline, "the watcher made no progress"
            time.sleep(0.02)  # polling the Maildir, not waiting for a fixed time
        if worker.poll() is None:
            worker.send_signal(signal.SIGKILL)
            kills += 1
        worker.wait(timeout=30)

    assert kills >= 3
    assert mailbox.count_in("storage") == MESSAGES and mailbox.count_in("failed") == 0
    with db.make_sessionmaker(engine)() as session:
        per_message = session.execute(
            select(InteractionLogEntry.message_id, func.count()).group_by(
                InteractionLogEntry.message_id
            )
        ).all()
        assert len(per_message) == MESSAGES
        assert {count for _, count in per_message} == {1}
        recorded = session.scalar(select(func.count()).select_from(MailMessage))
        assert recorded == MESSAGES
    engine.dispose()

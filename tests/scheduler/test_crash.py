"""A 2,000-recipient send killed at random points still mails each eligible person exactly once."""

import email
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from email import policy
from pathlib import Path

from sqlalchemy import func, select

from crm import db
from crm.audit import Actor, Channel
from crm.campaigns import service as campaign_service
from crm.interactions.models import InteractionLogEntry
from crm.sends import service as send_service
from crm.sends.models import OutboxMessage
from tests.scheduler.campaign_data import build_campaign

ROOT = Path(__file__).resolve().parents[2]
SIZE = 2000
KILLS = 10


def _worker(url: str, maildir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.scheduler.send_main", url, str(maildir)],
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        stderr=subprocess.DEVNULL,
    )


def _written(maildir: Path) -> int:
    folder = maildir / "outbox" / "new"
    return len(os.listdir(folder)) if folder.exists() else 0


def test_killing_a_send_ten_times_never_mails_anyone_twice_nor_skips_anyone(
    fresh_url: str, tmp_path: Path
):
    engine = db.make_engine(fresh_url)
    sessions = db.make_sessionmaker(engine)
    with sessions.begin() as session:
        data = build_campaign(session, size=SIZE, tag="X", excluded_every=10)
        campaign = campaign_service.get_by_no(db_session=session, no=data.campaign_no)
        send_service.schedule(
            db_session=session,
            actor=Actor(Channel.CONSOLE, "SP"),
            campaign=campaign,
            at=db.utcnow(),
            template="EMAIL",
        )
    maildir = tmp_path / "mailbox"
    targets = sorted(random.Random(7).sample(range(1, len(data.eligible) - 100), KILLS))

    for target in targets:
        worker = _worker(fresh_url, maildir)
        deadline = time.monotonic() + 120
        while _written(maildir) < target and worker.poll() is None:
            assert time.monotonic() < deadline, "the worker made no progress"
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    last = _worker(fresh_url, maildir)
    assert last.wait(timeout=300) == 0

    folder = maildir / "outbox" / "new"
    received = Counter(
        str(email.message_from_bytes(path.read_bytes(), policy=policy.default)["To"])
        for path in folder.iterdir()
    )
    with sessions() as session:
        states = dict(
            session.execute(
                select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
            ).all()
        )
        logged = session.scalar(select(func.count()).select_from(InteractionLogEntry))
    engine.dispose()
    assert set(received) == data.eligible
    assert set(received.values()) == {1}
    assert not set(received) & set(data.excluded)
    assert states == {"sent": len(data.eligible), "skipped": len(data.excluded)}
    assert logged == len(data.eligible)

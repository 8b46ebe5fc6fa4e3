"""A worker process that sends every due campaign into a Maildir until done (crash tests)."""

import sys
import time
from pathlib import Path

from sqlalchemy import select

from crm import db
from crm.sends.models import CampaignSend
from mail.templates import ENVIRONMENTS, SandboxRenderer
from scheduler.outbound import MaildirSender
from scheduler.ports import Collaborators
from scheduler.rendering import CompiledRenderer
from scheduler.sends import run_due_sends


def main(url: str, maildir: str) -> None:
    engine = db.make_engine(url)
    sessions = db.make_sessionmaker(engine)
    collaborators = Collaborators(
        sessions=sessions,
        instance="worker",
        mailbox=MaildirSender(Path(maildir) / "outbox", address="crm@rapport.test"),
        renderer=CompiledRenderer(ENVIRONMENTS, SandboxRenderer().check),
        options={
            "unsubscribe_secret": "crash-secret",
            "per_minute": None,
            "batch_size": 25,
            "lease_seconds": 0.5,
        },
    )
    while True:
        run_due_sends(collaborators)
        with sessions() as session:
            if all(send.status == "done" for send in session.scalars(select(CampaignSend))):
                return
        # A killed worker's lease has to run out before this one may take the send over.
        time.sleep(0.1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

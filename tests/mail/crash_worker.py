"""The watcher as a process of its own, for the crash test: log the Maildir queue, then exit."""

import sys
from pathlib import Path

from crm import db
from mail.mailbox import MaildirMailbox
from mail.pipeline import MailConfig, Pipeline


def main(url: str, root: str) -> int:
    """Process the queue until it is empty."""
    engine = db.make_engine(url)
    mailbox = MaildirMailbox(Path(root), address="crm@northwind.example")
    # No hourly cap here: the test sends a thousand messages from two senders on purpose.
    config = MailConfig(sender_cap=0)
    pipeline = Pipeline(sessions=db.make_sessionmaker(engine), mailbox=mailbox, config=config)
    while mailbox.count():
        pipeline.run_once(limit=50)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

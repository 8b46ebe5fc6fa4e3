"""The mail watcher tells the forwarder in Slack; by e-mail when they have no Slack id."""

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.mailnotify import SlackNotifier
from mail.mailbox import MaildirMailbox
from mail.notify import EmailNotifier
from mail.pipeline import MailConfig, Pipeline
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.mail.conftest import CORPUS, seed_crm


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.close()


@pytest.fixture
def maildir(tmp_path: Path) -> MaildirMailbox:
    return MaildirMailbox(tmp_path / "mailbox", address="crm@northwind.example")


@pytest.fixture
def pipeline(
    db_session: Session,
    sessions: sessionmaker[Session],
    maildir: MaildirMailbox,
    fake_slack: FakeSlack,
) -> Pipeline:
    seed_crm(db_session)
    db_session.commit()
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    notifier = SlackNotifier(client=client, sessions=sessions, fallback=EmailNotifier(maildir))
    return Pipeline(
        sessions=sessions,
        mailbox=maildir,
        config=MailConfig(),
        notifier=notifier,
        today=lambda: dt.date(2026, 12, 2),
    )


def link_to_slack(session: Session, code: str, user_id: str) -> None:
    from crm.setup.models import Salesperson

    person = session.get(Salesperson, code)
    assert person is not None
    person.slack_user_id = user_id
    session.commit()


def test_the_forwarder_gets_a_slack_dm_with_what_was_logged(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, fake_slack: FakeSlack
) -> None:
    link_to_slack(db_session, "ANNA", "UANNA")
    maildir.deliver((CORPUS / "outlook_desktop_en.eml").read_bytes())

    pipeline.run_once()

    opened = fake_slack.wait_for("conversations.open")
    assert opened[0].args["users"] == "UANNA"
    posted = fake_slack.wait_for("chat.postMessage")[0].args
    assert posted["channel"] == "DANNA"
    blocks = json.loads(posted["blocks"]) if isinstance(posted["blocks"], str) else posted["blocks"]
    text = json.dumps(blocks)
    assert "Jane Roe" in text and "Tom Jones" in text
    assert maildir.count_in("outbox") == 0  # no e-mail reply besides the DM


def test_an_unknown_sender_is_offered_as_buttons_running_mail_commands(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, fake_slack: FakeSlack
) -> None:
    link_to_slack(db_session, "ANNA", "UANNA")
    raw = (CORPUS / "outlook_attached_message.eml").read_bytes()  # Cc: an unknown sender
    maildir.deliver(raw)

    pipeline.run_once()

    posted = fake_slack.wait_for("chat.postMessage")[0].args
    blocks = json.loads(posted["blocks"]) if isinstance(posted["blocks"], str) else posted["blocks"]
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    commands = [button.get("value") for button in buttons]
    assert commands and all(c.startswith(("mail confirm ", "mail dismiss ")) for c in commands)


def test_without_a_slack_id_the_forwarder_gets_an_email(
    pipeline: Pipeline, maildir: MaildirMailbox, fake_slack: FakeSlack
) -> None:
    maildir.deliver((CORPUS / "outlook_desktop_en.eml").read_bytes())

    pipeline.run_once()

    assert maildir.count_in("outbox") == 1
    assert fake_slack.of("chat.postMessage") == []


def test_rapport_start_tells_forwarders_in_slack_only_when_slack_is_configured(tmp_path: Path):
    from bot.app import Rapport
    from bot.cli import _mail_notifier
    from bot.settings import Settings

    common = {"database_url": f"sqlite:///{tmp_path / 'r.db'}", "maildir_path": tmp_path / "mb"}
    with_slack = Settings(**common, slack_bot_token="xoxb-test", slack_signing_secret="s")

    assert isinstance(_mail_notifier(Rapport(with_slack)), SlackNotifier)
    assert _mail_notifier(Rapport(Settings(**common))) is None  # the e-mail default

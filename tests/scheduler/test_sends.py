"""Campaign sends into a Maildir: exactly the eligible recipients, once, with the right headers."""

import datetime as dt
import email
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crm.audit import Actor, Channel
from crm.campaigns import service as campaign_service
from crm.campaigns import suppression
from crm.campaigns.models import EmailSuppression
from crm.contacts.models import Contact
from crm.interactions.models import InteractionLogEntry
from crm.sends import service as send_service
from crm.sends import tokens
from crm.sends.models import OutboxMessage
from mail.templates import ENVIRONMENTS, SandboxRenderer
from scheduler.outbound import MaildirSender
from scheduler.ports import Collaborators
from scheduler.rendering import CompiledRenderer
from scheduler.sends import SendOptions, process_send, run_due_sends
from tests.scheduler.campaign_data import build_campaign

SECRET = "test-secret"
ACTOR = Actor(Channel.CONSOLE, "SP", "sam")


@pytest.fixture
def maildir(tmp_path: Path) -> MaildirSender:
    return MaildirSender(tmp_path / "mailbox" / "outbox", address="crm@rapport.test")


@pytest.fixture
def sending(collaborators: Collaborators, maildir: MaildirSender) -> Collaborators:
    collaborators.mailbox = maildir
    collaborators.renderer = CompiledRenderer(ENVIRONMENTS, SandboxRenderer().check)
    collaborators.options = {
        "unsubscribe_secret": SECRET,
        "per_minute": None,
        "public_url": "https://crm.example.com",
    }
    return collaborators


def _schedule(sessions: sessionmaker[Session], campaign_no: str, at: dt.datetime) -> int:
    with sessions.begin() as session:
        campaign = campaign_service.get_by_no(db_session=session, no=campaign_no)
        return send_service.schedule(
            db_session=session, actor=ACTOR, campaign=campaign, at=at, template="EMAIL"
        ).id


def _mails(maildir: MaildirSender) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted((maildir.folder / "new").iterdir())
    ]


def test_each_eligible_recipient_gets_one_mail_and_each_excluded_one_none(
    sending: Collaborators, maildir: MaildirSender, clock
):
    with sending.sessions.begin() as session:
        data = build_campaign(session, size=40, excluded_every=10)
    send_id = _schedule(sending.sessions, data.campaign_no, clock())

    outcome = run_due_sends(sending)

    recipients = [str(mail["To"]) for mail in _mails(maildir)]
    assert sorted(recipients) == sorted(data.eligible)
    assert outcome.done == len(data.eligible)
    with sending.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.send_id == send_id))
        reasons = {row.address: row.reason for row in rows if row.state == "skipped"}
    assert reasons == data.excluded


def test_campaign_mail_carries_the_bulk_and_unsubscribe_headers(
    sending: Collaborators, maildir: MaildirSender, clock
):
    with sending.sessions.begin() as session:
        data = build_campaign(session, size=2)
    _schedule(sending.sessions, data.campaign_no, clock())

    run_due_sends(sending)

    mail = _mails(maildir)[0]
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["X-Auto-Response-Suppress"] == "OOF, AutoReply"
    assert mail["Precedence"] == "bulk"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = str(mail["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith("<mailto:crm@rapport.test?subject=unsubscribe%20u")
    assert "<https://crm.example.com/unsubscribe/u" in unsubscribe
    assert mail["Subject"].startswith("News for First")
    assert "spring" in mail.get_body(("plain",)).get_content()
    assert "<b>spring</b>" in mail.get_body(("html",)).get_content()


def test_sent_mail_is_logged_as_interactions_of_the_campaign_entry(sending: Collaborators, clock):
    with sending.sessions.begin() as session:
        data = build_campaign(session, size=5)
    send_id = _schedule(sending.sessions, data.campaign_no, clock())

    run_due_sends(sending)

    with sending.sessions() as session:
        send = session.get(send_service.CampaignSend, send_id)
        entries = list(
            session.scalars(
                select(InteractionLogEntry).where(
                    InteractionLogEntry.campaign_entry_id == send.campaign_entry_id
                )
            )
        )
        assert send.status == "done"
        assert len(entries) == 5
        assert {entry.campaign_no for entry in entries} == {data.campaign_no}
        assert all(entry.message_id.startswith("<rapport.") for entry in entries)


def test_a_send_scheduled_for_later_waits_for_its_time(
    sending: Collaborators, maildir: MaildirSender, clock
):
    with sending.sessions.begin() as session:
        data = build_campaign(session, size=3)
    _schedule(sending.sessions, data.campaign_no, clock() + dt.timedelta(hours=2))

    assert run_due_sends(sending).done == 0
    clock.advance(hours=2)
    assert run_due_sends(sending).done == 3


def test_the_pace_per_minute_limits_each_tick_and_later_ticks_finish(
    sending: Collaborators, maildir: MaildirSender, clock
):
    sending.options.update(per_minute=20, tick_seconds=30, batch_size=4)
    with sending.sessions.begin() as session:
        data = build_campaign(session, size=25)
    _schedule(sending.sessions, data.campaign_no, clock())

    ticks = [run_due_sends(sending).done for _ in range(4)]

    assert ticks == [10, 10, 5, 0]
    assert len(_mails(maildir)) == 25


def test_pause_stops_the_send_and_resume_finishes_it(
    sending: Collaborators, maildir: MaildirSender, clock
):
    sending.options.update(per_minute=10, tick_seconds=60)
    with sending.sessions.begin() as session:
        data = build_campaign(session, size=25)
    _schedule(sending.sessions, data.campaign_no, clock())
    run_due_sends(sending)
    with sending.sessions.begin() as session:
        campaign = campaign_service.get_by_no(db_session=session, no=data.campaign_no)
        send_service.pause(db_session=session, actor=ACTOR, campaign=campaign)

    assert run_due_sends(sending).done == 0
    with sending.sessions.begin() as session:
        campaign = campaign_service.get_by_no(db_session=session, no=data.campaign_no)
        send_service.resume(db_session=session, actor=ACTOR, campaign=campaign)
    sending.options.update(per_minute=None)
    run_due_sends(sending)

    assert sorted(str(mail["To"]) for mail in _mails(maildir)) == sorted(data.eligible)


def test_a_contact_blocked_after_the_audience_froze_gets_nothing(
    sending: Collaborators, maildir: MaildirSender, clock
):
    sending.options.update(per_minute=2, tick_seconds=60)
    with sending.sessions.begin() as session:
        data = build_campaign(session, size=6)
    _schedule(sending.sessions, data.campaign_no, clock())
    run_due_sends(sending)
    late = sorted(data.eligible)[-1]
    with sending.sessions.begin() as session:
        session.scalars(select(Contact).where(Contact.email == late)).one().privacy_blocked = True
    sending.options.update(per_minute=None)

    run_due_sends(sending)

    assert late not in {str(mail["To"]) for mail in _mails(maildir)}
    assert len(_mails(maildir)) == 5


def test_the_unsubscribe_token_in_the_mail_suppresses_its_address_only(
    sending: Collaborators, maildir: MaildirSender, clock
):
    with sending.sessions.begin() as session:
        data = build_campaign(session, size=2)
    _schedule(sending.sessions, data.campaign_no, clock())
    run_due_sends(sending)
    mail = _mails(maildir)[0]
    subject = str(mail["List-Unsubscribe"]).split("subject=", 1)[1].split(">", 1)[0]

    with sending.sessions.begin() as session:
        forged = send_service.unsubscribe(
            db_session=session, secret=SECRET, text="unsubscribe u1.AAAAAAAAAAAAAAAA"
        )
        address = send_service.unsubscribe(
            db_session=session, secret=SECRET, text=subject.replace("%20", " ")
        )
        assert forged is None
        assert address == str(mail["To"])
        assert suppression.get(db_session=session, address=address).reason == "unsubscribed"


def test_a_bounce_of_a_campaign_mail_marks_its_address_bounced(
    sending: Collaborators, maildir: MaildirSender, clock
):
    with sending.sessions.begin() as session:
        data = build_campaign(session, size=2)
    _schedule(sending.sessions, data.campaign_no, clock())
    run_due_sends(sending)
    mail = _mails(maildir)[0]

    with sending.sessions.begin() as session:
        address = send_service.record_bounce(
            db_session=session, message_id=str(mail["Message-ID"]), detail="550 no such user"
        )
        other = send_service.record_bounce(db_session=session, message_id="<x@elsewhere>")
        count = session.scalar(select(func.count()).select_from(EmailSuppression))
    assert address == str(mail["To"]) and other is None
    assert count == 1


def test_a_send_interrupted_after_mailing_marks_the_mailed_rows_sent_without_resending(
    sending: Collaborators, maildir: MaildirSender, clock
):
    with sending.sessions.begin() as session:
        data = build_campaign(session, size=6)
    send_id = _schedule(sending.sessions, data.campaign_no, clock())
    options = SendOptions.of(sending)
    # A worker that mailed two rows and died before marking them: they stay `sending`.
    with sending.sessions.begin() as session:
        send = send_service.take(
            db_session=session, send_id=send_id, worker="dead", now=clock(), lease=dt.timedelta(0)
        )
        send_service.freeze(db_session=session, send=send, now=clock())
        rows = send_service.claim(
            db_session=session, send_id=send_id, limit=3, now=clock(), domain="rapport.test"
        )
    from scheduler.sends import _render

    with sending.sessions() as session:
        send = session.get(send_service.CampaignSend, send_id)
        batch = _render(session, send, rows[:2], sending.renderer, maildir, options)
    from scheduler.outbound import build_message

    maildir.send([build_message(item, sender=maildir.address) for item in batch])
    clock.advance(seconds=1)

    process_send(sending, send_id, options=options)

    recipients = [str(mail["To"]) for mail in _mails(maildir)]
    assert sorted(recipients) == sorted(data.eligible)
    assert len(recipients) == len(set(recipients)) == 6
    assert tokens.outbox_id_of(batch[0].message_id) == rows[0].id

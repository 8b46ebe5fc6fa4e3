"""The logging pipeline on a Maildir: what a salesperson sees after forwarding or BCC'ing mail."""

import datetime as dt
import logging
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.contacts.models import Contact
from crm.interactions.models import InteractionLogEntry
from crm.maillog.models import MailMessage, MailPendingSender
from crm.maillog.service import UnknownPolicy
from crm.opportunities.models import Opportunity
from crm.tasks.models import Task
from mail.mailbox import MaildirMailbox, QueuedMessage
from mail.pipeline import MailConfig, Pipeline

CORPUS = Path(__file__).parent / "corpus"


def deliver(maildir: MaildirMailbox, *names: str) -> None:
    for name in names:
        maildir.deliver((CORPUS / f"{name}.eml").read_bytes())


def entries(session: Session, contact: Contact | None = None) -> list[InteractionLogEntry]:
    stmt = select(InteractionLogEntry).order_by(InteractionLogEntry.id)
    if contact is not None:
        stmt = stmt.where(InteractionLogEntry.contact_id == contact.id)
    return list(session.scalars(stmt))


def test_a_forward_is_logged_for_the_original_sender_and_cc_not_the_forwarder(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, crm, notifier
) -> None:
    deliver(maildir, "outlook_desktop_en")

    summary = pipeline.run_once()

    assert summary.counts == {"logged": 1}
    logged = entries(db_session)
    assert {e.contact_id for e in logged} == {crm["jane"].id, crm["tom"].id}  # tom by alt e-mail
    for entry in logged:
        assert entry.salesperson == "ANNA"
        assert entry.template_code == "EMAIL"
        assert entry.information_flow == "inbound" and entry.initiated_by == "them"
        assert entry.occurred_at == dt.datetime(2026, 12, 1, 9, 15, tzinfo=dt.UTC)
        assert entry.email_logged and entry.subject == "Proposal for 2027"
        assert entry.message_id == "outlook_desktop_en.1@mail.example"
        assert entry.created_via == "email"
    assert maildir.count() == 0 and maildir.count_in("storage") == 1
    address, report = notifier.reports[0]
    assert address == "anna@northwind.example"
    assert "Jane Roe" in report.text() and "Tom Jones" in report.text()


def test_the_task_tag_creates_a_task_with_the_interaction(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, crm, notifier
) -> None:
    deliver(maildir, "outlook_desktop_en")  # its note says "#task call back friday"

    pipeline.run_once()

    task = db_session.scalars(select(Task)).one()
    assert task.description == "call back friday"
    assert task.due_date == dt.date(2026, 12, 4)
    assert task.salesperson == "ANNA"
    assert "Created task" in notifier.reports[0][1].text()


def test_the_opp_tag_opens_an_opportunity_linked_to_the_interaction(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, crm
) -> None:
    deliver(maildir, "outlook_attached_message")  # first line: #opp 20000 "Renewal 2027"

    pipeline.run_once()

    opportunity = db_session.scalars(select(Opportunity)).one()
    assert opportunity.description == "Renewal 2027"
    assert opportunity.contact_id == crm["jane"].id
    entry = entries(db_session, crm["jane"])[0]
    assert entry.opportunity_no == opportunity.no
    assert entry.notes and "order.pdf" in entry.notes  # attachments by name and size only
    pending = db_session.scalars(select(MailPendingSender)).one()
    assert pending.email == "bob@globex.example"


def test_replaying_a_message_never_logs_it_twice(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, crm
) -> None:
    raw = (CORPUS / "direct_inbound_bcc.eml").read_bytes()
    maildir.deliver(raw)
    pipeline.run_once()

    # The same message again: a second BCC copy, or a crash between commit and move.
    maildir.deliver(raw)
    assert pipeline.process(QueuedMessage("new/ghost", raw)) == "replayed"
    summary = pipeline.run_once()

    assert summary.counts == {"replayed": 1}
    assert len(entries(db_session, crm["jane"])) == 1
    assert maildir.count_in("storage") == 2


def test_the_same_original_forwarded_by_two_salespeople_is_logged_once(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, crm
) -> None:
    raw = (CORPUS / "gmail_en.eml").read_bytes()
    maildir.deliver(raw)
    maildir.deliver(raw.replace(b"gmail_en.", b"gmail_en_again.").replace(b"anna@", b"bert@"))

    pipeline.run_once()

    assert len(entries(db_session, crm["jane"])) == 1


def test_bcc_on_outbound_mail_logs_known_recipients_and_holds_unknown_ones(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, crm, notifier
) -> None:
    deliver(maildir, "direct_outbound_bcc")

    pipeline.run_once()

    (entry,) = entries(db_session)
    assert entry.contact_id == crm["jane"].id
    assert entry.information_flow == "outbound" and entry.initiated_by == "us"
    pending = db_session.scalars(select(MailPendingSender)).one()
    assert (pending.email, pending.salesperson) == ("bob@globex.example", "ANNA")
    assert notifier.reports == []  # a BCC copy is not answered


def test_unknown_senders_can_be_created_under_the_company_of_their_domain(
    sessions, maildir: MaildirMailbox, db_session: Session, crm
) -> None:
    pipeline = Pipeline(
        sessions=sessions, mailbox=maildir, config=MailConfig(policy=UnknownPolicy.CREATE)
    )
    deliver(maildir, "direct_outbound_bcc")
    maildir.deliver(
        b"From: Anna <anna@northwind.example>\r\nTo: Max <max.power@gmail.com>\r\n"
        b"Subject: Hello\r\nMessage-ID: <free@x>\r\n\r\nHi\r\n"
    )

    pipeline.run_once()

    bob = db_session.scalars(select(Contact).where(Contact.email == "bob@globex.example")).one()
    assert bob.company_id == crm["globex"].id and bob.name == "Bob Stone"
    max_ = db_session.scalars(select(Contact).where(Contact.email == "max.power@gmail.com")).one()
    assert max_.company_id is None  # a free-mail domain never makes a company
    assert db_session.scalar(select(func.count()).where(Contact.name == "Gmail")) == 0
    assert len(entries(db_session, bob)) == 1


def test_unknown_senders_are_ignored_when_the_policy_says_so(
    sessions, maildir: MaildirMailbox, db_session: Session, crm
) -> None:
    pipeline = Pipeline(
        sessions=sessions, mailbox=maildir, config=MailConfig(policy=UnknownPolicy.IGNORE)
    )
    maildir.deliver(
        b"From: Stranger <who@unknown.example>\r\nTo: anna@northwind.example\r\n"
        b"Subject: Hi\r\nMessage-ID: <stranger@x>\r\n\r\nHi\r\n"
    )

    assert pipeline.run_once().counts == {"ignored": 1}
    message = db_session.scalars(select(MailMessage)).one()
    assert "no contact has who@unknown.example" in message.reason
    assert db_session.scalar(select(func.count()).select_from(MailPendingSender)) == 0


def test_automated_mail_is_filed_unlogged_and_never_answered(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, crm, notifier
) -> None:
    deliver(maildir, "auto_exchange_oof", "bounce_dsn", "auto_precedence_bulk", "auto_read_receipt")

    summary = pipeline.run_once()

    assert summary.counts == {"skipped": 4}
    assert entries(db_session) == [] and notifier.reports == []
    assert maildir.count_in("storage") == 4
    reasons = {m.reason.split(":")[0] for m in db_session.scalars(select(MailMessage))}
    assert reasons == {"auto_reply", "bounce"}


def test_private_mail_is_skipped_by_default(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, crm
) -> None:
    deliver(maildir, "direct_private")

    assert pipeline.run_once().counts == {"skipped": 1}
    assert entries(db_session) == []


def test_a_privacy_blocked_contact_gets_no_interaction_and_the_reason_is_kept(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, crm
) -> None:
    crm["jane"].privacy_blocked = True
    db_session.commit()
    deliver(maildir, "direct_inbound_bcc")

    assert pipeline.run_once().counts == {"ignored": 1}
    message = db_session.scalars(select(MailMessage)).one()
    assert "privacy blocked" in message.reason
    assert maildir.count_in("storage") == 1


def test_an_address_several_contacts_share_is_held_with_the_choices(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, crm, notifier, run
) -> None:
    run("contact add 'Jane Roe (old)' email=jane@acme.example")
    db_session.commit()
    deliver(maildir, "gmail_en")

    pipeline.run_once()

    pending = db_session.scalars(select(MailPendingSender)).one()
    assert len(pending.choices.split()) == 2
    report = notifier.reports[0][1]
    assert f"mail confirm {pending.id} contact={crm['jane'].no}" in report.text()


def test_a_held_sender_is_confirmed_or_dismissed_with_mail_commands(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, crm, run
) -> None:
    deliver(maildir, "direct_outbound_bcc")
    pipeline.run_once()
    pending = db_session.scalars(select(MailPendingSender)).one()

    listing = run("mail pending all=yes")
    assert "bob@globex.example" in str(listing.view.to_dict())

    done = run(f"mail confirm {pending.id} create=yes", user="ANNA")
    assert done.status == 0, done.view
    bob = db_session.scalars(select(Contact).where(Contact.email == "bob@globex.example")).one()
    assert entries(db_session, bob)[0].subject == "Meeting next week"

    again = run(f"mail dismiss {pending.id}")
    assert again.status == 1 and "already confirmed" in again.view.text


def test_confirming_for_an_existing_contact_adds_the_address_to_it(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, crm, run
) -> None:
    deliver(maildir, "direct_outbound_bcc")
    pipeline.run_once()
    pending = db_session.scalars(select(MailPendingSender)).one()

    assert run(f"mail confirm {pending.id} contact={crm['globex'].no}").status == 0
    assert run("mail pending all=yes").view.text.startswith("No senders")

    deliver(maildir, "direct_outbound_bcc")  # the same address later matches Globex
    assert (
        db_session.scalar(
            select(func.count()).where(InteractionLogEntry.contact_id == crm["globex"].id)
        )
        == 1
    )


def test_forwards_from_outside_and_spoofed_senders_are_not_trusted(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, crm, notifier
) -> None:
    crm["jane"].salesperson = "BERT"  # mail straight to the bot is credited to her owner
    db_session.commit()
    deliver(maildir, "forward_by_outsider", "forward_spoofed_dmarc_fail")

    summary = pipeline.run_once()

    assert summary.counts == {"logged": 1, "failed": 1}
    (entry,) = entries(db_session)
    assert entry.contact_id == crm["jane"].id  # the outsider herself, not whom she forwarded
    assert entry.salesperson == "BERT"
    assert notifier.reports == []
    assert maildir.count_in("failed") == 1
    reasons = (maildir.folder("failed") / "reasons.txt").read_text()
    assert "authentication" in reasons


def test_a_sender_over_the_hourly_cap_is_skipped(
    sessions, maildir: MaildirMailbox, db_session: Session, crm
) -> None:
    pipeline = Pipeline(sessions=sessions, mailbox=maildir, config=MailConfig(sender_cap=2))
    raw = (CORPUS / "direct_inbound_bcc.eml").read_bytes()
    for number in range(3):
        maildir.deliver(raw.replace(b"direct_inbound_bcc.", f"loop{number}.".encode()))

    assert pipeline.run_once().counts == {"logged": 2, "skipped": 1}


def test_oversized_and_unreadable_mail_goes_to_failed_and_the_watcher_goes_on(
    sessions, maildir: MaildirMailbox, db_session: Session, crm
) -> None:
    pipeline = Pipeline(sessions=sessions, mailbox=maildir, config=MailConfig(max_bytes=2000))
    maildir.deliver(b"Subject: big\r\n\r\n" + b"x" * 5000)
    deliver(maildir, "direct_inbound_bcc")

    assert pipeline.run_once().counts == {"failed": 1, "logged": 1}
    failure = db_session.scalars(select(MailMessage).where(MailMessage.status == "failed")).one()
    assert "larger than" in failure.reason


def test_nothing_is_read_until_the_email_template_is_set(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, crm
) -> None:
    from crm.setup.models import MarketingSetup

    db_session.get(MarketingSetup, 1).email_template = None
    db_session.commit()
    deliver(maildir, "direct_inbound_bcc")

    assert pipeline.run_once().counts == {"waiting": 1}
    assert maildir.count() == 1


def test_a_missing_email_template_is_said_once_and_its_fix_once(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, crm, caplog
) -> None:
    from crm.setup.models import MarketingSetup

    setup = db_session.get(MarketingSetup, 1)
    template, setup.email_template = setup.email_template, None
    db_session.commit()
    deliver(maildir, "direct_inbound_bcc")

    with caplog.at_level(logging.INFO, logger="mail.pipeline"):
        pipeline.run_once()
        pipeline.run_once()
        setup.email_template = template
        db_session.commit()
        assert pipeline.run_once().counts == {"logged": 1}

    said = [r.getMessage() for r in caplog.records if "Mail" in r.getMessage()]
    assert len([m for m in said if m.startswith("Mail not read")]) == 1
    assert "setup template defaults email=" in said[0]
    assert len([m for m in said if m.startswith("Mail is read again")]) == 1


def test_the_reply_to_the_forwarder_is_an_automatic_mail_in_the_outbox(
    sessions, maildir: MaildirMailbox, crm
) -> None:
    from mail.notify import EmailNotifier
    from mail.parse import parse_message

    pipeline = Pipeline(
        sessions=sessions,
        mailbox=maildir,
        notifier=EmailNotifier(maildir),
        today=lambda: dt.date(2026, 12, 2),
    )
    deliver(maildir, "gmail_de")

    pipeline.run_once()

    (path,) = [p for p in (maildir.folder("outbox") / "new").iterdir()]
    reply = parse_message(path.read_bytes())
    assert reply.to[0].email == "anna@northwind.example"
    assert reply.header("Auto-Submitted") == "auto-replied"
    assert "Jane Roe" in reply.text


def test_a_failed_message_put_back_in_the_queue_is_logged(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, crm
) -> None:
    from crm.maillog import service as maillog
    from crm.maillog.models import MessageStatus

    key = "direct_inbound_bcc.49@mail.example"
    facts = maillog.MailFacts(key, key, key, "direct", None, None, False, [], [], "", None)
    maillog.record(db_session=db_session, facts=facts, status=MessageStatus.FAILED, reason="x")
    db_session.commit()
    raw = (CORPUS / "direct_inbound_bcc.eml").read_bytes()
    assert key.encode() in raw

    maildir.deliver(raw)  # the admin moved it back to the queue

    assert pipeline.run_once().counts == {"logged": 1}
    assert len(entries(db_session, crm["jane"])) == 1


def test_the_same_message_twice_in_one_pass_is_logged_once(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, crm, caplog
) -> None:
    raw = (CORPUS / "direct_inbound_bcc.eml").read_bytes()
    maildir.deliver(raw)
    maildir.deliver(raw)  # the BCC copy and the Cc copy of one message
    deliver(maildir, "gmail_en")

    with caplog.at_level(logging.INFO, logger="mail.pipeline"):
        summary = pipeline.run_once()

    assert summary.counts == {"logged": 2, "replayed": 1}
    assert "rolled back" not in caplog.text  # the copy was seen, not run into the unique key
    assert len(entries(db_session, crm["jane"])) == 2
    assert maildir.count_in("storage") == 3


def test_a_message_and_its_forward_in_one_pass_log_once(
    pipeline: Pipeline, maildir: MaildirMailbox, db_session: Session, crm
) -> None:
    maildir.deliver(
        b"From: Jane Roe <jane@acme.example>\r\nTo: Anna Berg <anna@northwind.example>\r\n"
        b"Cc: crm@northwind.example\r\nSubject: RE: Order 4711\r\n"
        b"Date: Mon, 30 Nov 2026 09:00:00 +0100\r\nMessage-ID: <order-4711@acme.example>\r\n"
        b"\r\nThe order is fine.\r\n"
    )
    deliver(maildir, "outlook_attached_message")  # Anna forwards the same mail, attached

    pipeline.run_once()

    assert len(entries(db_session, crm["jane"])) == 1
    assert maildir.count_in("storage") == 2


def test_one_unknown_sender_writing_twice_in_one_pass_becomes_one_contact(
    sessions, maildir: MaildirMailbox, db_session: Session, crm
) -> None:
    pipeline = Pipeline(
        sessions=sessions, mailbox=maildir, config=MailConfig(policy=UnknownPolicy.CREATE)
    )
    for number in (1, 2):
        maildir.deliver(
            f"From: Rita Ng <rita@initech.example>\r\nTo: Anna <anna@northwind.example>\r\n"
            f"Subject: Trial {number}\r\nMessage-ID: <trial-{number}@initech.example>\r\n"
            f"\r\nHow long is the trial?\r\n".encode()
        )

    summary = pipeline.run_once()

    assert summary.counts == {"logged": 2}
    (rita,) = db_session.scalars(select(Contact).where(Contact.email == "rita@initech.example"))
    assert len(entries(db_session, rita)) == 2
    assert db_session.scalar(select(func.count()).where(Contact.name == "Initech")) == 1

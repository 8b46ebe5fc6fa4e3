"""Campaign sends through Exchange Server (EWS, batched) and Exchange Online (Graph) fakes."""

import email
from collections import Counter
from collections.abc import Iterator
from email import policy

import pytest

from crm.audit import Actor, Channel
from crm.campaigns import service as campaign_service
from crm.sends import service as send_service
from mail.exchange import ExchangeMailbox
from mail.graph import GraphMailbox
from mail.templates import ENVIRONMENTS, SandboxRenderer
from scheduler.ports import Collaborators
from scheduler.rendering import CompiledRenderer
from scheduler.senders import MailboxSender
from scheduler.sends import run_due_sends
from tests.fakes.ews import EwsServer
from tests.fakes.graph import GraphServer
from tests.scheduler.campaign_data import build_campaign

ADDRESS = "crm@northwind.example"


@pytest.fixture
def ews() -> Iterator[EwsServer]:
    with EwsServer() as server:
        yield server


@pytest.fixture
def graph() -> Iterator[GraphServer]:
    with GraphServer() as server:
        yield server


def _prepare(collaborators: Collaborators, sender: MailboxSender, size: int, clock):  # type: ignore[no-untyped-def]
    collaborators.mailbox = sender
    collaborators.renderer = CompiledRenderer(ENVIRONMENTS, SandboxRenderer().check)
    collaborators.options = {"unsubscribe_secret": "s", "per_minute": None, "batch_size": 100}
    with collaborators.sessions.begin() as session:
        data = build_campaign(session, size=size, excluded_every=10)
        campaign = campaign_service.get_by_no(db_session=session, no=data.campaign_no)
        send_service.schedule(
            db_session=session,
            actor=Actor(Channel.CONSOLE, "SP"),
            campaign=campaign,
            at=clock(),
            template="EMAIL",
        )
    return data


def _recipients(raw_messages: list[bytes]) -> Counter[str]:
    return Counter(
        str(email.message_from_bytes(raw, policy=policy.default)["To"]) for raw in raw_messages
    )


def test_exchange_server_sends_a_batch_of_messages_per_create_item(
    collaborators: Collaborators, ews: EwsServer, clock
):
    mailbox = ExchangeMailbox(
        endpoint=ews.url, address=ADDRESS, username="bot", password="pw", auth_type="basic"
    )
    data = _prepare(collaborators, MailboxSender(mailbox), 300, clock)

    try:
        outcome = run_due_sends(collaborators)
    finally:
        mailbox.account.protocol.close()

    received = _recipients(ews.exchange.sent)
    assert set(received) == data.eligible and set(received.values()) == {1}
    assert outcome.done == len(data.eligible) == 210
    assert ews.exchange.requests["CreateItem"] == 3
    first = email.message_from_bytes(ews.exchange.sent[0], policy=policy.default)
    assert first["X-Auto-Response-Suppress"] == "OOF, AutoReply"
    assert "mailto:" + ADDRESS in str(first["List-Unsubscribe"])


def test_exchange_online_sends_each_eligible_recipient_one_message(
    collaborators: Collaborators, graph: GraphServer, clock
):
    mailbox = GraphMailbox(user=ADDRESS, token=lambda: "token", base_url=graph.graph_url)
    data = _prepare(collaborators, MailboxSender(mailbox), 30, clock)

    try:
        run_due_sends(collaborators)
    finally:
        mailbox.http.close()

    received = _recipients(graph.graph.sent)
    assert set(received) == data.eligible and set(received.values()) == {1}
    assert not set(received) & set(data.excluded)

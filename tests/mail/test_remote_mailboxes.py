"""The pipeline on Exchange Server (EWS) and Exchange Online (Graph), against loopback fakes."""

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.interactions.models import InteractionLogEntry
from mail.exchange import ExchangeMailbox
from mail.graph import GraphMailbox, msal_token_provider
from mail.notify import EmailNotifier
from mail.pipeline import Pipeline
from tests.fakes.ews import EwsServer
from tests.fakes.graph import GraphServer, LoopbackHttp

CORPUS = Path(__file__).parent / "corpus"
MESSAGES = ("outlook_desktop_de", "gmail_fr", "direct_inbound_bcc", "auto_exchange_oof")


@pytest.fixture
def ews() -> Iterator[EwsServer]:
    with EwsServer() as server:
        yield server
        for mailbox in server.opened:
            mailbox.close()


@pytest.fixture
def graph() -> Iterator[GraphServer]:
    with GraphServer() as server:
        yield server
        for mailbox in server.opened:
            mailbox.close()


def exchange_mailbox(server: EwsServer, page_size: int = 100) -> ExchangeMailbox:
    mailbox = ExchangeMailbox(
        endpoint=server.url,
        address="crm@northwind.example",
        username="northwind\\crm",
        password="secret",
        auth_type="basic",
        page_size=page_size,
    )
    server.opened.append(mailbox)
    return mailbox


def graph_mailbox(server: GraphServer, http: LoopbackHttp, page_size: int = 50) -> GraphMailbox:
    token = msal_token_provider(
        tenant_id="northwind", client_id="rapport", client_secret="secret", http_client=http
    )
    mailbox = GraphMailbox(
        user="crm@northwind.example", token=token, base_url=server.graph_url, page_size=page_size
    )
    server.opened.append(mailbox)
    return mailbox


def logged(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(InteractionLogEntry)) or 0)


def test_exchange_server_mail_is_logged_and_moved_to_storage(
    ews: EwsServer, sessions, db_session: Session, crm
) -> None:
    for name in MESSAGES:
        ews.exchange.deliver((CORPUS / f"{name}.eml").read_bytes())
    mailbox = exchange_mailbox(ews, page_size=2)
    pipeline = Pipeline(sessions=sessions, mailbox=mailbox, notifier=EmailNotifier(mailbox))

    summary = pipeline.run_once()

    assert summary.counts == {"logged": 3, "skipped": 1}
    assert logged(db_session) == 3
    assert ews.exchange.count("Queue") == 0 and ews.exchange.count("Storage") == 4
    assert len(ews.exchange.sent) == 2  # the two forwarders were told; nobody else
    assert ews.exchange.requests["MoveItem"] == 4


def test_exchange_server_sends_a_batch_in_one_request(ews: EwsServer) -> None:
    mailbox = exchange_mailbox(ews)
    messages = []
    for number in range(25):
        message = EmailMessage()
        message["To"] = f"customer{number}@acme.example"
        message["Subject"] = "Our spring offer"
        message.set_content("Hello")
        messages.append(message)

    mailbox.send_many(messages)

    assert ews.exchange.requests["CreateItem"] == 1
    assert len(ews.exchange.sent) == 25
    assert ews.exchange.count("Sent Items") == 25


def test_exchange_server_counts_the_queue(ews: EwsServer) -> None:
    for name in MESSAGES:
        ews.exchange.deliver((CORPUS / f"{name}.eml").read_bytes())

    assert exchange_mailbox(ews).count() == 4


def test_exchange_online_mail_is_logged_with_an_app_only_token(
    graph: GraphServer, sessions, db_session: Session, crm
) -> None:
    for name in MESSAGES:
        graph.graph.deliver((CORPUS / f"{name}.eml").read_bytes())
    http = LoopbackHttp(graph)
    graph.opened.append(http)
    mailbox = graph_mailbox(graph, http, page_size=3)
    pipeline = Pipeline(sessions=sessions, mailbox=mailbox, notifier=EmailNotifier(mailbox))

    summary = pipeline.run_once()

    assert summary.counts == {"logged": 3, "skipped": 1}
    assert logged(db_session) == 3
    assert graph.graph.count("Queue") == 0 and graph.graph.count("Storage") == 4
    assert graph.graph.requests["sendMail"] == 2
    assert graph.graph.requests["token"] == 1  # MSAL caches the token for the process
    assert graph.graph.authorizations == {"Bearer token-1"}


def test_exchange_online_reads_only_what_arrived_since_the_last_pass(
    graph: GraphServer, sessions, db_session: Session, crm
) -> None:
    http = LoopbackHttp(graph)
    graph.opened.append(http)
    mailbox = graph_mailbox(graph, http)
    pipeline = Pipeline(sessions=sessions, mailbox=mailbox)
    graph.graph.deliver((CORPUS / "gmail_en.eml").read_bytes())
    pipeline.run_once()
    graph.graph.deliver((CORPUS / "direct_inbound_bcc.eml").read_bytes())
    before = graph.graph.requests["value"]

    assert pipeline.run_once().counts == {"logged": 1}
    assert graph.graph.requests["value"] == before + 1  # one MIME download, for the new one
    assert mailbox.count() == 0


def test_an_injected_token_provider_needs_no_identity_platform(graph: GraphServer) -> None:
    graph.graph.deliver(b"Subject: hi\r\n\r\nx")
    mailbox = GraphMailbox(
        user="crm@northwind.example", token=lambda: "static", base_url=graph.graph_url
    )
    graph.opened.append(mailbox)

    assert [m.raw for m in mailbox.queue()] == [b"Subject: hi\r\n\r\nx"]
    assert graph.graph.authorizations == {"Bearer static"}

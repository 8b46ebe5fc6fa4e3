"""Mail fixtures: a small CRM with salespeople, internal domains, contacts and a Maildir."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from crm.audit import Actor, Channel
from crm.contacts import service as contacts
from crm.contacts.models import Contact, ContactAltEmail, ContactType
from crm.interactions.models import InteractionGroup, InteractionTemplate
from crm.opportunities.models import SalesCycle, SalesCycleStage
from crm.setup.models import InternalDomain, MarketingSetup, Salesperson
from mail.mailbox import MaildirMailbox
from mail.pipeline import MailConfig, Pipeline
from tests.conftest import BACKENDS, _postgres_database

CORPUS = Path(__file__).parent / "corpus"
SETUP = Actor(Channel.CONSOLE, None, "test")


def seed_crm(session: Session) -> dict[str, Contact]:
    """Create what the watcher needs: a template, salespeople, domains and a few contacts."""
    session.add(InteractionGroup(code="SALES", description="Sales"))
    session.flush()
    session.add(InteractionTemplate(code="EMAIL", group_code="SALES", description="E-mail"))
    setup = session.get(MarketingSetup, 1)
    if setup is None:
        setup = MarketingSetup(id=1)
        session.add(setup)
    setup.email_template = "EMAIL"
    session.add(SalesCycle(code="NEW", description="New business"))
    session.flush()
    session.add(
        SalesCycleStage(
            cycle_code="NEW",
            stage=1,
            description="Qualify",
            completed_pct=10,
            chances_pct=50,
            date_formula="3M",
        )
    )
    setup.default_sales_cycle = "NEW"
    session.add(InternalDomain(domain="northwind.example"))
    for code, name, email in (
        ("ANNA", "Anna Berg", "anna@northwind.example"),
        ("BERT", "Bert Meier", "bert@northwind.example"),
    ):
        session.add(Salesperson(code=code, name=name, email=email, search_email=email))
    session.flush()
    acme = contacts.create(db_session=session, actor=SETUP, name="Acme", email="info@acme.example")
    jane = contacts.create(
        db_session=session,
        actor=SETUP,
        name="Jane Roe",
        type=ContactType.PERSON,
        company=acme,
        email="jane@acme.example",
    )
    tom = contacts.create(
        db_session=session,
        actor=SETUP,
        name="Tom Jones",
        type=ContactType.PERSON,
        company=acme,
        email="tom.jones@acme.example",
    )
    session.add(
        ContactAltEmail(
            contact_id=tom.id, email="tom@acme.example", search_email="tom@acme.example"
        )
    )
    globex = contacts.create(
        db_session=session, actor=SETUP, name="Globex", email="hq@globex.example"
    )
    session.flush()
    return {"acme": acme, "jane": jane, "tom": tom, "globex": globex}


@pytest.fixture
def crm(db_session: Session) -> dict[str, Contact]:
    found = seed_crm(db_session)
    db_session.commit()
    return found


@pytest.fixture
def maildir(tmp_path: Path) -> MaildirMailbox:
    return MaildirMailbox(tmp_path / "mailbox", address="crm@northwind.example")


class RecordingNotifier:
    """A notifier that keeps what it was told."""

    def __init__(self) -> None:
        self.reports: list[tuple[str, object]] = []

    def notify(self, *, salesperson, address, report) -> None:  # type: ignore[no-untyped-def]
        self.reports.append((address, report))


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def pipeline(sessions: sessionmaker[Session], maildir: MaildirMailbox, notifier, crm) -> Pipeline:
    return Pipeline(
        sessions=sessions,
        mailbox=maildir,
        config=MailConfig(),
        notifier=notifier,
        today=lambda: dt.date(2026, 12, 2),
    )


@pytest.fixture(params=BACKENDS)
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own, for watchers that commit for real on connections of theirs."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mail.db'}"
        return
    databases = _postgres_database()
    yield next(databases)
    next(databases, None)

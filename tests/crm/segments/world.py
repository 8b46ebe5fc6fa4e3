"""A small CRM to build segments, campaigns and reports on: companies, persons and activity."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from crm.audit import Actor
from crm.contacts import service as contact_service
from crm.contacts.models import (
    Contact,
    ContactBusinessRelation,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactType,
)
from crm.interactions.models import InteractionGroup, InteractionLogEntry, InteractionTemplate
from crm.opportunities.models import (
    CloseOpportunityCode,
    Opportunity,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
)
from crm.setup.models import (
    BusinessRelation,
    IndustryGroup,
    JobResponsibility,
    MailingGroup,
    Salesperson,
    Territory,
)
from crm.tasks.models import Task

UTC = dt.UTC


@dataclass
class World:
    contacts: dict[str, Contact] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Contact:
        return self.contacts[name]

    def ids(self, *names: str) -> list[int]:
        return sorted(self.contacts[name].id for name in names)


def build(db_session: Session, actor: Actor) -> World:
    """Create the code lists, three companies, six persons and some activity."""
    db_session.add_all(
        [
            Salesperson(code="SAM", name="Sam Seller", email="sam@us.example"),
            Salesperson(code="KIM", name="Kim Closer", email="kim@us.example"),
            Territory(code="NORTH"),
            Territory(code="SOUTH"),
            BusinessRelation(code="CUST"),
            BusinessRelation(code="PROS"),
            IndustryGroup(code="IT"),
            IndustryGroup(code="RETAIL"),
            MailingGroup(code="NEWS"),
            JobResponsibility(code="BUYER"),
            JobResponsibility(code="ITMGR"),
            InteractionGroup(code="SALES"),
            SalesCycle(code="STD", description="Standard"),
            CloseOpportunityCode(code="WON1", description="Best price", type="won"),
            CloseOpportunityCode(code="PRICE", description="Too dear", type="lost"),
        ]
    )
    db_session.flush()
    db_session.add_all(
        [
            InteractionTemplate(
                code="MEET", group_code="SALES", unit_cost=Decimal("10"), unit_duration_min=30
            ),
            InteractionTemplate(code="MAIL", group_code="SALES", unit_cost=Decimal("1")),
            InteractionTemplate(code="RESP", group_code="SALES", campaign_response=True),
            SalesCycleStage(cycle_code="STD", stage=1, description="Qualify"),
            SalesCycleStage(cycle_code="STD", stage=2, description="Propose"),
            SalesCycleStage(cycle_code="STD", stage=3, description="Negotiate"),
        ]
    )
    world = World()
    companies = (
        ("Acme", "SAM", "NORTH", "CUST", "IT", False),
        ("Beta", "KIM", "SOUTH", "PROS", "RETAIL", False),
        ("Gamma", "KIM", "NORTH", "CUST", "RETAIL", True),
    )
    for name, salesperson, territory, relation, industry, excluded in companies:
        company = contact_service.create(db_session=db_session, actor=actor, name=name)
        company.salesperson, company.territory, company.country = salesperson, territory, "DE"
        company.exclude_from_segments = excluded
        company.post_code = {"Acme": "10115", "Beta": "80331", "Gamma": "10117"}[name]
        db_session.add(ContactBusinessRelation(contact_id=company.id, code=relation))
        db_session.add(ContactIndustryGroup(contact_id=company.id, code=industry))
        world.contacts[name] = company
    persons = (
        ("Ann", "Acme", "ann@acme.example", "BUYER", False),
        ("Bob", "Acme", None, None, False),
        ("Cat", "Beta", "cat@beta.example", "BUYER", True),
        ("Dan", "Beta", "dan@beta.example", "ITMGR", False),
        ("Eve", "Gamma", "eve@gamma.example", None, False),
        ("Fay", None, "fay@solo.example", None, False),
    )
    for name, company_name, email, job, blocked in persons:
        company = world.contacts.get(company_name or "")
        person = contact_service.create(
            db_session=db_session,
            actor=actor,
            name=name,
            type=ContactType.PERSON,
            company=company,
            email=email,
        )
        person.salesperson = company.salesperson if company else "SAM"
        person.territory = company.territory if company else "SOUTH"
        person.privacy_blocked = blocked
        person.first_name = name
        if job:
            db_session.add(ContactJobResponsibility(contact_id=person.id, code=job))
        world.contacts[name] = person
    db_session.flush()
    _activity(db_session, world)
    return world


def interaction(
    db_session: Session, contact: Contact, template: str, day: dt.date, **extra: object
) -> InteractionLogEntry:
    entry = InteractionLogEntry(
        contact_id=contact.id,
        company_id=contact.company_id or contact.id,
        occurred_at=dt.datetime.combine(day, dt.time(10), tzinfo=UTC),
        template_code=template,
        group_code="SALES",
        salesperson=contact.salesperson,
        **extra,
    )
    db_session.add(entry)
    db_session.flush()
    return entry


def opportunity(
    db_session: Session,
    contact: Contact,
    no: str,
    *,
    status: str,
    stage: int,
    value: str,
    close_code: str | None = None,
    campaign: str | None = None,
    created: dt.date = dt.date(2026, 1, 15),
) -> Opportunity:
    opp = Opportunity(
        no=no,
        description=f"Deal {no}",
        salesperson=contact.salesperson or "SAM",
        contact_id=contact.id,
        company_id=contact.company_id,
        sales_cycle="STD",
        creation_date=created,
        status=status,
        closed=status in ("won", "lost"),
        campaign_no=campaign,
    )
    db_session.add(opp)
    db_session.flush()
    db_session.add(
        OpportunityEntry(
            opportunity_id=opp.id,
            sales_cycle="STD",
            stage=stage,
            contact_id=contact.id,
            salesperson=opp.salesperson,
            date_of_change=created,
            active=True,
            estimated_value=Decimal(value),
            calcd_current_value=Decimal(value) / 2,
            close_code=close_code,
            campaign_no=campaign,
        )
    )
    db_session.flush()
    return opp


def _activity(db_session: Session, world: World) -> None:
    interaction(db_session, world["Ann"], "MEET", dt.date(2026, 2, 1), evaluation="positive")
    interaction(db_session, world["Dan"], "MAIL", dt.date(2025, 12, 1))
    interaction(db_session, world["Fay"], "MEET", dt.date(2026, 3, 1), canceled=True)
    opportunity(db_session, world["Ann"], "OP000001", status="in_progress", stage=2, value="1000")
    opportunity(
        db_session, world["Dan"], "OP000002", status="won", stage=3, value="5000", close_code="WON1"
    )
    db_session.add(
        Task(
            no="TK000001",
            description="Call Bob",
            due_date=dt.date(2026, 3, 1),
            type="meeting",
            status="not_started",
            salesperson="SAM",
            contact_id=world["Bob"].id,
        )
    )
    db_session.flush()

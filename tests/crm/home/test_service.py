"""Home queries: the open pipeline summed per stage, and contact search for pick lists."""

import datetime as dt
from decimal import Decimal

from crm.contacts.models import Contact
from crm.home import service as home_service
from crm.opportunities.models import Opportunity, OpportunityEntry, SalesCycle, SalesCycleStage
from crm.setup.models import Salesperson


def opportunity(db_session, no, contact, stage, value, *, closed=False, active=True):
    today = dt.date(2026, 1, 5)
    opp = Opportunity(
        no=no,
        description=no,
        salesperson="MAX",
        contact_id=contact.id,
        sales_cycle="STD",
        creation_date=today,
        closed=closed,
    )
    db_session.add(opp)
    db_session.flush()
    db_session.add(
        OpportunityEntry(
            opportunity_id=opp.id,
            sales_cycle="STD",
            stage=stage,
            contact_id=contact.id,
            salesperson="MAX",
            active=active,
            date_of_change=today,
            estimated_value=Decimal(value),
            calcd_current_value=Decimal(value) / 4,
        )
    )


def test_the_pipeline_sums_open_active_entries_per_stage(db_session):
    acme = Contact(no="CT1", name="Acme", search_name="ACME")
    db_session.add_all([Salesperson(code="MAX", name="Max"), SalesCycle(code="STD"), acme])
    db_session.flush()
    db_session.add(SalesCycleStage(cycle_code="STD", stage=1, description="Qualify"))
    opportunity(db_session, "OP1", acme, 1, "100")
    opportunity(db_session, "OP2", acme, 1, "300")
    opportunity(db_session, "OP3", acme, 2, "1000")
    opportunity(db_session, "OP4", acme, 2, "5000", closed=True)
    opportunity(db_session, "OP5", acme, 1, "7000", active=False)
    db_session.flush()

    totals = home_service.get_pipeline(db_session=db_session, salesperson="MAX")

    assert [(t.stage, t.description, t.count, t.estimated_value) for t in totals] == [
        (1, "Qualify", 2, Decimal("400")),
        (2, "Stage 2", 1, Decimal("1000")),
    ]
    assert totals[0].current_value == Decimal("100")


def test_contacts_are_found_by_prefix_first_then_by_part(db_session):
    for no, name, kind in (
        ("CT1", "Acme Corp", "company"),
        ("CT2", "Big Acme", "company"),
        ("CT3", "Acme Person", "person"),
    ):
        db_session.add(Contact(no=no, name=name, search_name=name.upper(), type=kind))
    db_session.flush()

    found = home_service.find_contacts(db_session=db_session, text="acme", companies_only=True)

    assert [c.no for c in found] == ["CT1", "CT2"]
    assert [c.no for c in home_service.find_contacts(db_session=db_session, text="ct3")] == ["CT3"]

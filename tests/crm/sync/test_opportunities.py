"""Open opportunities both ways, after their salespeople, accounts and contacts."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from crm.opportunities import service as opps
from crm.opportunities.models import Opportunity
from crm.opportunities.service import OpportunityCreate, OpportunityUpdate, UpdateAction
from crm.setup.models import Salesperson
from crm.sync import service
from crm.sync.engine import remote_id_for, run_sync
from tests.activity_seed import seed


def sync(db_session, client, actor, *, full=False):
    run = run_sync(db_session=db_session, client=client, actor=actor, full=full)
    assert run.error is None, run.error
    return {c.mapping: c for c in run.counts}


def prepared(db_session, dataverse, actor):
    data = seed(db_session, actor)
    bob = db_session.get(Salesperson, "BOB")
    bob.email = bob.search_email = "bob@example.com"
    user = dataverse.add(
        "systemusers", fullname="Bob Seller", internalemailaddress="bob@example.com", accessmode=0
    )
    return data, user


def test_rapport_opportunity_goes_to_sales_with_its_parents_and_owner(
    db_session, client, dataverse, actor
):
    data, user = prepared(db_session, dataverse, actor)
    opportunity = opps.create(
        db_session=db_session,
        actor=actor,
        contact=data.person,
        data=OpportunityCreate(
            description="Coffee machines",
            salesperson="BOB",
            estimated_value=Decimal("12000"),
            estimated_close_date=dt.date(2027, 3, 31),
        ),
    )

    counts = sync(db_session, client, actor, full=True)

    row = dataverse.row("opportunities", remote_id_for("opportunities", opportunity.no))
    assert counts["opportunities"].inserted == 1
    assert row["name"] == "Coffee machines" and row["estimatedvalue"] == 12000.0
    assert row["estimatedclosedate"] == "2027-03-31" and row["_ownerid_value"] == user
    assert row["_parentcontactid_value"] == remote_id_for("contacts", data.person.no)
    assert row["_parentaccountid_value"] == remote_id_for("accounts", data.company.no)


def test_sales_opportunity_and_its_new_value_arrive_in_rapport(
    db_session, client, dataverse, actor
):
    data, user = prepared(db_session, dataverse, actor)
    sync(db_session, client, actor, full=True)
    row_id = dataverse.add(
        "opportunities",
        name="Espresso bar",
        statecode=0,
        estimatedvalue=5000,
        estimatedclosedate="2027-06-30",
        _parentaccountid_value=remote_id_for("accounts", data.company.no),
        _parentcontactid_value=remote_id_for("contacts", data.person.no),
        _ownerid_value=user,
    )
    dataverse.add("opportunities", name="Lost deal", statecode=2, _ownerid_value=user)

    counts = sync(db_session, client, actor)
    opportunity = db_session.scalars(
        select(Opportunity).where(Opportunity.description == "Espresso bar")
    ).one()
    entry = opps.active_entry(db_session=db_session, opportunity=opportunity)
    dataverse.change("opportunities", row_id, estimatedvalue=7500)
    sync(db_session, client, actor)
    entry_after = opps.active_entry(db_session=db_session, opportunity=opportunity)

    assert (counts["opportunities"].inserted, counts["opportunities"].skipped) == (1, 1)
    assert opportunity.salesperson == "BOB" and opportunity.contact_id == data.person.id
    assert entry.estimated_value == Decimal("5000") and entry.estimated_close_date == dt.date(
        2027, 6, 30
    )
    assert entry_after.estimated_value == Decimal("7500")


def test_rapport_update_reaches_sales_and_is_not_echoed(db_session, client, dataverse, actor):
    data, _ = prepared(db_session, dataverse, actor)
    opportunity = opps.create(
        db_session=db_session,
        actor=actor,
        contact=data.company,
        data=OpportunityCreate(
            description="Vending",
            salesperson="BOB",
            estimated_value=Decimal("100"),
            estimated_close_date=dt.date(2027, 1, 31),
        ),
    )
    sync(db_session, client, actor, full=True)
    opps.update(
        db_session=db_session,
        actor=actor,
        opportunity=opportunity,
        action=UpdateAction.UPDATE,
        data=OpportunityUpdate(estimated_value=Decimal("250")),
    )

    sync(db_session, client, actor)
    sent = dataverse.requests["POST $batch"]
    again = sync(db_session, client, actor)

    row = dataverse.row("opportunities", remote_id_for("opportunities", opportunity.no))
    assert row["estimatedvalue"] == 250.0 and row.get("_parentcontactid_value") is None
    assert dataverse.requests["POST $batch"] == sent
    assert again["opportunities"].modified == 0


def test_won_opportunity_leaves_the_sync_without_deleting_in_sales(
    db_session, client, dataverse, actor
):
    data, _ = prepared(db_session, dataverse, actor)
    opportunity = opps.create(
        db_session=db_session,
        actor=actor,
        contact=data.company,
        data=OpportunityCreate(
            description="Vending",
            salesperson="BOB",
            estimated_value=Decimal("100"),
            estimated_close_date=dt.date(2027, 1, 31),
        ),
    )
    sync(db_session, client, actor, full=True)
    service.update_mapping(db_session=db_session, name="opportunities", deletions="delete")
    opps.win(db_session=db_session, actor=actor, opportunity=opportunity, close_code="PRICE_W")

    counts = sync(db_session, client, actor)

    assert dataverse.row("opportunities", remote_id_for("opportunities", opportunity.no))
    assert counts["opportunities"].deleted == 0

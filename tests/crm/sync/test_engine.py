"""The sync engine against a loopback Dataverse: directions, conflicts, deletions, echoes."""

import datetime as dt

from sqlalchemy import select

from bot.dataverse import DataverseClient
from crm.contacts import service as contacts
from crm.contacts.models import Contact, ContactType
from crm.setup.models import Salesperson
from crm.sync import service
from crm.sync.engine import remote_id_for, run_sync
from crm.sync.models import SyncConflict, SyncCoupling, SyncFailure, SyncMapping
from tests.fakes.dataverse import FakeDataverse


def sync(db_session, client, actor, *, full=False):
    run = run_sync(db_session=db_session, client=client, actor=actor, full=full)
    assert run.error is None, run.error
    return {c.mapping: c for c in run.counts}


def coupling(db_session, mapping, key):
    stmt = select(SyncCoupling).where(
        SyncCoupling.mapping == mapping, SyncCoupling.local_key == key
    )
    return db_session.scalars(stmt).one_or_none()


def company(db_session, actor, name, **values):
    record = contacts.create(db_session=db_session, actor=actor, name=name)
    for key, value in values.items():
        setattr(record, key, value)
    return record


def person(db_session, actor, name, at):
    return contacts.create(
        db_session=db_session, actor=actor, name=name, type=ContactType.PERSON, company=at
    )


def edit(db_session, actor, record, **values):
    """Change a record as a Rapport user would (stamped now)."""
    from crm.audit import stamp

    for key, value in values.items():
        setattr(record, key, value)
    stamp(record, actor)
    db_session.flush()


def writes(fake: FakeDataverse) -> int:
    return fake.requests["POST $batch"]


def test_full_sync_creates_and_couples_both_ways(db_session, client, dataverse, actor):
    user = dataverse.add(
        "systemusers", fullname="Ann Lee", internalemailaddress="ann@example.com", accessmode=0
    )
    dataverse.add(
        "systemusers", fullname="Integration", internalemailaddress="i@x.com", accessmode=4
    )
    globex = dataverse.add("accounts", name="Globex", telephone1="555 0100", _ownerid_value=user)
    dataverse.add("contacts", firstname="Hank", lastname="Scorpio", _parentcustomerid_value=globex)
    acme = company(db_session, actor, "Acme", city="Springfield")
    jane = person(db_session, actor, "Jane Roe", acme)

    counts = sync(db_session, client, actor, full=True)

    assert (counts["salespeople"].inserted, counts["salespeople"].skipped) == (1, 1)
    assert db_session.scalars(select(Salesperson.name)).all() == ["Ann Lee"]
    hank = db_session.scalars(select(Contact).where(Contact.name == "Hank Scorpio")).one()
    assert hank.company_name == "Globex" and hank.modified_via == "sync"
    acme_row = dataverse.row("accounts", remote_id_for("accounts", acme.no))
    assert acme_row["name"] == "Acme" and acme_row["address1_city"] == "Springfield"
    jane_row = dataverse.row("contacts", remote_id_for("contacts", jane.no))
    assert (jane_row["firstname"], jane_row["lastname"]) == ("Jane", "Roe")
    assert jane_row["_parentcustomerid_value"] == acme_row["accountid"]


def test_steady_state_costs_one_request_per_table_and_writes_nothing(
    db_session, client, dataverse, actor
):
    company(db_session, actor, "Acme")
    dataverse.add("accounts", name="Globex")
    sync(db_session, client, actor, full=True)
    before = dataverse.total_requests

    counts = sync(db_session, client, actor)

    assert dataverse.total_requests - before == 4  # one delta read per mapped table
    assert counts["accounts"].inserted == counts["accounts"].modified == 0


def test_rapport_change_goes_to_sales_once(db_session, client, dataverse, actor):
    acme = company(db_session, actor, "Acme")
    sync(db_session, client, actor, full=True)
    edit(db_session, actor, acme, phone="+1 555 0199")

    counts = sync(db_session, client, actor)
    sent = writes(dataverse)
    again = sync(db_session, client, actor)

    assert counts["accounts"].modified == 1
    assert dataverse.row("accounts", remote_id_for("accounts", acme.no))["telephone1"] == (
        "+1 555 0199"
    )
    assert writes(dataverse) == sent, "the echo of our own write was sent back"
    assert again["accounts"].modified == 0


def test_sales_change_comes_to_rapport_and_is_not_sent_back(db_session, client, dataverse, actor):
    acme = company(db_session, actor, "Acme")
    sync(db_session, client, actor, full=True)
    row_id = remote_id_for("accounts", acme.no)
    dataverse.change("accounts", row_id, websiteurl="https://acme.example")
    sent = writes(dataverse)

    counts = sync(db_session, client, actor)
    sync(db_session, client, actor)

    assert counts["accounts"].modified == 1
    assert acme.home_page == "https://acme.example" and acme.modified_via == "sync"
    assert writes(dataverse) == sent


def test_field_switched_off_or_one_way_is_respected(db_session, client, dataverse, actor):
    acme = company(db_session, actor, "Acme", phone="1", city="Old")
    sync(db_session, client, actor, full=True)
    row_id = remote_id_for("accounts", acme.no)
    service.update_field(db_session=db_session, mapping="accounts", field="phone", enabled=False)
    service.update_field(
        db_session=db_session, mapping="accounts", field="city", direction="from_sales"
    )
    edit(db_session, actor, acme, phone="2", city="Rapportville")
    dataverse.change("accounts", row_id, address1_city="Salesburg")

    sync(db_session, client, actor)

    row = dataverse.row("accounts", row_id)
    assert row["telephone1"] == "1" and row["address1_city"] == "Salesburg"
    assert acme.city == "Salesburg" and acme.phone == "2"


def test_conflict_is_listed_and_other_fields_still_merge(db_session, client, dataverse, actor):
    acme = company(db_session, actor, "Acme", city="Old")
    sync(db_session, client, actor, full=True)
    row_id = remote_id_for("accounts", acme.no)
    edit(db_session, actor, acme, city="Rapportville", phone="+1 111")
    dataverse.change("accounts", row_id, address1_city="Salesburg", websiteurl="https://a.example")

    sync(db_session, client, actor)

    conflict = db_session.scalars(select(SyncConflict)).one()
    assert (conflict.field, conflict.local_value, conflict.remote_value) == (
        "city",
        "Rapportville",
        "Salesburg",
    )
    assert acme.home_page == "https://a.example" and acme.city == "Rapportville"
    assert dataverse.row("accounts", row_id)["telephone1"] == "+1 111"
    assert dataverse.row("accounts", row_id)["address1_city"] == "Salesburg"


def test_resolving_a_conflict_applies_the_chosen_side(db_session, client, dataverse, actor):
    acme = company(db_session, actor, "Acme", city="Old", post_code="1")
    sync(db_session, client, actor, full=True)
    row_id = remote_id_for("accounts", acme.no)
    edit(db_session, actor, acme, city="Rapportville", post_code="2")
    dataverse.change("accounts", row_id, address1_city="Salesburg", address1_postalcode="3")
    sync(db_session, client, actor)
    city, post_code = db_session.scalars(select(SyncConflict).order_by(SyncConflict.field))

    service.resolve(db_session=db_session, actor=actor, conflict_id=city.id, winner="sales")
    service.resolve(db_session=db_session, actor=actor, conflict_id=post_code.id, winner="rapport")
    sync(db_session, client, actor)
    sync(db_session, client, actor)

    row = dataverse.row("accounts", row_id)
    assert acme.city == "Salesburg" and row["address1_city"] == "Salesburg"
    assert acme.post_code == "2" and row["address1_postalcode"] == "2"
    assert service.open_conflicts(db_session=db_session) == []


def test_conflict_policies_pick_a_winner(db_session, client, dataverse, actor):
    acme = company(db_session, actor, "Acme", city="Old")
    sync(db_session, client, actor, full=True)
    row_id = remote_id_for("accounts", acme.no)
    service.update_mapping(db_session=db_session, name="accounts", conflicts="sales")
    edit(db_session, actor, acme, city="Rapportville")
    dataverse.change("accounts", row_id, address1_city="Salesburg")
    sync(db_session, client, actor)
    assert acme.city == "Salesburg"

    service.update_mapping(db_session=db_session, name="accounts", conflicts="rapport")
    edit(db_session, actor, acme, city="Rapport City")
    dataverse.change("accounts", row_id, address1_city="Sales City")
    sync(db_session, client, actor)

    assert dataverse.row("accounts", row_id)["address1_city"] == "Rapport City"
    assert acme.city == "Rapport City"
    assert service.open_conflicts(db_session=db_session) == []


def test_same_change_on_both_sides_is_no_conflict(db_session, client, dataverse, actor):
    acme = company(db_session, actor, "Acme", city="Old")
    sync(db_session, client, actor, full=True)
    edit(db_session, actor, acme, city="New")
    dataverse.change("accounts", remote_id_for("accounts", acme.no), address1_city="New")
    sent = writes(dataverse)

    sync(db_session, client, actor)

    assert service.open_conflicts(db_session=db_session) == []
    assert writes(dataverse) == sent


def test_deleted_in_sales_removes_the_coupling_by_default(db_session, client, dataverse, actor):
    acme = company(db_session, actor, "Acme")
    sync(db_session, client, actor, full=True)
    dataverse.remove("accounts", remote_id_for("accounts", acme.no))

    counts = sync(db_session, client, actor)

    assert counts["accounts"].deleted == 1
    assert coupling(db_session, "accounts", acme.no) is None
    assert db_session.get(Contact, acme.id) is not None


def test_deleted_in_sales_restore_and_delete(db_session, client, dataverse, actor):
    back = company(db_session, actor, "Back", city="Here")
    gone = company(db_session, actor, "Gone")
    sync(db_session, client, actor, full=True)
    mapping = db_session.get(SyncMapping, "accounts")
    mapping.deletions = "restore"
    dataverse.remove("accounts", remote_id_for("accounts", back.no))
    sync(db_session, client, actor)
    mapping.deletions = "delete"
    dataverse.remove("accounts", remote_id_for("accounts", gone.no))
    gone_id = gone.id
    counts = sync(db_session, client, actor)

    restored = dataverse.row("accounts", remote_id_for("accounts", back.no))
    assert restored is not None and restored["address1_city"] == "Here"
    assert counts["accounts"].deleted == 1
    db_session.expunge_all()
    assert db_session.get(Contact, gone_id) is None


def test_deleted_in_rapport_deletes_in_sales_by_policy(db_session, client, dataverse, actor):
    acme = company(db_session, actor, "Acme")
    sync(db_session, client, actor, full=True)
    service.update_mapping(db_session=db_session, name="accounts", deletions="delete")
    row_id = remote_id_for("accounts", acme.no)
    db_session.delete(acme)
    db_session.flush()

    counts = sync(db_session, client, actor)

    assert counts["accounts"].deleted == 1
    assert dataverse.row("accounts", row_id) is None
    assert coupling(db_session, "accounts", acme.no) is None


def test_match_based_coupling_creates_no_duplicates(db_session, client, dataverse, actor):
    row_id = dataverse.add("accounts", name="ACME", telephone1="555")
    acme = company(db_session, actor, "Acme", city="Springfield")

    sync(db_session, client, actor, full=True)

    assert len(dataverse.rows("accounts")) == 1
    assert coupling(db_session, "accounts", acme.no).remote_id == row_id
    assert acme.phone == "555" and dataverse.row("accounts", row_id)["address1_city"] == (
        "Springfield"
    )
    assert db_session.scalars(select(Contact)).all() == [acme]


def test_interrupted_run_resumes_with_nothing_lost_or_doubled(db_session, dataverse, actor, waits):
    client = DataverseClient(dataverse.url, lambda: "token", max_batch=10, sleep=waits.append)
    firms = [company(db_session, actor, f"Firm {n:02d}") for n in range(35)]
    for n in range(12):
        dataverse.add("accounts", name=f"Sales {n:02d}")
    # systemusers and accounts are read, then two change sets of ten go through.
    dataverse.fail_after = 4

    first = run_sync(db_session=db_session, client=client, actor=actor, full=True)
    dataverse.fail_after = None
    second = run_sync(db_session=db_session, client=client, actor=actor)
    third = run_sync(db_session=db_session, client=client, actor=actor)

    assert first.error and "accounts" in first.error
    assert second.error is None and third.error is None
    names = sorted(row["name"] for row in dataverse.rows("accounts"))
    assert names == sorted([f.name for f in firms] + [f"Sales {n:02d}" for n in range(12)])
    local = db_session.scalars(select(Contact.name).where(Contact.name.like("Sales%"))).all()
    assert sorted(local) == [f"Sales {n:02d}" for n in range(12)]
    assert len(db_session.scalars(select(SyncCoupling)).all()) == 47
    client.close()


def test_throttled_requests_wait_for_retry_after(db_session, client, dataverse, actor, waits):
    company(db_session, actor, "Acme")
    dataverse.throttle(2, retry_after="0.25")

    sync(db_session, client, actor, full=True)

    assert waits == [0.25, 0.25]
    assert len(dataverse.rows("accounts")) == 1


def test_change_in_sales_during_the_run_is_merged_next_run(db_session, client, dataverse, actor):
    acme = company(db_session, actor, "Acme")
    sync(db_session, client, actor, full=True)
    row_id = remote_id_for("accounts", acme.no)
    edit(db_session, actor, acme, phone="+1 222")
    dataverse.before_batch = lambda: dataverse.change("accounts", row_id, websiteurl="https://b.x")

    counts = sync(db_session, client, actor)
    failure = db_session.scalars(select(SyncFailure)).one()
    sync(db_session, client, actor)

    assert counts["accounts"].failed == 1 and "changed in Sales" in failure.reason
    row = dataverse.row("accounts", row_id)
    assert row["telephone1"] == "+1 222" and acme.home_page == "https://b.x"
    assert failure.resolved_at is not None


def test_person_waits_for_its_company_and_is_retried(db_session, client, dataverse, actor):
    service.update_mapping(db_session=db_session, name="accounts", only_coupled=True)
    acme = company(db_session, actor, "Acme")
    jane = person(db_session, actor, "Jane Roe", acme)

    counts = sync(db_session, client, actor)
    failure = db_session.scalars(select(SyncFailure)).one()
    service.update_mapping(db_session=db_session, name="accounts", only_coupled=False)
    sync(db_session, client, actor)

    assert counts["contacts"].skipped == 1 and "not coupled" in failure.reason
    assert dataverse.row("contacts", remote_id_for("contacts", jane.no)) is not None
    assert failure.resolved_at is not None


def test_change_committed_late_is_still_found(db_session, client, dataverse, actor):
    acme = company(db_session, actor, "Acme")
    sync(db_session, client, actor, full=True)
    # A transaction that stamped the row before the last run but committed after it.
    acme.phone = "+1 333"
    acme.modified_at = db_session.get(SyncMapping, "accounts").last_run_at - dt.timedelta(
        seconds=30
    )
    db_session.flush()

    sync(db_session, client, actor)

    assert dataverse.row("accounts", remote_id_for("accounts", acme.no))["telephone1"] == "+1 333"


def test_expired_delta_link_reads_the_table_again(db_session, client, dataverse, actor):
    acme = company(db_session, actor, "Acme")
    sync(db_session, client, actor, full=True)
    row_id = remote_id_for("accounts", acme.no)
    dataverse.change("accounts", row_id, telephone1="+1 444")
    dataverse.expire_tokens()
    sent = writes(dataverse)

    counts = sync(db_session, client, actor)

    assert acme.phone == "+1 444" and counts["accounts"].modified == 1
    assert writes(dataverse) == sent


def test_refused_record_is_logged_with_its_reason_and_retried(db_session, client, dataverse, actor):
    acme = company(db_session, actor, "Acme", phone="not a phone")
    company(db_session, actor, "Globex")
    dataverse.refused_columns = {"telephone1"}

    counts = sync(db_session, client, actor, full=True)
    failure = db_session.scalars(select(SyncFailure)).one()
    dataverse.refused_columns = set()
    retried = sync(db_session, client, actor)

    assert (counts["accounts"].inserted, counts["accounts"].failed) == (1, 1)
    assert failure.local_key == acme.no and "Invalid value for telephone1" in failure.reason
    assert retried["accounts"].inserted == 1 and failure.resolved_at is not None
    assert len(dataverse.rows("accounts")) == 2

"""Duplicates: evidence on create and on demand, pairs kept separate, merges move everything."""

import pytest
from sqlalchemy import func, select

from crm.contacts import service, transfer
from crm.contacts.models import Contact, ContactSearchWord, ContactType, DuplicateSearchString
from crm.errors import Conflict, InvalidInput
from crm.setup import service as setup_service
from tests.crm.contacts.test_service import _interaction, _opportunity, _task


def add(db_session, actor, name, **values):
    return service.add(db_session=db_session, actor=actor, name=name, values=values)


def test_a_look_alike_company_is_created_and_reported(db_session, actor):
    first = add(db_session, actor, "Acme Corp", email="info@acme.com", city="Berlin").contact

    outcome = add(db_session, actor, "ACME Corp.", email="sales@acme.com", city="Berlin")

    assert outcome.contact.id != first.id
    [dup] = outcome.duplicates
    assert dup.contact.id == first.id
    assert "same e-mail domain acme.com" in dup.evidence
    assert any(e.startswith("same name") for e in dup.evidence)


def test_search_strings_follow_business_centrals_hit_rule(db_session, actor):
    values = dict(
        address="Main Street 12",
        city="Berlin",
        post_code="10115",
        phone="+49 30 123456",
        vat="DE123456789",
    )
    add(db_session, actor, "Fabrikam Industries", **values)

    [dup] = add(db_session, actor, "Fabrikam Ind.", **values).duplicates

    assert any("search strings alike" in e for e in dup.evidence)
    assert "same VAT no. DE123456789" in dup.evidence


def test_search_strings_shared_by_every_company_still_find_the_one_alike(
    db_session, actor, tmp_path
):
    # Hundreds of companies share the address, city and post code: those strings are too
    # common to find candidates by, but still count towards the hits of the real duplicate.
    street = dict(address="1 Main Street", city="Berlin", post_code="10115")
    lines = ["name,address,city,post_code,phone"]
    lines += [f"Filler {i},1 Main Street,Berlin,10115,+49 30 {500000 + i}" for i in range(250)]
    (tmp_path / "fillers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    transfer.import_csv(db_session=db_session, actor=actor, path=tmp_path / "fillers.csv")
    first = add(db_session, actor, "Globex Trading", phone="+49 40 777888", **street).contact

    outcome = add(db_session, actor, "Globex Trading", phone="+49 40 777888", **street)

    strings = {
        d.contact.id: e for d in outcome.duplicates for e in d.evidence if "search strings" in e
    }
    assert strings == {first.id: "10 of 16 search strings alike"}


def test_a_misspelt_name_is_matched_by_its_other_words(db_session, actor):
    first = add(db_session, actor, "Southridge Video Partners").contact
    add(db_session, actor, "Northwind Video Partners")

    outcome = add(db_session, actor, "Southrigde Video Partners")

    [dup] = outcome.duplicates
    assert dup.contact.id == first.id
    assert any(e.startswith(("same name", "similar name")) for e in dup.evidence)


def test_free_mail_domains_are_no_evidence(db_session, actor):
    add(db_session, actor, "Alpha Ltd", email="alpha@gmail.com")

    assert add(db_session, actor, "Omega Ltd", email="omega@gmail.com").duplicates == []


def test_persons_at_one_company_are_not_duplicates_of_each_other(db_session, actor):
    acme = add(db_session, actor, "Acme", phone="+49 30 1111", email="info@acme.com").contact
    for name in ("Jane Roe", "John Doe"):
        outcome = service.add(
            db_session=db_session,
            actor=actor,
            name=name,
            type=ContactType.PERSON,
            company=acme,
            values={"email": f"{name.split()[0].lower()}@acme.com"},
        )
        assert outcome.duplicates == []


def test_same_person_typed_twice_is_caught(db_session, actor):
    acme = add(db_session, actor, "Acme").contact
    service.create(
        db_session=db_session,
        actor=actor,
        name="Jane Roe",
        type=ContactType.PERSON,
        company=acme,
        email="jane@roe.net",
    )

    outcome = service.add(
        db_session=db_session, actor=actor, name="Jane Roe", type=ContactType.PERSON, company=acme
    )

    assert [d.contact.name for d in outcome.duplicates] == ["Jane Roe"]


def test_autosearch_off_reports_nothing(db_session, actor):
    setup_service.update_marketing_setup(
        db_session=db_session, changes={"autosearch_duplicates": "no"}
    )
    add(db_session, actor, "Acme Corp", email="info@acme.com")

    assert add(db_session, actor, "Acme Corp", email="info@acme.com").duplicates == []


def test_separate_pairs_stay_separate(db_session, actor):
    first = add(db_session, actor, "Acme Corp", email="info@acme.com").contact
    second = add(db_session, actor, "Acme Corp", email="info@acme.com").contact
    assert service.duplicate_pairs(db_session=db_session)

    service.separate(db_session=db_session, contact=first, other=second)

    assert service.duplicates_of(db_session=db_session, contact=second) == []
    assert service.duplicate_pairs(db_session=db_session) == []
    with pytest.raises(InvalidInput):
        service.separate(db_session=db_session, contact=first, other=first)


def test_merge_moves_everything_and_deletes_the_duplicate(db_session, actor):
    setup_service.create_salesperson(
        db_session=db_session, actor=actor, code="JR", name="J", values={}
    )
    for kind in ("mailing", "relation"):
        for code in ("NEWS", "GIFT"):
            setup_service.create_code(db_session=db_session, kind=kind, code=code, description="")
    keep = add(
        db_session, actor, "Acme Corp", email="info@acme.com", mailing="NEWS", relation="NEWS"
    ).contact
    dup = add(
        db_session,
        actor,
        "ACME Corporation",
        email="sales@acme.com",
        city="Berlin",
        mailing="NEWS,GIFT",
        phone="+49 30 99",
        alt_email="old@acme.com",
    ).contact
    jane = service.create(
        db_session=db_session, actor=actor, name="Jane Roe", type=ContactType.PERSON, company=dup
    )
    entry = _interaction(db_session, dup)
    opp = _opportunity(db_session, dup)
    task = _task(db_session, dup)

    moved = service.merge(
        db_session=db_session, actor=actor, keep=keep, duplicate=dup, take=["phone"]
    )

    db_session.expire_all()
    assert db_session.get(Contact, dup.id) is None
    assert (entry.contact_id, opp.contact_id, task.contact_id) == (keep.id,) * 3
    assert (jane.company_id, jane.company_name) == (keep.id, "Acme Corp")
    assert service.classifications(db_session, keep)["mailing"] == ["GIFT", "NEWS"]
    assert {a.email for a in keep.alt_emails} == {"sales@acme.com", "old@acme.com"}
    assert (keep.city, keep.phone) == ("Berlin", "+49 30 99")
    assert moved["interaction_log_entry"] >= 1 and moved["contact"] == 1
    assert service.resolve(db_session=db_session, name="sales@acme.com").id == keep.id
    for table in (ContactSearchWord, DuplicateSearchString):
        left = select(func.count()).select_from(table).where(table.contact_id == dup.id)
        assert db_session.scalar(left) == 0


def test_merge_refuses_what_cannot_be_one(db_session, actor):
    acme = add(db_session, actor, "Acme").contact
    jane = service.create(
        db_session=db_session, actor=actor, name="Jane", type=ContactType.PERSON, company=acme
    )

    with pytest.raises(Conflict, match="is a company"):
        service.merge(db_session=db_session, actor=actor, keep=acme, duplicate=jane, take=[])
    with pytest.raises(InvalidInput, match="itself"):
        service.merge(db_session=db_session, actor=actor, keep=acme, duplicate=acme, take=[])
    with pytest.raises(InvalidInput, match="field a merge can take") as error:
        service.merge(
            db_session=db_session, actor=actor, keep=acme, duplicate=acme, take=["colour"]
        )
    assert error.value.field == "take"


def test_merge_follows_every_foreign_key_to_contacts(db_session, actor):
    # Tables of later areas are found through the metadata, not a list kept by hand.
    from crm.contacts.duplicates import contact_references

    names = {(table.name, column.name) for table, column in contact_references()}

    assert {
        ("interaction_log_entry", "contact_id"),
        ("opportunity_entry", "contact_id"),
        ("task", "company_id"),
        ("contact", "company_id"),
    } <= names
    assert db_session.scalars(select(Contact)).all() == []

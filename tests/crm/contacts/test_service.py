"""Contact rules: defaults, inheritance, types, classifications, privacy and deletion."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from crm.contacts import service
from crm.contacts.models import Contact, ContactSearchWord, ContactType, DuplicateSearchString
from crm.errors import Ambiguous, Conflict, InvalidInput, NotFound
from crm.interactions.models import InteractionGroup, InteractionLogEntry, InteractionTemplate
from crm.opportunities.models import Opportunity, SalesCycle
from crm.setup import service as setup_service
from crm.tasks.models import Task


def company(db_session, actor, name="Acme Corp", **values):
    return service.create(db_session=db_session, actor=actor, name=name, values=values)


def person(db_session, actor, name, of, **values):
    return service.create(
        db_session=db_session,
        actor=actor,
        name=name,
        type=ContactType.PERSON,
        company=of,
        values=values,
    )


@pytest.fixture
def salespeople(db_session, actor):
    for code in ("JR", "KW"):
        setup_service.create_salesperson(
            db_session=db_session, actor=actor, code=code, name=f"Sales {code}", values={}
        )
    for kind, code in (
        ("territory", "NORTH"),
        ("territory", "SOUTH"),
        ("relation", "CUST"),
        ("industry", "SOFT"),
        ("mailing", "NEWS"),
        ("job", "IT"),
        ("level", "EXEC"),
    ):
        setup_service.create_code(db_session=db_session, kind=kind, code=code, description="")


def test_new_contact_takes_the_setup_defaults(db_session, actor, salespeople):
    setup_service.update_marketing_setup(
        db_session=db_session,
        changes={
            "default_salesperson": "JR",
            "default_country": "DE",
            "default_territory": "north",
        },
    )

    acme = company(db_session, actor)

    assert (acme.salesperson, acme.country, acme.territory) == ("JR", "DE", "NORTH")
    assert acme.no.startswith("CT")


def test_person_inherits_from_its_company_over_the_defaults(db_session, actor, salespeople):
    setup_service.update_marketing_setup(db_session=db_session, changes={"default_country": "GB"})
    acme = company(
        db_session,
        actor,
        salesperson="KW",
        country="DE",
        city="Berlin",
        address="Main St 1",
        phone="+49 30 123456",
        email="info@acme.com",
    )

    jane = person(db_session, actor, "Jane Mary Roe", acme, email="jane@acme.com")

    assert (jane.salesperson, jane.country, jane.city, jane.address) == (
        "KW",
        "DE",
        "Berlin",
        "Main St 1",
    )
    assert jane.phone == "+49 30 123456"
    assert jane.email == "jane@acme.com"  # her own address, never the company's
    assert (jane.first_name, jane.middle_name, jane.surname) == ("Jane", "Mary", "Roe")
    assert jane.company_name == "Acme Corp"


def test_switched_off_inheritance_is_respected(db_session, actor, salespeople):
    setup_service.update_marketing_setup(
        db_session=db_session, changes={"inherit_address": "no", "inherit_salesperson": "no"}
    )
    acme = company(db_session, actor, salesperson="KW", city="Berlin")

    jane = person(db_session, actor, "Jane Roe", acme)

    assert jane.city is None and jane.salesperson is None


def test_company_change_follows_only_where_the_person_kept_the_old_value(
    db_session, actor, salespeople
):
    acme = company(
        db_session, actor, salesperson="KW", phone="+49 30 1111", city="Berlin", address="Main St 1"
    )
    kept = person(db_session, actor, "Jane Roe", acme)
    own = person(
        db_session, actor, "John Doe", acme, salesperson="JR", phone="+49 30 2222", city="Hamburg"
    )

    outcome = service.update(
        db_session=db_session,
        actor=actor,
        contact=acme,
        values={"salesperson": "JR", "phone": "+49 30 9999", "city": "Munich", "name": "Acme AG"},
    )

    assert outcome.persons_updated == 2
    assert (kept.salesperson, kept.phone, kept.city, kept.address) == (
        "JR",
        "+49 30 9999",
        "Munich",
        "Main St 1",
    )
    assert (own.salesperson, own.phone, own.city) == ("JR", "+49 30 2222", "Hamburg")
    assert own.company_name == kept.company_name == "Acme AG"


def test_address_moves_only_when_the_whole_address_was_the_companys(db_session, actor):
    acme = company(db_session, actor, address="Main St 1", city="Berlin", post_code="10115")
    moved_in = person(db_session, actor, "Jane Roe", acme, address="Side St 2")

    service.update(db_session=db_session, actor=actor, contact=acme, values={"city": "Bonn"})

    assert (moved_in.address, moved_in.city) == ("Side St 2", "Berlin")


def test_person_moving_company_takes_the_new_companys_values(db_session, actor, salespeople):
    acme = company(db_session, actor, salesperson="KW", city="Berlin")
    globex = company(db_session, actor, "Globex", salesperson="JR", city="Paris")
    jane = person(db_session, actor, "Jane Roe", acme)

    service.update(db_session=db_session, actor=actor, contact=jane, values={"company": "globex"})

    assert (jane.company_id, jane.company_name, jane.salesperson, jane.city) == (
        globex.id,
        "Globex",
        "JR",
        "Paris",
    )


def test_invalid_values_name_the_field(db_session, actor):
    acme = company(db_session, actor)
    cases = {
        "email": "not-an-address",
        "phone": "call me",
        "salesperson": "NOBODY",
        "territory": "MARS",
        "country": "Germany!",
        "exclude": "perhaps",
        "correspondence": "pigeon",
    }
    for key, value in cases.items():
        with pytest.raises(InvalidInput) as error:
            service.update(db_session=db_session, actor=actor, contact=acme, values={key: value})
        assert error.value.field == key, key


def test_unknown_field_lists_the_known_ones(db_session, actor):
    with pytest.raises(InvalidInput, match="no field colour") as error:
        service.update(
            db_session=db_session,
            actor=actor,
            contact=company(db_session, actor),
            values={"colour": "red"},
        )
    assert "email" in error.value.hint


def test_classifications_follow_company_and_person_rules(db_session, actor, salespeople):
    acme = company(db_session, actor, relation="CUST", industry="soft", mailing="NEWS")
    jane = person(db_session, actor, "Jane Roe", acme, job="IT", level="EXEC")

    assert service.classifications(db_session, acme) == {
        "relation": ["CUST"],
        "industry": ["SOFT"],
        "mailing": ["NEWS"],
        "job": [],
    }
    assert service.classifications(db_session, jane)["job"] == ["IT"]
    with pytest.raises(InvalidInput, match="company contacts only") as error:
        service.update(
            db_session=db_session, actor=actor, contact=jane, values={"relation": "CUST"}
        )
    assert error.value.field == "relation"
    with pytest.raises(InvalidInput, match="person contacts only"):
        service.update(db_session=db_session, actor=actor, contact=acme, values={"job": "IT"})
    with pytest.raises(InvalidInput, match="persons only"):
        service.update(db_session=db_session, actor=actor, contact=acme, values={"level": "EXEC"})
    with pytest.raises(InvalidInput, match="no industry group 'NOPE'"):
        service.update(
            db_session=db_session, actor=actor, contact=acme, values={"industry": "NOPE"}
        )


def test_lists_are_set_added_to_and_removed_from(db_session, actor, salespeople):
    setup_service.create_code(db_session=db_session, kind="mailing", code="GIFT", description="")
    acme = company(db_session, actor, mailing="NEWS")

    service.update(db_session=db_session, actor=actor, contact=acme, values={"mailing": "+GIFT"})
    assert service.classifications(db_session, acme)["mailing"] == ["GIFT", "NEWS"]
    service.update(db_session=db_session, actor=actor, contact=acme, values={"mailing": "-NEWS"})
    assert service.classifications(db_session, acme)["mailing"] == ["GIFT"]
    service.update(db_session=db_session, actor=actor, contact=acme, values={"mailing": ""})
    assert service.classifications(db_session, acme)["mailing"] == []


def test_alternative_emails_are_found_like_the_primary(db_session, actor):
    acme = company(db_session, actor, email="info@acme.com")

    service.update(
        db_session=db_session, actor=actor, contact=acme, values={"alt_email": "+Sales@Acme.com"}
    )

    assert service.resolve(db_session=db_session, name="sales@acme.com") is acme
    with pytest.raises(InvalidInput):
        service.update(
            db_session=db_session, actor=actor, contact=acme, values={"alt_email": "bad"}
        )
    service.update(
        db_session=db_session, actor=actor, contact=acme, values={"alt_email": "-sales@acme.com"}
    )
    with pytest.raises(NotFound):
        service.resolve(db_session=db_session, name="sales@acme.com")


def test_minor_is_privacy_blocked_until_parental_consent(db_session, actor):
    jane = service.create(
        db_session=db_session, actor=actor, name="Jane Roe", type=ContactType.PERSON
    )

    service.update(db_session=db_session, actor=actor, contact=jane, values={"minor": "yes"})
    assert jane.privacy_blocked
    with pytest.raises(InvalidInput, match="parental consent") as error:
        service.update(
            db_session=db_session, actor=actor, contact=jane, values={"privacy_blocked": "no"}
        )
    assert error.value.field == "privacy_blocked"

    service.update(
        db_session=db_session,
        actor=actor,
        contact=jane,
        values={"privacy_blocked": "no", "parental_consent": "yes"},
    )
    assert not jane.privacy_blocked and jane.parental_consent


def test_exclude_from_segments_is_kept(db_session, actor):
    acme = company(db_session, actor, exclude="yes")

    assert acme.exclude_from_segments


def test_company_with_persons_cannot_become_a_person(db_session, actor):
    acme = company(db_session, actor)
    person(db_session, actor, "Jane Roe", acme)

    with pytest.raises(Conflict, match="has 1 persons"):
        service.update(db_session=db_session, actor=actor, contact=acme, values={"type": "person"})


def test_company_with_vat_cannot_become_a_person(db_session, actor):
    acme = company(db_session, actor, vat="DE 123 456 789")

    assert acme.vat_registration_no == "DE123456789"
    with pytest.raises(Conflict, match="VAT"):
        service.update(db_session=db_session, actor=actor, contact=acme, values={"type": "person"})


def test_person_with_job_responsibilities_cannot_become_a_company(db_session, actor, salespeople):
    jane = person(db_session, actor, "Jane Roe", company(db_session, actor), job="IT")

    with pytest.raises(Conflict, match="job responsibilities"):
        service.update(db_session=db_session, actor=actor, contact=jane, values={"type": "company"})


def test_type_cannot_change_once_there_are_interactions(db_session, actor, salespeople):
    jane = service.create(
        db_session=db_session, actor=actor, name="Jane Roe", type=ContactType.PERSON
    )
    _interaction(db_session, jane)

    with pytest.raises(Conflict, match="1 interaction[^s]"):
        service.update(db_session=db_session, actor=actor, contact=jane, values={"type": "company"})


def test_person_becomes_a_company_and_leaves_its_company(db_session, actor):
    jane = person(db_session, actor, "Jane Roe", company(db_session, actor))

    service.update(db_session=db_session, actor=actor, contact=jane, values={"type": "company"})

    assert jane.is_company and jane.company_id is None


def test_resolve_by_number_email_and_unambiguous_name(db_session, actor):
    acme = company(db_session, actor, email="info@acme.com")
    company(db_session, actor, "Acme Labs")

    assert service.resolve(db_session=db_session, name=acme.no.lower()) is acme
    assert service.resolve(db_session=db_session, name="INFO@acme.com") is acme
    assert service.resolve(db_session=db_session, name="acme corp") is acme
    with pytest.raises(Ambiguous) as error:
        service.resolve(db_session=db_session, name="acme")
    assert len(error.value.choices) == 2
    with pytest.raises(NotFound):
        service.resolve(db_session=db_session, name="zzz")


def test_manual_numbers_need_the_series_to_allow_them(db_session, actor):
    with pytest.raises(InvalidInput, match="manual"):
        service.create(db_session=db_session, actor=actor, name="Acme", no="ACME1")

    setup_service.update_series(
        db_session=db_session, code="CONTACT", values={"allow_manual": "yes"}
    )
    acme = service.create(db_session=db_session, actor=actor, name="Acme", no="acme1")

    assert acme.no == "ACME1"
    with pytest.raises(Conflict, match="taken"):
        service.create(db_session=db_session, actor=actor, name="Acme 2", no="ACME1")


def _interaction(db_session, contact, **extra):
    if db_session.get(InteractionTemplate, "CALL") is None:
        db_session.add(InteractionGroup(code="PHONE", description=""))
        db_session.add(InteractionTemplate(code="CALL", group_code="PHONE"))
        db_session.flush()
    entry = InteractionLogEntry(
        contact_id=contact.id,
        company_id=contact.company_id or contact.id,
        occurred_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
        template_code="CALL",
        group_code="PHONE",
        salesperson="JR",
        **extra,
    )
    db_session.add(entry)
    db_session.flush()
    return entry


def _opportunity(db_session, contact, status="in_progress"):
    if db_session.get(SalesCycle, "STD") is None:
        db_session.add(SalesCycle(code="STD"))
        db_session.flush()
    opp = Opportunity(
        no=f"OP{contact.id:06d}{status[:2]}",
        description="Deal",
        salesperson="JR",
        contact_id=contact.id,
        company_id=contact.company_id,
        sales_cycle="STD",
        creation_date=dt.date(2026, 1, 5),
        status=status,
    )
    db_session.add(opp)
    db_session.flush()
    return opp


def _task(db_session, contact, closed=False):
    task = Task(
        no=f"TK{contact.id:06d}{int(closed)}",
        description="Call back",
        due_date=dt.date(2026, 1, 9),
        contact_id=contact.id,
        closed=closed,
        salesperson="JR",
    )
    db_session.add(task)
    db_session.flush()
    return task


def test_open_tasks_and_opportunities_protect_a_contact(db_session, actor, salespeople):
    acme = company(db_session, actor)
    jane = person(db_session, actor, "Jane Roe", acme)
    _task(db_session, jane)

    with pytest.raises(Conflict, match="1 open tasks"):
        service.remove(db_session=db_session, actor=actor, contact=acme)

    globex = company(db_session, actor, "Globex")
    _opportunity(db_session, globex)
    with pytest.raises(Conflict, match="1 open opportunities"):
        service.remove(db_session=db_session, actor=actor, contact=globex)


def test_deleting_a_person_moves_its_history_to_the_company(db_session, actor, salespeople):
    acme = company(db_session, actor)
    jane = person(db_session, actor, "Jane Roe", acme)
    entry = _interaction(db_session, jane)
    won = _opportunity(db_session, jane, status="won")
    done = _task(db_session, jane, closed=True)

    deleted = service.remove(db_session=db_session, actor=actor, contact=jane)

    db_session.expire_all()
    assert deleted.relinked["interaction_log_entry"] == 1
    assert entry.contact_id == won.contact_id == done.contact_id == acme.id
    assert service.get_by_no(db_session=db_session, no=deleted.no) is None


def test_deleting_a_company_deletes_its_persons_and_unlinks_history(db_session, actor, salespeople):
    acme = company(db_session, actor)
    jane = person(db_session, actor, "Jane Roe", acme)
    own = _interaction(db_session, acme)
    hers = _interaction(db_session, jane)
    lost = _opportunity(db_session, acme, status="lost")

    deleted = service.remove(db_session=db_session, actor=actor, contact=acme)

    db_session.expire_all()
    assert deleted.persons == 1
    assert db_session.scalars(select(Contact)).all() == []
    # The search tables have no foreign key to cascade along: the delete took their rows.
    for table in (ContactSearchWord, DuplicateSearchString):
        assert db_session.scalar(select(func.count()).select_from(table)) == 0
    assert (own.contact_id, own.company_id, hers.contact_id, lost.contact_id) == (
        None,
        None,
        None,
        None,
    )

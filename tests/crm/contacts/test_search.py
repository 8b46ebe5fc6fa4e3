"""Finding contacts: ranked, tolerant of typos, by name, e-mail, phone or company."""

import pytest
from sqlalchemy import select

from crm.contacts import search, service
from crm.contacts.models import ContactSearchWord, ContactType
from crm.errors import InvalidInput
from crm.setup import service as setup_service


@pytest.fixture
def people(db_session, actor):
    def add(name, **values):
        kind = ContactType.PERSON if "company" in values else ContactType.COMPANY
        of = values.pop("company", None)
        return service.create(
            db_session=db_session, actor=actor, name=name, type=kind, company=of, values=values
        )

    acme = add("Acme Corporation", email="info@acme.com", phone="+49 30 1234567")
    globex = add("Globex GmbH", city="Berlin")
    return {
        "acme": acme,
        "globex": globex,
        "jane": add(
            "Jane Müller", company=acme, email="jane.mueller@acme.com", phone="+1 555 0100"
        ),
        "john": add("John Smith", company=globex),
        "jon": add("Jon Smyth", company=globex),
        "add": add,
    }


def names(db_session, text, **filters):
    return [hit.name for hit in service.find(db_session=db_session, text=text, **filters)]


def test_exact_name_ranks_first(db_session, people):
    assert names(db_session, "john smith")[0] == "John Smith"


def test_typos_are_forgiven(db_session, people):
    assert names(db_session, "jonh smiht")[0] == "John Smith"
    assert "Acme Corporation" in names(db_session, "acme corportion")
    assert names(db_session, "globx")[0] == "Globex GmbH"


def test_accents_and_prefixes_match(db_session, people):
    assert names(db_session, "muller")[0] == "Jane Müller"
    assert names(db_session, "glob")[0] == "Globex GmbH"


def test_by_email_phone_and_company(db_session, people):
    assert names(db_session, "jane.mueller@acme.com")[0] == "Jane Müller"
    assert names(db_session, "+1 (555) 0100")[0] == "Jane Müller"
    found = names(db_session, "acme")
    assert found[0] == "Acme Corporation" and "Jane Müller" in found


def test_filters_narrow_the_result(db_session, people, actor):
    assert names(db_session, "acme", type="company") == ["Acme Corporation"]
    assert set(names(db_session, "smith", company="globex")) <= {"John Smith", "Jon Smyth"}
    setup_service.create_salesperson(
        db_session=db_session, actor=actor, code="JR", name="J R", values={}
    )
    people["add"]("Initech", salesperson="JR")
    assert names(db_session, "", salesperson="jr") == ["Initech"]


def test_nothing_found_is_an_empty_list(db_session, people):
    assert names(db_session, "zzzzqqq") == []


def test_bad_filter_is_refused(db_session, people):
    with pytest.raises(InvalidInput, match="not a type"):
        names(db_session, "acme", type="robot")


def test_changes_are_findable_at_once(db_session, actor, people):
    service.update(
        db_session=db_session, actor=actor, contact=people["globex"], values={"name": "Initrode"}
    )

    assert names(db_session, "initrode")[0] == "Initrode"
    assert "John Smith" in names(db_session, "initrode")  # the company name moved to persons
    assert "Globex" not in " ".join(names(db_session, "globex"))


def test_only_the_words_that_changed_are_written_again(db_session, actor, people):
    globex = people["globex"]
    stored = select(ContactSearchWord.word).where(ContactSearchWord.contact_id == globex.id)
    before = set(db_session.scalars(stored))

    service.update(db_session=db_session, actor=actor, contact=globex, values={"city": "Paris"})
    assert set(db_session.scalars(stored)) == before

    service.update(
        db_session=db_session, actor=actor, contact=globex, values={"phone": "+1 555 0100 999"}
    )
    after = set(db_session.scalars(stored))
    assert "5550100999"[-9:] in after and len(after - before) == 1


def test_a_new_contact_is_found_by_its_alternative_email(db_session, people):
    people["add"]("Umbrella Corp", email="info@umbrella.example", alt_email="old@umbrella.example")

    assert names(db_session, "old@umbrella.example") == ["Umbrella Corp"]
    assert names(db_session, "old")[0] == "Umbrella Corp"


def test_a_rare_word_outweighs_words_every_contact_has(db_session, people, monkeypatch):
    # Read only 5 contacts per typed word, as if "Harbor" and "Traders" were half the table.
    monkeypatch.setattr(search, "SCANNED", 5)
    monkeypatch.setattr(search, "_RANKED", {})
    for index in range(30):
        people["add"](f"Harbor Traders {index}")

    hits = service.find(db_session=db_session, text="Harbor Traders 17")
    assert hits[0].name == "Harbor Traders 17"
    assert service.find(db_session=db_session, text="Harbr Tradres 23")[0].name == (
        "Harbor Traders 23"
    )


def test_two_letters_find_the_word_and_its_extensions(db_session, people):
    people["add"]("Ox Logistics")

    assert {hit.name for hit in service.find(db_session=db_session, text="ox")} == {"Ox Logistics"}
    assert "Globex GmbH" in {hit.name for hit in service.find(db_session=db_session, text="gl")}

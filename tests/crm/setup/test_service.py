"""Setup rules: salespeople, teams, code lists, domains, number series, marketing setup."""

import pytest

from crm.contacts import service as contact_service
from crm.errors import Conflict, InvalidInput, NotFound
from crm.setup import service


def add(db_session, actor, code="JR", name="Jane Roe", **values):
    return service.create_salesperson(
        db_session=db_session, actor=actor, code=code, name=name, values=values
    )


def test_salesperson_is_added_with_every_field(db_session, actor):
    person = add(
        db_session,
        actor,
        "jr",
        email="Jane@Example.com",
        slack="u024be7lh",
        role="admin",
        time_zone="Europe/Berlin",
        phone="+49 30 1",
    )

    assert (person.code, person.search_email, person.slack_user_id, person.role) == (
        "JR",
        "jane@example.com",
        "U024BE7LH",
        "admin",
    )
    assert service.is_admin(person) and person.created_by == "test"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "nope", "not a valid e-mail"),
        ("slack", "jane", "not a Slack user id"),
        ("role", "boss", "not a role"),
        ("time_zone", "Mars/Olympus", "not a time zone"),
        ("phone", "call me", "not a phone number"),
        ("blocked", "maybe", "yes or no"),
    ],
)
def test_bad_salesperson_values_name_the_field(db_session, actor, field, value, message):
    with pytest.raises(InvalidInput, match=message) as error:
        add(db_session, actor, **{field: value})
    assert error.value.field == field


def test_codes_emails_and_slack_ids_are_unique(db_session, actor):
    add(db_session, actor, email="jane@example.com", slack="U1234")
    with pytest.raises(Conflict, match="already exists"):
        add(db_session, actor)
    with pytest.raises(Conflict, match="already has this email"):
        add(db_session, actor, "KW", email="JANE@example.com")
    with pytest.raises(Conflict, match="already has this slack"):
        add(db_session, actor, "KW", slack="U1234")
    with pytest.raises(InvalidInput, match="usable code"):
        add(db_session, actor, "no spaces")


def test_the_last_admin_cannot_be_blocked_or_demoted(db_session, actor):
    add(db_session, actor, role="admin")
    for change in ({"blocked": "yes"}, {"role": "member"}):
        with pytest.raises(Conflict, match="last active admin"):
            service.update_salesperson(db_session=db_session, actor=actor, code="jr", values=change)
    add(db_session, actor, "KW", role="admin")

    blocked = service.update_salesperson(
        db_session=db_session, actor=actor, code="JR", values={"blocked": "yes"}
    )
    assert blocked.blocked and not service.is_admin(blocked)


def test_blocked_salesperson_gets_no_new_contacts(db_session, actor):
    add(db_session, actor, "KW")
    service.update_salesperson(
        db_session=db_session, actor=actor, code="KW", values={"blocked": "yes"}
    )

    with pytest.raises(InvalidInput, match="blocked"):
        contact_service.create(
            db_session=db_session, actor=actor, name="Acme", values={"salesperson": "KW"}
        )


def test_teams_have_members(db_session, actor):
    add(db_session, actor)
    service.create_team(db_session=db_session, code="emea", name="Europe")

    team = service.set_team_member(
        db_session=db_session, team="EMEA", salesperson="jr", member=True
    )
    assert [m.salesperson_code for m in team.members] == ["JR"]
    team = service.set_team_member(
        db_session=db_session, team="EMEA", salesperson="jr", member=False
    )
    assert team.members == []
    with pytest.raises(NotFound, match="no team"):
        service.set_team_member(db_session=db_session, team="NA", salesperson="JR", member=True)
    with pytest.raises(Conflict):
        service.create_team(db_session=db_session, code="EMEA", name="Again")


def test_code_lists_refuse_deleting_codes_in_use(db_session, actor):
    service.create_code(db_session=db_session, kind="industry", code="soft", description="Software")
    contact_service.create(
        db_session=db_session, actor=actor, name="Acme", values={"industry": "SOFT"}
    )

    assert [c.code for c in service.list_codes(db_session=db_session, kind="industry")] == ["SOFT"]
    with pytest.raises(Conflict, match="still used"):
        service.delete_code(db_session=db_session, kind="industry", code="SOFT")
    service.create_code(db_session=db_session, kind="mailing", code="NEWS", description="")
    service.delete_code(db_session=db_session, kind="mailing", code="news")
    assert service.list_codes(db_session=db_session, kind="mailing") == []
    with pytest.raises(InvalidInput, match="no code list"):
        service.list_codes(db_session=db_session, kind="colour")


def test_internal_domains(db_session):
    assert service.create_domain(db_session=db_session, domain="@Cronus.COM") == "cronus.com"
    with pytest.raises(Conflict):
        service.create_domain(db_session=db_session, domain="cronus.com")
    with pytest.raises(InvalidInput, match="not an e-mail domain"):
        service.create_domain(db_session=db_session, domain="not a domain")
    service.delete_domain(db_session=db_session, domain="cronus.com")
    assert service.list_domains(db_session=db_session) == []
    with pytest.raises(NotFound):
        service.delete_domain(db_session=db_session, domain="cronus.com")


def test_number_series_move_only_forward(db_session):
    series = service.update_series(
        db_session=db_session, code="contact", values={"last_no": "500", "allow_manual": "yes"}
    )
    assert (series.last_no, series.allow_manual) == (500, True)
    with pytest.raises(InvalidInput, match="only move forward"):
        service.update_series(db_session=db_session, code="CONTACT", values={"last_no": "10"})
    with pytest.raises(NotFound):
        service.update_series(db_session=db_session, code="NOPE", values={})


def test_autosearch_on_forces_maintain_on_and_back(db_session):
    setup = service.update_marketing_setup(
        db_session=db_session, changes={"maintain_search_strings": "no"}
    )
    assert not setup.autosearch_duplicates

    setup = service.update_marketing_setup(
        db_session=db_session, changes={"autosearch_duplicates": "yes"}
    )
    assert setup.maintain_search_strings
    with pytest.raises(InvalidInput, match="needs the search strings") as error:
        service.update_marketing_setup(
            db_session=db_session,
            changes={"autosearch_duplicates": "yes", "maintain_search_strings": "no"},
        )
    assert error.value.field == "maintain_search_strings"


@pytest.mark.parametrize("value", ["0", "101", "many"])
def test_search_hit_percent_is_one_to_a_hundred(db_session, value):
    with pytest.raises(InvalidInput) as error:
        service.update_marketing_setup(db_session=db_session, changes={"search_hit_pct": value})
    assert error.value.field == "search_hit_pct"


def test_marketing_defaults_are_checked(db_session):
    with pytest.raises(InvalidInput) as error:
        service.update_marketing_setup(db_session=db_session, changes={"default_salesperson": "X"})
    assert error.value.field == "default_salesperson"
    with pytest.raises(InvalidInput, match="no setting"):
        service.update_marketing_setup(db_session=db_session, changes={"colour": "red"})
    setup = service.update_marketing_setup(
        db_session=db_session,
        changes={"default_correspondence": "hard_copy", "search_hit_pct": "75%"},
    )
    assert (setup.default_correspondence, setup.search_hit_pct) == ("hard_copy", 75)

"""Modals: opened by buttons and commands, filled from the CRM, submitted through the grammar."""

import json

from sqlalchemy import func, select

from crm.contacts.models import Contact
from tests.handlers.slack.conftest import (
    MEMBER,
    button,
    interactive,
    make_app,
    selected,
    slash,
    submission,
    text_input,
)


def count(db_session, name):
    return db_session.scalar(select(func.count()).select_from(Contact).where(Contact.name == name))


def new_contact(name, email=None, kind="company", company=None):
    values = {"type": selected(kind, "radio_buttons"), "name": text_input(name)}
    if email:
        values["email"] = text_input(email)
    if company:
        values["company"] = selected(company, "external_select")
    return values


def test_a_button_without_the_details_opens_the_form(slack_app, fake_slack):
    interactive(slack_app, button(fake_slack, "contact add"))

    view = fake_slack.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == "contact-new"
    assert [b["block_id"] for b in view["blocks"]][:3] == ["type", "name", "company"]


def test_a_log_form_is_prefilled_and_lists_the_templates(slack_app, fake_slack):
    slash(slack_app, fake_slack, "log CT000001")

    view = fake_slack.wait_for("views.open")[0].args["view"]
    blocks = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert blocks["contact"]["initial_option"]["value"] == "CT000001"
    assert [o["value"] for o in blocks["template"]["options"]] == ["CALL", "CHAT"]
    assert json.loads(view["private_metadata"]) == {"channel": "C0001"}


def test_close_forms_offer_the_close_codes_of_their_type(slack_app, fake_slack, db_session):
    from crm.opportunities.models import CloseOpportunityCode

    db_session.add_all(
        [
            CloseOpportunityCode(code="PRICE", description="Too dear", type="lost"),
            CloseOpportunityCode(code="SIGNED", description="Signed", type="won"),
        ]
    )
    db_session.commit()
    slash(slack_app, fake_slack, "opp lose OP000001")

    view = fake_slack.wait_for("views.open")[0].args["view"]
    code = next(b for b in view["blocks"] if b["block_id"] == "code")
    assert [o["value"] for o in code["element"]["options"]] == ["PRICE"]


def test_a_submitted_form_runs_its_command(slack_app, fake_slack, db_session):
    response = interactive(
        slack_app, submission("contact-new", new_contact("Formed Ltd", "hi@formed.test"))
    )

    assert response.status == 200 and not response.body
    assert count(db_session, "Formed Ltd") == 1
    posted = fake_slack.wait_for("chat.postEphemeral")[0].args
    assert (posted["channel"], posted["user"]) == ("C0001", MEMBER)
    assert "Added company" in json.dumps(posted["blocks"])


def test_an_invalid_value_is_marked_on_its_field(slack_app, fake_slack, db_session):
    response = interactive(slack_app, submission("contact-new", new_contact("Bad", "not-mail")))

    body = json.loads(response.body)
    assert body["response_action"] == "errors"
    assert "not a valid e-mail address" in body["errors"]["email"]
    assert count(db_session, "Bad") == 0


def test_a_person_needs_a_company(slack_app, fake_slack, db_session):
    response = interactive(slack_app, submission("contact-new", new_contact("Solo", kind="person")))

    assert "company" in json.loads(response.body)["errors"]


def test_a_corrected_form_can_be_sent_again_but_never_twice(slack_app, fake_slack, db_session):
    interactive(slack_app, submission("contact-new", new_contact("Twice", "bad")))
    interactive(slack_app, submission("contact-new", new_contact("Twice", "ok@twice.test")))
    again = interactive(slack_app, submission("contact-new", new_contact("Twice", "ok@twice.test")))

    assert again.status == 200 and not again.body
    assert count(db_session, "Twice") == 1


def test_the_company_select_searches_companies_live(slack_app, fake_slack, db_session):
    for name in ("Acme Corp", "Acme Labs", "Other"):
        slash(slack_app, fake_slack, f'contact add "{name}"', trigger=name)
    slash(slack_app, fake_slack, 'contact add "Ann Acme" company="Acme Corp"', trigger="p")
    payload = {
        "type": "block_suggestion",
        "user": {"id": MEMBER},
        "team": {"id": "T0001"},
        "api_app_id": "A0001",
        "token": "legacy",
        "action_id": "company",
        "block_id": "company",
        "value": "acme",
        "view": {"id": "V1", "callback_id": "contact-new", "type": "modal"},
    }

    response = interactive(slack_app, payload)

    labels = [o["text"]["text"] for o in json.loads(response.body)["options"]]
    assert len(labels) == 2 and all("Acme" in label for label in labels)


def test_the_contact_select_uses_contact_find_when_the_grammar_has_it(
    engine, sessions, registry, fake_slack, people, tmp_path
):
    if "find" not in registry.verbs("contact"):
        registry.command(
            "contact",
            "find",
            "tests.handlers.slack.probes:find",
            summary="find",
            usage="contact find <words>",
            options=("type", "limit"),
        )
    app = make_app(engine, sessions, registry, fake_slack, tmp_path)
    slash(app, fake_slack, 'contact add "Initech"')
    payload = {
        "type": "block_suggestion",
        "user": {"id": MEMBER},
        "team": {"id": "T0001"},
        "api_app_id": "A0001",
        "token": "legacy",
        "action_id": "contact",
        "block_id": "contact",
        "value": "initech",
        "view": {"id": "V1", "callback_id": "log-interaction", "type": "modal"},
    }

    options = json.loads(interactive(app, payload).body)["options"]

    assert [o["value"] for o in options] == ["CT000001"]
    assert "Initech" in options[0]["text"]["text"]

"""The contact commands as a user types them."""

from handlers.views import Card, Choices, FileView, Message, Stack, Table
from tests.activity_seed import seed


def test_add_show_edit_and_delete(run):
    assert run('contact add "Acme Corp" email=info@acme.com city=Berlin').status == 0
    added = run('contact add "Jane Roe" company=acme email=jane@acme.com job_title=CEO')
    assert added.status == 0 and "at Acme Corp" in added.view.text

    card = run("contact show acme corp").view
    assert isinstance(card, Card)
    assert ("City", "Berlin") in card.fields
    assert ("Activity", "0 interactions, 0 open opportunities, 0 open tasks") in card.fields
    persons = card.sections[0]  # the activity timeline and statistics follow
    assert persons.rows[0][1] == "Jane Roe"

    edited = run("contact edit jane city=Bonn minor=yes")
    assert edited.status == 0
    jane = run("contact show jane").view
    assert ("Flags", "privacy blocked, minor") in jane.fields

    refused = run("contact edit jane privacy_blocked=no")
    assert refused.status == 1 and refused.view.data["field"] == "privacy_blocked"

    deleted = run("contact delete acme corp")
    assert deleted.status == 0 and deleted.view.data["persons"] == 1
    assert run("contact show jane").status == 1


def test_duplicate_on_add_is_shown_with_actions(run):
    run('contact add "Acme Corp" email=info@acme.com')

    result = run('contact add "ACME Corp." email=sales@acme.com')

    assert result.status == 0
    assert isinstance(result.view, Stack)
    done, card = result.view.items
    assert done.data["duplicates"]
    assert card.title.endswith("looks like 1 existing contact")
    assert card.actions[0].command.startswith("contact merge CT")
    assert run(card.actions[1].command).status == 0
    assert run("contact dupes").view.rows == []


def test_ambiguous_name_offers_choices(run):
    run('contact add "Acme Corp"')
    run('contact add "Acme Labs"')

    result = run("contact show acme")

    assert result.status == 1 and isinstance(result.view, Choices)
    assert len(result.view.choices) == 2


def test_bad_input_is_refused_with_the_field(run):
    for command, field in (
        ("contact add Acme email=nope", "email"),
        ("contact add Acme phone=abc", "phone"),
        ("contact add Acme type=robot", "type"),
        ("contact find acme limit=many", "limit"),
    ):
        result = run(command)
        assert result.status == 1, command
        assert result.view.data.get("field") == field, command
    assert run("contact show nobody").status == 1
    assert run("contact edit").status == 1


def test_find_dupes_merge(run):
    run('contact add "Globex GmbH" email=info@globex.com')
    run('contact add "Globex" email=sales@globex.com')
    run('contact add "John Smith" company="globex gmbh"')

    found = run("contact find globx")
    assert isinstance(found.view, Table) and found.view.rows[0][1].startswith("Globex")
    assert run("contact find zzzzz").view.note.startswith("Nothing found")

    pairs = run("contact dupes").view
    assert len(pairs.rows) == 1
    check = run("contact dupes globex gmbh").view
    assert isinstance(check, Card)

    merged = run("contact merge CT000001 CT000002 take=name")
    assert merged.status == 0, merged.view
    assert run("contact show CT000001").view.title.endswith("Globex")
    assert run("contact merge CT000001 CT000001").status == 1


def test_import_and_export(run, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("name,email\nAcme,info@acme.com\nBad,nope\n", encoding="utf-8")

    refused = run(f"contact import {path}")
    assert refused.status == 1 and "line 3" in refused.view.text

    dry = run(f"contact import {path} dry_run=yes")
    assert dry.status == 0 and isinstance(dry.view, Stack)
    assert dry.view.items[1].rows == [["3", "'nope' is not a valid e-mail address"]]

    done = run(f"contact import {path} on_error=skip")
    assert done.status == 0 and done.view.items[0].data["created"] == 1

    exported = run(f"contact export {tmp_path / 'out.csv'}")
    assert isinstance(exported.view, FileView)
    assert "Acme" in exported.view.path.read_text(encoding="utf-8")
    default = run("contact export type=company")
    assert default.view.path.name.startswith("contacts-")
    assert isinstance(run("contact import missing.csv").view, Message)


def test_the_card_counts_one_of_a_kind_in_the_singular(run, db_session, actor):
    seed(db_session, actor)  # Jane Roe at Acme Corp, salespeople ANN and BOB
    assert run('task add "Call back" contact=jane due=tomorrow', user="BOB").status == 0

    card = run("contact show jane").view

    assert ("Activity", "0 interactions, 0 open opportunities, 1 open task") in card.fields

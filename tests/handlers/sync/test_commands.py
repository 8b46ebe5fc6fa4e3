"""The sync commands as an admin types them in the console or in Slack."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from bot.dataverse import DataverseClient
from crm.audit import Actor, Channel, stamp
from crm.contacts import service as contact_service
from handlers.context import Context
from handlers.dispatch import Status, execute
from tests.fakes.dataverse import FakeDataverse


@pytest.fixture
def dataverse() -> Iterator[FakeDataverse]:
    fake = FakeDataverse().start()
    yield fake
    fake.stop()


@pytest.fixture
def sync_run(sessions, registry, tmp_path: Path, dataverse: FakeDataverse):
    """Run a command with a Dataverse client in its context, as bot wires it."""
    client = DataverseClient(dataverse.url, lambda: "token", sleep=lambda _: None)

    def run(command: str, *, admin: bool = True, connected: bool = True):
        def make_context(session: Session) -> Context:
            return Context(
                session=session,
                actor=Actor(Channel.CONSOLE, None, "admin"),
                output_dir=tmp_path,
                is_admin=admin,
                dataverse=client if connected else None,
            )

        return execute(command, registry=registry, sessions=sessions, make_context=make_context)

    yield run
    client.close()


def text_of(view) -> str:
    return str(view.to_dict())


def test_sync_is_for_admins(sync_run):
    result = sync_run("sync status", admin=False)
    assert result.status == Status.REFUSED and "admins" in result.view.text


def test_run_without_a_connection_says_how_to_configure(sync_run):
    result = sync_run("sync run", connected=False)
    assert result.status == Status.REFUSED
    assert "RAPPORT_DATAVERSE_URL" in result.view.hint


def test_full_run_status_and_log(sync_run, dataverse):
    dataverse.add("accounts", name="Globex")
    sync_run('contact add "Acme"')

    full = sync_run("sync full")
    status = sync_run("sync status")
    log = sync_run("sync log")

    assert full.status == Status.DONE
    counts = {row[0]: row[1:] for row in full.view.items[1].rows}
    assert counts["accounts"][:2] == ["2", "0"]  # inserted: one each way
    assert status.view.rows[1][:5] == ["accounts", "accounts", "both", "yes", "2"]
    assert log.view.rows[0][1] == "full"


def test_conflict_listed_and_resolved(sync_run, sessions, dataverse):
    sync_run('contact add "Acme"')
    sync_run("sync full")
    row_id = dataverse.rows("accounts")[0]["accountid"]
    with sessions.begin() as session:
        acme = contact_service.resolve(db_session=session, name="Acme")
        acme.city = "Rapportville"
        stamp(acme, Actor(Channel.SLACK, None, "U123"))
    dataverse.change("accounts", row_id, address1_city="Salesburg")

    sync_run("sync run")
    listed = sync_run("sync conflicts")
    resolved = sync_run(f"sync resolve {listed.view.keys[0]} keep=sales")
    bad = sync_run("sync resolve 999 keep=sales")

    assert listed.view.rows[0][2:6] == ["CT000001", "city", "Rapportville", "Salesburg"]
    assert "'Salesburg', set in Rapport" in resolved.view.text
    assert sync_run("sync conflicts").view.text == "No conflicts are waiting."
    assert bad.status == Status.REFUSED and "no open conflict" in bad.view.text


def test_failures_are_logged_with_their_reason(sync_run, dataverse):
    dataverse.add("contacts", firstname="Orphan", lastname="Row")
    sync_run("sync mapping accounts only_coupled=yes")
    sync_run('contact add "Acme"')
    sync_run('contact add "Jane Roe" company=Acme')

    run = sync_run("sync run")
    failures = sync_run(f"sync log {run.view.items[0].data['run']} failures=yes")

    reasons = failures.view.items[-1].rows
    assert [row[:3] for row in reasons] == [["contacts", "rapport", "CT000002"]]
    assert "not coupled" in reasons[0][5]


def test_mapping_and_field_settings(sync_run):
    card = sync_run("sync mapping accounts deletions=restore conflicts=sales")
    field = sync_run("sync field accounts phone enabled=no")
    wrong = sync_run("sync mapping accounts deletions=shred")

    assert ("Deletions", "restore") in card.view.fields
    assert "off" in field.view.text
    assert wrong.status == Status.REFUSED and wrong.view.data["field"] == "deletions"


def test_couple_and_uncouple_by_hand(sync_run, dataverse):
    row_id = dataverse.add("accounts", name="Initech Sales", telephone1="555 0142")
    sync_run('contact add "Initech"')

    coupled = sync_run(f"sync couple Initech {row_id}")
    again = sync_run(f"sync couple Initech {row_id}")
    card = sync_run("contact show Initech")
    uncoupled = sync_run("sync uncouple Initech")

    assert coupled.status == Status.DONE, text_of(coupled.view)
    assert again.status == Status.REFUSED and "already coupled" in again.view.text
    assert dataverse.row("accounts", row_id)["name"] == "Initech"
    assert ("Phone", "555 0142") in card.view.fields
    assert uncoupled.status == Status.DONE
    assert len(dataverse.rows("accounts")) == 1


def test_couple_by_match(sync_run, dataverse):
    row_id = dataverse.add("accounts", name="Umbrella")
    sync_run('contact add "Umbrella"')

    result = sync_run("sync couple Umbrella")

    assert result.status == Status.DONE and result.view.data["remote_id"] == row_id

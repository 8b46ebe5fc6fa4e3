"""`campaign ...` commands through dispatch, with the sandboxed renderer bot passes in."""

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.audit import Actor, Channel
from crm.campaigns.models import CampaignEntry
from handlers.context import Context
from handlers.dispatch import Status, execute
from handlers.views import Card, Message, Table
from mail.templates import SandboxRenderer
from tests.crm.segments.world import build


@pytest.fixture
def world(db_session, actor):
    world = build(db_session, actor)
    db_session.commit()
    return world


@pytest.fixture
def run(sessions, registry, tmp_path: Path):
    """Run a console command with the template renderer the composition root passes."""

    def run(command: str):
        def make_context(session: Session) -> Context:
            return Context(
                session=session,
                actor=Actor(Channel.CONSOLE, "SAM", "sam"),
                output_dir=tmp_path / "output",
                renderer=SandboxRenderer(),
            )

        return execute(command, registry=registry, sessions=sessions, make_context=make_context)

    return run


def ok(run, command):
    result = run(command)
    assert result.status == Status.DONE, getattr(result.view, "text", result.view)
    return result.view


def test_campaign_from_creation_to_audience(run, world, db_session):
    created = ok(run, 'campaign new "Spring fair" start=2026-03-01 end=2026-03-31 status=1-plan')
    assert created.data["no"] == "CP0001"
    ok(run, 'segment new "Fair invitation" template=MAIL')
    ok(run, "segment add SM00001 type=person")
    ok(run, "campaign link CP0001 SM00001 target=yes")
    assert "4 target" in ok(run, "campaign activate CP0001").text
    ok(
        run,
        'campaign content CP0001 subject="Hi {{ contact.first_name }}" '
        'text="See you, {{ contact.name }}"',
    )
    preview = ok(run, "campaign preview CP0001 Ann")
    assert isinstance(preview, Card) and ("Subject", "Hi Ann") in preview.fields
    audience = ok(run, "campaign audience CP0001")
    assert isinstance(audience, Table)
    assert {row[1]: row[3] for row in audience.rows} == {
        "Bob": "no e-mail",
        "Cat": "privacy blocked",
    }
    assert audience.note.startswith("4 of 6 contacts receive the mail")
    shown = ok(run, "campaign show CP0001")
    assert ("Activated", "yes, 4 targets") in shown.fields
    ok(run, "segment log SM00001")
    stats = ok(run, "campaign stats CP0001")
    assert ["Targets contacted", "5"] in stats.rows
    entry = db_session.scalars(select(CampaignEntry.id)).one()
    ok(run, f"campaign cancel-entry {entry}")
    assert ["Interactions", "0"] in ok(run, "campaign stats CP0001").rows


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ('campaign new "Fair" start=2026-03-31 end=2026-03-01', "ends"),
        ("campaign content CP0001 subject=\"{{ ''.__class__.__mro__ }}\"", "unsafe"),
        ('campaign content CP0001 text="Hi\n{{ contact.shoe }}"', "line 2"),
        ('campaign content CP0001 html="{% if %}"', "line 1"),
        ("campaign preview CP0001 Ann", "no e-mail content"),
        ("campaign activate CP0001", "no targets"),
    ],
)
def test_bad_campaign_input_is_refused_and_nothing_is_saved(run, world, command, words):
    ok(run, 'campaign new "Fair"')
    result = run(command)
    assert result.status == Status.REFUSED
    assert isinstance(result.view, Message)
    assert words in result.view.text + (result.view.hint or "")
    content = ok(run, "campaign content CP0001")
    assert ("Subject", "") in content.fields

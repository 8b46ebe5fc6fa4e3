"""`segment ...` commands end to end through dispatch, as the console runs them."""

import csv

import pytest

from crm.segments.criteria import KEYS
from handlers.dispatch import Status
from handlers.segments import CRITERIA
from handlers.views import FileView, Message, Table
from tests.crm.segments.world import build


@pytest.fixture
def world(db_session, actor):
    world = build(db_session, actor)
    db_session.commit()
    return world


def ok(run, command):
    result = run(command)
    assert result.status == Status.DONE, getattr(result.view, "text", result.view)
    return result.view


def test_the_grammar_offers_every_criteria_key():
    assert CRITERIA == KEYS


def test_build_log_and_cancel_a_segment(run, world):
    ok(run, 'segment new "Spring letter" salesperson=SAM template=MAIL')
    added = ok(run, "segment add SM00001 type=person relation=CUST,PROS")
    assert added.data["changed"] == 5
    reduced = ok(run, "segment reduce SM00001 job=ITMGR")
    assert reduced.data["contacts"] == 4
    assert reduced.text == "SM00001: 1 contact removed; it holds 4 now."
    back = ok(run, "segment back SM00001")
    assert back.data["contacts"] == 5
    ok(run, "segment save SM00001 CUSTPROS")
    shown = ok(run, "segment show SM00001")
    assert ("Contacts", "5") in shown.fields
    logged = ok(run, "segment log SM00001 followup=yes")
    assert logged.data["interactions"] == 4  # Cat is privacy blocked
    assert "Follow-up segment: SM00002" in logged.text
    canceled = ok(run, "segment cancel SM00001")
    assert "4 interactions" in canceled.text
    listed = ok(run, "segment list")
    assert listed.keys == ["SM00002", "SM00001"]


def test_reuse_saved_criteria_and_logged_segments(run, world):
    ok(run, 'segment new "One" salesperson=SAM')
    ok(run, "segment add SM00001 job=BUYER")
    ok(run, "segment save SM00001 BUYERS")
    ok(run, 'segment new "Two"')
    assert ok(run, "segment reuse SM00002 criteria=buyers").data["contacts"] == 2
    ok(run, "segment log SM00001 template=MEET")
    ok(run, 'segment new "Three"')
    assert ok(run, "segment reuse SM00003 logged=SM00001").data["contacts"] == 1
    saved = ok(run, "segment list criteria=yes")
    assert saved.rows == [["BUYERS", "One", "add job=BUYER"]]


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("segment add SM00001 colour=red", "Options it takes"),
        ("segment add SM00001 type=robot", "company, person"),
        ("segment add SM00001 relation=XX", "CUST, PROS"),
        ("segment add SM00001 person", "key=value"),
        ("segment add SM00001", "at least one criterion"),
        ("segment log SM00001 template=MEET", "empty"),
        ("segment back SM00001", "no criteria action"),
        ("segment add SM09999 type=person", "no segment"),
        ("segment reuse SM00001", "criteria=<code> or logged="),
    ],
)
def test_bad_input_is_refused_with_how_to_fix_it(run, world, command, words):
    ok(run, 'segment new "Empty" salesperson=SAM')
    result = run(command)
    assert result.status == Status.REFUSED
    view = result.view
    assert isinstance(view, Message)
    assert words in view.text + (view.hint or "")


def test_export_and_mailing_group(run, world, tmp_path):
    ok(run, 'segment new "Buyers"')
    ok(run, "segment add SM00001 job=BUYER")
    assert "2 contacts" in ok(run, "segment mailing-group SM00001 news").text
    exported = ok(run, "segment export SM00001")
    assert isinstance(exported, FileView) and exported.kind == "csv"
    with exported.path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["Segment", "No.", "Name"]
    assert [row[2] for row in rows[1:]] == ["Ann", "Cat"]
    table = ok(run, "report segment segment=SM00001")
    assert isinstance(table, Table) and table.total == 2


def test_dotted_criteria_keys_pass_through_the_grammar(run, world):
    ok(run, 'segment new "Met lately"')
    added = ok(run, "segment add SM00001 interaction.template=MEET interaction.from=2026-01-01")
    assert added.data["contacts"] == 1
    added = ok(run, "segment add SM00001 opp.status=won task.type=meeting")
    assert added.data["changed"] == 0

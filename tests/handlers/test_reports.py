"""`report ...`: tables in the console, CSV files and PNG charts in the output folder."""

import pytest

from handlers.dispatch import Status
from handlers.views import Chart, FileView, Message, Table
from tests.crm.segments.world import build

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def world(db_session, actor):
    world = build(db_session, actor)
    db_session.commit()
    return world


def test_reports_list_themselves(run, world):
    view = run("report").view
    assert isinstance(view, Table) and "pipeline" in [row[0] for row in view.rows]


@pytest.mark.parametrize(
    "command",
    [
        "report pipeline cycle=STD",
        "report opportunity-chart from=2026-01-01",
        "report win-loss",
        "report salesperson-opportunities format=png",
        "report salesperson-tasks format=png",
        "report companies format=png",
    ],
)
def test_charts_are_written_as_png(run, world, command):
    result = run(command)
    assert result.status == Status.DONE
    assert isinstance(result.view, Chart)
    assert result.view.path.read_bytes()[:8] == PNG


def test_tables_and_csv(run, world):
    table = run("report opportunities").view
    assert isinstance(table, Table) and table.rows[0][0] == "OP000001"
    assert table.rows[0][9] == "1,000.00"
    exported = run("report opportunities format=csv").view
    assert isinstance(exported, FileView) and exported.path.suffix == ".csv"
    assert exported.path.read_text(encoding="utf-8").splitlines()[1].startswith("OP000001,")


def test_campaign_funnel_chart(run, world):
    run('campaign new "Fair"')
    run('segment new "Fair" salesperson=SAM campaign=CP0001')
    run("segment add SM00001 type=person")
    run("segment log SM00001 template=MAIL")
    result = run("report funnel campaign=CP0001")
    assert isinstance(result.view, Chart)
    table = run("report funnel campaign=CP0001 format=table").view
    assert [row[:2] for row in table.rows][:2] == [["In segments", "6"], ["Contacted", "5"]]


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("report pipline", "Did you mean 'pipeline'?"),
        ("report contacts format=png", "no chart"),
        ("report contacts format=pdf", "table, csv, png"),
        ("report pipeline cycle=STD campaign=CP0001", "Filters it takes: cycle"),
        ("report funnel", "campaign="),
    ],
)
def test_bad_report_input_is_refused(run, world, command, words):
    result = run(command)
    assert result.status == Status.REFUSED
    assert isinstance(result.view, Message)
    assert words in result.view.text + (result.view.hint or "")


def test_csv_cells_cannot_start_a_spreadsheet_formula(run, world, db_session):
    world["Acme"].name = "=HYPERLINK(1)"
    db_session.commit()
    exported = run("report contacts type=company format=csv").view
    assert "'=HYPERLINK(1)" in exported.path.read_text(encoding="utf-8")

"""Report data: each report's rows and chart numbers, and refused names and filters."""

import datetime as dt
from decimal import Decimal

import pytest

from crm.errors import InvalidInput
from crm.reports import service
from crm.reports.catalog import REPORTS
from tests.crm.segments.world import build, opportunity

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def world(db_session, actor):
    world = build(db_session, actor)
    opportunity(
        db_session,
        world["Eve"],
        "OP000003",
        status="lost",
        stage=1,
        value="300",
        close_code="PRICE",
    )
    opportunity(db_session, world["Fay"], "OP000004", status="not_started", stage=1, value="200")
    return world


def run(db_session, name, **filters):
    return service.run(db_session=db_session, name=name, filters=filters, today=TODAY)


def test_pipeline_sums_open_opportunities_per_stage(db_session, world):
    report = run(db_session, "pipeline", cycle="std")
    assert [row[:4] for row in report.rows] == [
        [1, "Qualify", 1, Decimal("200")],
        [2, "Propose", 1, Decimal("1000")],
        [3, "Negotiate", 0, Decimal("0")],
    ]
    assert report.chart is not None and report.chart.counts == [1, 1, 0]
    assert report.chart.series["Estimated value"] == [200.0, 1000.0, 0.0]


def test_pipeline_needs_a_known_cycle(db_session, world):
    with pytest.raises(InvalidInput) as refused:
        run(db_session, "pipeline", cycle="NOPE")
    assert refused.value.field == "cycle" and "STD" in (refused.value.hint or "")


def test_win_loss_counts_by_close_code(db_session, world):
    report = run(db_session, "win-loss")
    assert [(row[0], row[2], row[3]) for row in report.rows] == [
        ("WON1", "won", 1),
        ("PRICE", "lost", 1),
    ]


def test_opportunity_chart_counts_per_salesperson_and_status(db_session, world):
    report = run(db_session, "opportunity-chart", **{"from": "2026-01-01", "to": "2026-12-31"})
    assert report.chart is not None
    assert report.chart.categories == ["KIM", "SAM"]
    assert report.chart.series == {
        "not_started": [0.0, 1.0],
        "in_progress": [0.0, 1.0],
        "won": [1.0, 0.0],
        "lost": [1.0, 0.0],
    }
    assert "2026-01-01" in report.title


def test_contact_and_person_lists(db_session, world):
    contacts = run(db_session, "contacts", type="person", salesperson="SAM")
    assert [row[1] for row in contacts.rows] == ["Ann", "Bob", "Fay"]
    assert contacts.rows[0][5:] == [1, 0] and contacts.rows[1][5:] == [0, 1]
    persons = run(db_session, "persons")
    ann = next(row for row in persons.rows if row[1] == "Ann")
    assert ann[5] == 1 and ann[6].tzinfo is not None


def test_company_summary_counts_persons_and_interactions(db_session, world):
    report = run(db_session, "companies")
    acme = next(row for row in report.rows if row[1] == "Acme")
    assert (acme[5], acme[6]) == (2, 1)


def test_tasks_reports(db_session, world):
    report = run(db_session, "salesperson-tasks")
    assert [(row[0], row[2]) for row in report.rows] == [("SAM", "TK000001")]
    assert run(db_session, "team-tasks").rows == []


def test_sales_cycle_analysis_and_opportunity_details(db_session, world):
    analysis = run(db_session, "sales-cycles")
    assert [(row[1], row[2]) for row in analysis.rows] == [(1, 1), (2, 1)]
    details = run(db_session, "opportunity", opp="op000001")
    assert details.rows[0][0] == "entry" and details.rows[0][2] == 2


def test_every_report_runs_on_an_empty_filter_set(db_session, world):
    needs = {"campaign": "campaign", "funnel": "campaign", "opportunity": "opp"}
    for spec in REPORTS:
        if spec.name in needs:
            with pytest.raises(InvalidInput):
                run(db_session, spec.name)
        else:
            assert run(db_session, spec.name).columns


def test_unknown_reports_and_filters_are_refused(db_session, world):
    with pytest.raises(InvalidInput, match="pipeline"):
        run(db_session, "pipline")
    with pytest.raises(InvalidInput) as refused:
        run(db_session, "pipeline", colour="red")
    assert refused.value.field == "colour"

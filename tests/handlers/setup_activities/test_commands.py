"""`setup group|template|cycle|stage|closecode|activity` as an admin types them."""

from decimal import Decimal

from crm.interactions.models import InteractionTemplate
from crm.opportunities.models import SalesCycleStage
from crm.setup.models import MarketingSetup
from crm.tasks.models import ActivityStep
from handlers.dispatch import Status
from handlers.text import render


def test_admin_sets_up_templates_cycles_and_activities(run, db_session):
    for command in (
        'setup group add PHONE "Phone calls"',
        'setup template add CALL "Outgoing call" group=phone cost=1.5 duration=10 flow=outbound '
        "initiated=us",
        "setup template defaults phone=call",
        'setup activity add FOLLOW "Follow up"',
        'setup activity step FOLLOW "Call back" type=phone_call formula=2D',
        'setup cycle add NEW "New business" method=chances default=yes',
        "setup stage add NEW 1 Initial completed=2 chances=10 formula=1M activity=follow",
        'setup stage add NEW 2 "Presentation" completed=40 chances=50 skip=yes quote=yes',
        'setup closecode add PRICE_W won "Best price"',
    ):
        result = run(command)
        assert result.status == Status.DONE, (command, render(result.view))

    template = db_session.get(InteractionTemplate, "CALL")
    assert (template.unit_cost, template.unit_duration_min) == (Decimal("1.50"), 10)
    assert (template.information_flow, template.initiated_by) == ("outbound", "us")
    setup = db_session.get(MarketingSetup, 1)
    assert (setup.phone_call_template, setup.default_sales_cycle) == ("CALL", "NEW")
    stage = db_session.get(SalesCycleStage, ("NEW", 1))
    assert (stage.date_formula, stage.activity_code) == ("1M", "FOLLOW")
    assert db_session.get(SalesCycleStage, ("NEW", 2)).allow_skip is True
    assert db_session.get(ActivityStep, ("FOLLOW", 1)).type == "phone_call"

    listing = render(run("setup stage list NEW").view)
    assert "Presentation" in listing and "40 %" in listing


def test_setup_is_for_admins(run):
    result = run('setup group add PHONE "Phone calls"', admin=False)

    assert result.status == Status.REFUSED
    assert "admins" in render(result.view)


def test_bad_setup_values_are_refused_with_the_field(run):
    run('setup cycle add NEW "New"')

    for command, field in (
        ("setup stage add NEW 1 Initial completed=120", "completed"),
        ("setup stage add NEW 1 Initial formula=3X", "formula"),
        ("setup cycle edit NEW method=guess", "method"),
        ('setup template add CALL "Call"', "group"),
    ):
        result = run(command)
        assert result.status == Status.REFUSED, command
        assert result.view.data.get("field") == field, (command, render(result.view))


def test_closecode_needs_won_or_lost(run):
    result = run('setup closecode add MAYBE perhaps "Not sure"')

    assert result.status == Status.REFUSED
    assert "won, lost" in render(result.view)

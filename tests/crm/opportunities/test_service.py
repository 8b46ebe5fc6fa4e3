"""Opportunities: creation, the update actions with Business Central's checks, estimates, close."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm.errors import Conflict, InvalidInput
from crm.opportunities import service as opps
from crm.opportunities import setup as pipeline
from crm.opportunities.models import Opportunity, OpportunityEntry, ProbabilityMethod
from crm.opportunities.service import OpportunityCreate, OpportunityUpdate, UpdateAction
from crm.tasks.models import Task
from tests.activity_seed import seed

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def data(db_session, actor):
    return seed(db_session, actor)


def new_opp(db_session, actor, contact, **values):
    values.setdefault("description", "Coffee machines")
    values.setdefault("salesperson", "BOB")
    return opps.create(
        db_session=db_session,
        actor=actor,
        contact=contact,
        data=OpportunityCreate(**values),
        today=DAY,
    )


def move(db_session, actor, opportunity, action, **values):
    return opps.update(
        db_session=db_session,
        actor=actor,
        opportunity=opportunity,
        action=action,
        data=OpportunityUpdate(**values),
        today=DAY,
    )


def entry_count(db_session):
    return db_session.scalar(select(func.count(OpportunityEntry.id)))


def test_create_without_value_is_not_started_in_default_cycle(db_session, actor, data):
    opportunity = new_opp(db_session, actor, data.person)

    assert opportunity.no.startswith("OP")
    assert opportunity.sales_cycle == "NEW"
    assert opportunity.status == "not_started"
    assert opportunity.company_id == data.company.id
    assert opps.active_entry(db_session=db_session, opportunity=opportunity) is None


def test_create_with_value_activates_first_stage_with_formula_close_date(db_session, actor, data):
    opportunity = new_opp(db_session, actor, data.person, estimated_value=Decimal("20000"))

    entry = opps.active_entry(db_session=db_session, opportunity=opportunity)
    assert opportunity.status == "in_progress"
    assert (entry.stage, entry.chances_pct, entry.probability_pct) == (1, 10, 10)
    assert entry.calcd_current_value == Decimal("2000.00")
    assert entry.estimated_close_date == dt.date(2026, 4, 2)  # stage 1 date formula 1M


@pytest.mark.parametrize(
    ("method", "probability", "current"),
    [
        # Stage 3 of NEW: completed 40 %, chances given 25 %; value 12,345.67.
        (ProbabilityMethod.MULTIPLY, Decimal("10"), Decimal("1234.57")),  # 25 x 40 / 100
        (ProbabilityMethod.ADD, Decimal("32.5"), Decimal("4012.34")),  # (25 + 40) / 2
        (ProbabilityMethod.CHANCES, Decimal("25"), Decimal("3086.42")),  # 25
        (ProbabilityMethod.COMPLETED, Decimal("40"), Decimal("4938.27")),  # 40
    ],
)
def test_probability_method_and_calculated_value_match_hand_figures(
    db_session, actor, data, method, probability, current
):
    pipeline.update_cycle(db_session=db_session, code="NEW", method=method)
    opportunity = new_opp(db_session, actor, data.person, estimated_value=Decimal("12345.67"))
    move(db_session, actor, opportunity, UpdateAction.NEXT, date_of_change=DAY)
    change = move(db_session, actor, opportunity, UpdateAction.NEXT, chances_pct=Decimal("25"))

    assert change.entry.stage == 3
    assert change.entry.completed_pct == Decimal("40")
    assert change.entry.probability_pct == probability
    assert change.entry.calcd_current_value == current


def test_multiply_at_first_stage_gives_fraction_of_a_percent(db_session, actor, data):
    pipeline.update_cycle(db_session=db_session, code="NEW", method=ProbabilityMethod.MULTIPLY)
    opportunity = new_opp(db_session, actor, data.person, estimated_value=Decimal("20000"))

    entry = opps.active_entry(db_session=db_session, opportunity=opportunity)
    assert entry.probability_pct == Decimal("0.2")  # 10 x 2 / 100
    assert entry.calcd_current_value == Decimal("40.00")


def test_next_keeps_history_with_days_open(db_session, actor, data):
    opportunity = new_opp(db_session, actor, data.person, estimated_value=Decimal("1000"))
    later = DAY + dt.timedelta(days=9)
    change = move(db_session, actor, opportunity, UpdateAction.NEXT, date_of_change=later)

    history = opps.entries(db_session=db_session, opportunity=opportunity)
    assert [(e.stage, e.active, e.days_open) for e in history] == [(1, False, 9), (2, True, 0)]
    assert change.entry.previous_stage == 1
    assert change.entry.action_taken == "next"


def test_entering_a_stage_with_an_activity_creates_its_tasks(db_session, actor, data):
    opportunity = new_opp(db_session, actor, data.person, estimated_value=Decimal("1000"))
    change = move(db_session, actor, opportunity, UpdateAction.NEXT)

    assert [(t.description, t.due_date, t.type) for t in change.tasks] == [
        ("Call back", DAY + dt.timedelta(days=2), "phone_call"),
        ("Send summary", DAY + dt.timedelta(days=7), ""),
    ]
    assert all(t.opportunity_id == opportunity.id and t.salesperson == "BOB" for t in change.tasks)
    assert all(t.contact_id == data.person.id for t in change.tasks)


def test_update_keeps_stage_and_creates_no_tasks(db_session, actor, data):
    opportunity = new_opp(db_session, actor, data.person, estimated_value=Decimal("1000"))
    move(db_session, actor, opportunity, UpdateAction.NEXT)
    before = db_session.scalar(select(func.count(Task.id)))
    change = move(
        db_session, actor, opportunity, UpdateAction.UPDATE, estimated_value=Decimal("5000")
    )

    assert (change.entry.stage, change.entry.action_taken) == (2, "updated")
    assert change.entry.calcd_current_value == Decimal("1000.00")  # 5000 x 20 / 100
    assert db_session.scalar(select(func.count(Task.id))) == before


def test_skip_passes_skippable_stages_and_stops_at_first_that_is_not(db_session, actor, data):
    opportunity = new_opp(
        db_session,
        actor,
        data.person,
        sales_cycle="EXISTING",
        estimated_value=Decimal("100"),
        estimated_close_date=DAY + dt.timedelta(days=30),
    )
    # EXISTING: stage 1 and 2 may be skipped, 3 may not; from 1 the skip lands on 3.
    pipeline.update_stage(
        db_session=db_session, cycle="EXISTING", stage=2, data=pipeline.StageData(allow_skip=True)
    )
    change = move(db_session, actor, opportunity, UpdateAction.SKIP)

    assert change.entry.stage == 3
    assert change.entry.chances_pct == Decimal("80")
    assert change.warnings and "quote" in change.warnings[0]


def test_skip_over_a_stage_that_may_not_be_skipped_is_refused(db_session, actor, data):
    opportunity = new_opp(db_session, actor, data.person, estimated_value=Decimal("100"))
    before = entry_count(db_session)

    with pytest.raises(InvalidInput, match="Qualification may not be skipped"):
        move(db_session, actor, opportunity, UpdateAction.SKIP)
    assert entry_count(db_session) == before


def test_jump_goes_back_only(db_session, actor, data):
    opportunity = new_opp(db_session, actor, data.person, estimated_value=Decimal("100"))
    move(db_session, actor, opportunity, UpdateAction.NEXT, chances_pct=Decimal("60"))

    with pytest.raises(InvalidInput, match="back only"):
        move(db_session, actor, opportunity, UpdateAction.JUMP, stage=4)
    change = move(db_session, actor, opportunity, UpdateAction.JUMP, stage=1)
    assert (change.entry.stage, change.entry.chances_pct) == (1, Decimal("10"))
    assert change.entry.action_taken == "jumped"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"estimated_value": Decimal("0")}, "value"),
        ({"estimated_value": Decimal("-5")}, "value"),
        ({"chances_pct": Decimal("0")}, "chances"),
        ({"estimated_close_date": DAY - dt.timedelta(days=1)}, "close"),
        ({"date_of_change": DAY - dt.timedelta(days=1)}, "date"),
    ],
)
def test_bad_estimates_are_refused_and_nothing_written(db_session, actor, data, values, field):
    opportunity = new_opp(db_session, actor, data.person, estimated_value=Decimal("100"))
    before = entry_count(db_session)

    with pytest.raises(InvalidInput) as caught:
        move(db_session, actor, opportunity, UpdateAction.NEXT, **values)
    assert caught.value.field == field
    assert entry_count(db_session) == before
    assert opps.active_entry(db_session=db_session, opportunity=opportunity).stage == 1


def test_first_needs_a_value_above_zero(db_session, actor, data):
    opportunity = new_opp(db_session, actor, data.person)

    with pytest.raises(InvalidInput, match="above zero"):
        move(db_session, actor, opportunity, UpdateAction.FIRST)
    with pytest.raises(Conflict, match="not started"):
        move(db_session, actor, opportunity, UpdateAction.NEXT, estimated_value=Decimal("5"))


def test_win_sets_every_percentage_to_100(db_session, actor, data):
    opportunity = new_opp(db_session, actor, data.person, estimated_value=Decimal("8000"))
    change = opps.win(
        db_session=db_session, actor=actor, opportunity=opportunity, close_code="price_w", today=DAY
    )

    entry = change.entry
    assert (opportunity.status, opportunity.closed, opportunity.date_closed) == ("won", True, DAY)
    assert (entry.completed_pct, entry.chances_pct, entry.probability_pct) == (100, 100, 100)
    assert entry.calcd_current_value == Decimal("8000")
    assert (entry.close_code, entry.action_taken) == ("PRICE_W", "won")


def test_lose_zeroes_the_value(db_session, actor, data):
    opportunity = new_opp(db_session, actor, data.person, estimated_value=Decimal("8000"))
    entry = opps.lose(
        db_session=db_session, actor=actor, opportunity=opportunity, close_code="PRICE_L", today=DAY
    ).entry

    assert opportunity.status == "lost"
    assert (entry.calcd_current_value, entry.chances_pct, entry.probability_pct) == (0, 0, 0)
    assert entry.completed_pct == 100


def test_close_code_of_the_wrong_type_is_refused(db_session, actor, data):
    opportunity = new_opp(db_session, actor, data.person, estimated_value=Decimal("8000"))

    with pytest.raises(InvalidInput, match="for lost opportunities") as caught:
        opps.win(db_session=db_session, actor=actor, opportunity=opportunity, close_code="PRICE_L")
    assert caught.value.field == "code"
    assert opportunity.closed is False


def test_won_needs_a_value_above_zero(db_session, actor, data):
    opportunity = new_opp(db_session, actor, data.person)

    with pytest.raises(InvalidInput, match="value above zero"):
        opps.win(db_session=db_session, actor=actor, opportunity=opportunity, close_code="PRICE_W")


def test_closed_opportunity_cannot_change_again(db_session, actor, data):
    opportunity = new_opp(db_session, actor, data.person, estimated_value=Decimal("8000"))
    opps.lose(db_session=db_session, actor=actor, opportunity=opportunity, close_code="PRICE_L")
    before = entry_count(db_session)

    with pytest.raises(Conflict, match="closed"):
        move(db_session, actor, opportunity, UpdateAction.UPDATE, estimated_value=Decimal("9"))
    with pytest.raises(Conflict, match="closed"):
        opps.win(db_session=db_session, actor=actor, opportunity=opportunity, close_code="PRICE_W")
    assert entry_count(db_session) == before


def test_privacy_blocked_contact_gets_no_opportunity(db_session, actor, data):
    data.person.privacy_blocked = True

    with pytest.raises(Conflict, match="privacy blocked"):
        new_opp(db_session, actor, data.person)
    assert db_session.scalar(select(func.count(Opportunity.id))) == 0


def test_cycle_statistics_per_stage(db_session, actor, data):
    first = new_opp(db_session, actor, data.person, estimated_value=Decimal("1000"))
    second = new_opp(db_session, actor, data.company, estimated_value=Decimal("3000"))
    move(db_session, actor, second, UpdateAction.NEXT, date_of_change=DAY + dt.timedelta(days=4))
    won = new_opp(db_session, actor, data.other, estimated_value=Decimal("500"))
    opps.win(db_session=db_session, actor=actor, opportunity=won, close_code="PRICE_W", today=DAY)
    del first

    stats = opps.statistics(db_session=db_session, cycle="NEW")
    by_stage = {row.stage: row for row in stats.stages}
    assert (by_stage[1].count, by_stage[1].estimated_value) == (1, Decimal("1000.00"))
    assert by_stage[1].calcd_current_value == Decimal("100.00")
    assert (by_stage[2].count, by_stage[2].calcd_current_value) == (1, Decimal("600.00"))
    assert by_stage[1].average_days == Decimal("2.0")  # 4 days and 0 days (won at once)
    assert (stats.count, stats.won, stats.lost) == (2, 1, 0)


def test_list_filters_by_stage_and_company_spans_persons(db_session, actor, data):
    a = new_opp(db_session, actor, data.person, estimated_value=Decimal("1000"))
    new_opp(db_session, actor, data.other, estimated_value=Decimal("1000"))
    move(db_session, actor, a, UpdateAction.NEXT)

    page = opps.list_opportunities(
        db_session=db_session, where=opps.OpportunityFilter(contact=data.company)
    )
    assert [row.opportunity.no for row in page.rows] == [a.no]
    page = opps.list_opportunities(db_session=db_session, where=opps.OpportunityFilter(stage=2))
    assert page.total == 1


def test_resolve_by_description_part(db_session, actor, data):
    opportunity = new_opp(db_session, actor, data.person, description="Espresso bar")

    assert opps.resolve(db_session=db_session, name="espresso") is opportunity
    assert opps.resolve(db_session=db_session, name=opportunity.no.lower()) is opportunity

"""App Home: what a salesperson sees when opening Rapport's tab, refreshed on every visit."""

import datetime as dt
import json
from decimal import Decimal

from crm.contacts.models import Contact
from crm.interactions.models import InteractionLogEntry
from crm.opportunities.models import Opportunity, OpportunityEntry, SalesCycle, SalesCycleStage
from crm.tasks.models import Task
from tests.handlers.slack.conftest import MEMBER, STRANGER, button, event, interactive


def home_opened(user=MEMBER):
    return {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}


def pipeline(db_session):
    today = dt.date.today()
    acme = Contact(no="CT000001", name="Acme <b>", search_name="ACME <B>")
    db_session.add_all([acme, SalesCycle(code="STD", description="Standard")])
    db_session.flush()
    db_session.add_all(
        [
            SalesCycleStage(cycle_code="STD", stage=1, description="Qualify"),
            SalesCycleStage(cycle_code="STD", stage=2, description="Propose"),
        ]
    )
    for number, stage, value in ((1, 1, "1000"), (2, 2, "25000"), (3, 2, "5000")):
        opp = Opportunity(
            no=f"OP00000{number}",
            description=f"Deal {number}",
            salesperson="MAX",
            contact_id=acme.id,
            sales_cycle="STD",
            creation_date=today,
        )
        db_session.add(opp)
        db_session.flush()
        db_session.add(
            OpportunityEntry(
                opportunity_id=opp.id,
                sales_cycle="STD",
                stage=stage,
                contact_id=acme.id,
                salesperson="MAX",
                date_of_change=today,
                estimated_value=Decimal(value),
                calcd_current_value=Decimal(value) / 2,
            )
        )
    db_session.add_all(
        [
            Task(
                no="TK000001",
                description="Call back",
                due_date=today - dt.timedelta(days=2),
                salesperson="MAX",
            ),
            Task(no="TK000002", description="Send offer", due_date=today, salesperson="MAX"),
            InteractionLogEntry(
                contact_id=acme.id,
                occurred_at=dt.datetime.now(dt.UTC),
                description="Met",
                template_code="CALL",
                group_code="CALLS",
                salesperson="MAX",
            ),
        ]
    )
    db_session.commit()


def test_home_shows_my_pipeline_tasks_and_interactions(slack_app, fake_slack, db_session):
    pipeline(db_session)

    response = event(slack_app, home_opened())

    assert response.status == 200
    published = fake_slack.wait_for("views.publish")[0].args
    assert published["user_id"] == MEMBER
    shown = json.dumps(published["view"]["blocks"], ensure_ascii=False)
    assert "*2 · Propose* — 2, 30,000.00" in shown
    assert "`OP000002` Acme &lt;b&gt;: Deal 2 · 25,000.00" in shown
    assert ":red_circle: overdue `TK000001` Call back" in shown
    assert '"value": "task done TK000002"' in shown
    assert "Acme &lt;b&gt; · CALL: Met" in shown
    image = [b for b in published["view"]["blocks"] if b["type"] == "image"][0]
    assert (
        image["slack_file"]["id"]
        == fake_slack.of("files.completeUploadExternal")[0].args["files"].split('"')[3]
    )


def test_an_unchanged_chart_is_uploaded_once(slack_app, fake_slack, db_session):
    pipeline(db_session)

    event(slack_app, home_opened(), event_id="Ev1")
    event(slack_app, home_opened(), event_id="Ev2")

    assert len(fake_slack.wait_for("views.publish", 2)) == 2
    assert len(fake_slack.of("files.completeUploadExternal")) == 1


def test_a_retried_event_is_handled_once(slack_app, fake_slack):
    event(slack_app, home_opened(), event_id="EvSame")
    retry = {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}
    response = event(slack_app, home_opened(), event_id="EvSame", headers=retry)

    assert response.status == 200
    assert len(fake_slack.of("views.publish")) == 1


def test_a_stranger_sees_how_to_get_access(slack_app, fake_slack):
    event(slack_app, home_opened(STRANGER))

    shown = json.dumps(fake_slack.wait_for("views.publish")[0].args["view"])
    assert "Welcome to Rapport" in shown and "setup salesperson add" in shown


def test_a_task_done_from_home_leaves_the_tab(slack_app, fake_slack, db_session):
    pipeline(db_session)
    payload = button(fake_slack, "task done TK000002")
    payload.pop("response_url")
    payload.pop("channel")
    payload["container"] = {"type": "view", "view_id": "VHOME"}
    payload["view"] = {"id": "VHOME", "type": "home"}

    interactive(slack_app, payload)

    published = json.dumps(fake_slack.wait_for("views.publish")[0].args["view"])
    assert "TK000001" in published and "TK000002" not in published
    assert "TK000002" in json.dumps(fake_slack.wait_for("chat.postMessage")[0].args)

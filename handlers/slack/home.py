"""App Home: my opportunities by stage, my tasks, my recent interactions and the pipeline."""

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from crm.errors import CrmError
from crm.home import service as home_service
from crm.home.service import OpenOpportunity, StageTotal
from crm.interactions.models import InteractionLogEntry
from crm.setup.models import Salesperson
from crm.tasks.models import Task
from handlers.slack import forms
from handlers.slack.charts import pipeline_chart
from handlers.slack.errors import Body, after_ack
from handlers.slack.forms import FormRequest
from handlers.slack.ids import ActionId
from handlers.slack.modals import open_form
from handlers.slack.mrkdwn import clip, escape, md, plain
from handlers.slack.runtime import SlackRuntime

log = logging.getLogger(__name__)

HOME_BLOCKS = 100
TASK_HORIZON = dt.timedelta(days=7)
FORM_BUTTONS = {
    ActionId.HOME_NEW_CONTACT: ("New contact", forms.CONTACT_NEW),
    ActionId.HOME_LOG: ("Log interaction", forms.LOG),
    ActionId.HOME_NEW_OPP: ("New opportunity", forms.OPP_NEW),
    ActionId.HOME_NEW_TASK: ("New task", forms.TASK_NEW),
}


@dataclass
class HomeData:
    """Everything one Home tab shows, read in one transaction."""

    opportunities: list[OpenOpportunity]
    tasks: list[Task]
    interactions: list[tuple[InteractionLogEntry, str]]
    pipeline: list[StageTotal]
    today: dt.date
    zone: ZoneInfo


def register(app: App, runtime: SlackRuntime) -> None:
    """Publish the Home tab when it is opened, and answer its buttons."""

    def ack_home_opened_event(ack: Ack) -> None:
        ack()

    @after_ack
    def handle_home_opened_event(body: Body, client: WebClient, respond: Respond) -> None:
        event = body["event"]
        if event.get("tab", "home") != "home":
            return
        publish_home(event["user"], runtime=runtime, client=client)

    def handle_home_refresh_button_click(ack: Ack, body: Body, client: WebClient) -> None:
        ack()
        publish_home(body["user"]["id"], runtime=runtime, client=client)

    def handle_home_form_button_click(ack: Ack, body: Body, client: WebClient) -> None:
        ack()
        form = FORM_BUTTONS[ActionId(body["actions"][0]["action_id"])][1]
        open_form(FormRequest(form, {}), runtime=runtime, client=client, body=body, channel_id=None)

    # The first chart upload can take longer than Slack waits for an event's 200.
    app.event("app_home_opened")(ack=ack_home_opened_event, lazy=[handle_home_opened_event])
    app.action(ActionId.HOME_REFRESH.value)(handle_home_refresh_button_click)
    for action_id in FORM_BUTTONS:
        app.action(action_id.value)(handle_home_form_button_click)


def publish_home(user_id: str, *, runtime: SlackRuntime, client: WebClient) -> None:
    """Publish a user's Home tab from the CRM as it is now."""
    person = runtime.salesperson(user_id=user_id, client=client)
    if isinstance(person, CrmError):
        blocks = _stranger_blocks(person)
    else:
        data = runtime.read(lambda session: home_data(session, person))
        chart_id = None
        if data.pipeline:
            path = pipeline_chart(data.pipeline, runtime.output_dir / "charts")
            chart_id = _chart_file_id(path, runtime, client)
        blocks = home_blocks(person, data, chart_id)
    client.views_publish(user_id=user_id, view={"type": "home", "blocks": blocks[:HOME_BLOCKS]})
    log.info("Published the Home tab of %s", user_id)


def _chart_file_id(path: Path, runtime: SlackRuntime, client: WebClient) -> str | None:
    # Chart files are named after their data: an unchanged pipeline is uploaded once.
    if str(path) not in runtime.uploads:
        response = client.files_upload_v2(
            file=str(path), filename=path.name, title="Open pipeline by stage"
        )
        file_id = (response.get("file") or {}).get("id")
        if not file_id:
            return None
        runtime.uploads[str(path)] = str(file_id)
        log.info("Uploaded the pipeline chart %s as %s", path.name, file_id)
    return runtime.uploads[str(path)]


def home_data(session: Session, person: Salesperson) -> HomeData:
    """Read everything the Home tab shows, for one salesperson."""
    zone = ZoneInfo(person.time_zone or "UTC")
    today = dt.datetime.now(zone).date()
    code = person.code
    return HomeData(
        opportunities=home_service.get_open_opportunities(db_session=session, salesperson=code),
        tasks=home_service.get_open_tasks(
            db_session=session, salesperson=code, until=today + TASK_HORIZON
        ),
        interactions=home_service.get_recent_interactions(db_session=session, salesperson=code),
        pipeline=home_service.get_pipeline(db_session=session, salesperson=code),
        today=today,
        zone=zone,
    )


def home_blocks(person: Salesperson, data: HomeData, chart_id: str | None) -> list[dict[str, Any]]:
    """Return the Home tab's blocks: actions, opportunities by stage, tasks, interactions."""
    buttons = [
        {"type": "button", "text": plain(label), "action_id": action_id.value}
        for action_id, (label, _) in FORM_BUTTONS.items()
    ]
    buttons.append(
        {"type": "button", "text": plain("Refresh"), "action_id": ActionId.HOME_REFRESH.value}
    )
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain(f"{person.name} · Rapport", 150)},
        {"type": "actions", "block_id": "home-actions", "elements": buttons},
        {"type": "header", "text": plain("My open opportunities", 150)},
    ]
    blocks += _opportunity_blocks(data.opportunities)
    blocks.append({"type": "header", "text": plain("My tasks due and overdue", 150)})
    blocks += _task_blocks(data.tasks, data.today)
    blocks.append({"type": "header", "text": plain("My recent interactions", 150)})
    blocks += _interaction_blocks(data.interactions, data.zone)
    if chart_id:
        blocks.append({"type": "header", "text": plain("Pipeline", 150)})
        total = sum((t.estimated_value for t in data.pipeline), Decimal(0))
        blocks.append(
            {
                "type": "image",
                "slack_file": {"id": chart_id},
                "alt_text": f"Open pipeline by stage, {money(total)} in all",
            }
        )
    return blocks


def money(value: Decimal) -> str:
    """Return an amount with thousands separators and cents."""
    return f"{value:,.2f}"


def _opportunity_blocks(opportunities: list[OpenOpportunity]) -> list[dict[str, Any]]:
    if not opportunities:
        return [_section("_No open opportunities._ Start one with `/crm opp new <contact>`.")]
    blocks = []
    for (stage, description), group in groupby(
        opportunities, key=lambda o: (o.stage, o.stage_description)
    ):
        items = list(group)
        total = sum((o.estimated_value for o in items), Decimal(0))
        lines = [f"*{stage} · {escape(description)}* — {len(items)}, {money(total)}"]
        for opp in items[:10]:
            close = f", closes {opp.close_date.isoformat()}" if opp.close_date else ""
            lines.append(
                f"`{opp.no}` {escape(opp.contact_name)}: {escape(clip(opp.description, 80))}"
                f" · {money(opp.estimated_value)}{close}"
            )
        if len(items) > 10:
            lines.append(f"… and {len(items) - 10} more: `/crm opp list mine=yes stage={stage}`")
        blocks.append(_section("\n".join(lines)))
    return blocks[:30]


def _task_blocks(tasks: list[Task], today: dt.date) -> list[dict[str, Any]]:
    if not tasks:
        return [_section("_Nothing due this week._")]
    blocks = []
    for index, task in enumerate(tasks):
        overdue = task.due_date < today
        mark = ":red_circle: overdue" if overdue else ":large_blue_circle:"
        text = f"{mark} `{task.no}` {escape(clip(task.description, 120))} · due {task.due_date}"
        button = {
            "type": "button",
            "text": plain("Done"),
            "value": f"task done {task.no}",
            "action_id": f"{ActionId.RUN}-{index}",
        }
        blocks.append({"type": "section", "text": md(text), "accessory": button})
    return blocks


def _interaction_blocks(
    interactions: list[tuple[InteractionLogEntry, str]], zone: ZoneInfo
) -> list[dict[str, Any]]:
    if not interactions:
        return [_section("_No interactions yet._ Log one with `/crm log <contact> ...`.")]
    lines = [
        f"{entry.occurred_at.astimezone(zone):%Y-%m-%d %H:%M} · {escape(name)} · "
        f"{escape(entry.template_code)}: {escape(clip(entry.description, 100))}"
        for entry, name in interactions
    ]
    return [_section("\n".join(lines))]


def _stranger_blocks(error: CrmError) -> list[dict[str, Any]]:
    text = f":wave: {escape(error.message)}"
    if error.hint:
        text += f"\n{escape(error.hint)}"
    return [{"type": "header", "text": plain("Welcome to Rapport", 150)}, _section(text)]


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": md(text)}

"""Task reminder jobs: a DM before a task is due, a morning summary of overdue tasks."""

import logging
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from crm.jobs import reminders
from scheduler.ports import Collaborators
from scheduler.runtime import Outcome, run_units

log = logging.getLogger(__name__)

MAX_LISTED = 15


def send_task_reminders(collaborators: Collaborators) -> Outcome:
    """DM each salesperson whose task is coming due; each task is reminded once."""
    notifier = collaborators.notifier
    if notifier is None:
        return Outcome(summary="Slack is not configured: no reminders")
    now = collaborators.clock()
    with collaborators.sessions.begin() as session:
        due = reminders.reminders_due(db_session=session, now=now)

    def remind(session: Session, item: reminders.Reminder) -> bool:
        # The claim and the DM share the transaction: a failed DM leaves the task unclaimed
        # for the next run to try again.
        if not reminders.claim_reminder(db_session=session, task_id=item.task_id, now=now):
            return False
        local = item.due_at.astimezone(ZoneInfo(item.time_zone))
        text = f"⏰ {item.task_no} {item.description} is due at {local:%H:%M} ({local:%a %d %b})."
        notifier.direct_message(item.slack_user_id, text, _task_blocks(text, item.task_no))
        log.info("Reminded %s of task %s", item.salesperson, item.task_no)
        return True

    outcome = run_units(collaborators, due, remind, name="task-reminders")
    outcome.summary = f"{outcome.done} reminders sent" + (
        f", {outcome.failed} failed" if outcome.failed else ""
    )
    return outcome


def send_overdue_summaries(collaborators: Collaborators) -> Outcome:
    """DM each salesperson, once per local morning, the list of their overdue tasks."""
    notifier = collaborators.notifier
    if notifier is None:
        return Outcome(summary="Slack is not configured: no summaries")
    now = collaborators.clock()
    with collaborators.sessions.begin() as session:
        targets = reminders.summaries_due(db_session=session, now=now)

    def summarize(session: Session, target: reminders.SummaryTarget) -> bool:
        tasks = reminders.overdue_tasks(
            db_session=session, salesperson=target.salesperson, day=target.day
        )
        lines = [f"• {task.no} {task.description} (due {task.due_date:%d %b})" for task in tasks]
        if len(lines) > MAX_LISTED:
            lines = lines[:MAX_LISTED] + [f"… and {len(tasks) - MAX_LISTED} more"]
        text = f"Good morning. {len(tasks)} overdue task(s):\n" + "\n".join(lines)
        if not reminders.record_summary(
            db_session=session,
            salesperson=target.salesperson,
            day=target.day,
            now=now,
            tasks=len(tasks),
            text=text if tasks else "",
        ):
            return False
        if not tasks:
            return False
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            _button_block("My overdue tasks", "task list mine=yes overdue=yes"),
        ]
        notifier.direct_message(target.slack_user_id, text, blocks)
        return True

    outcome = run_units(collaborators, targets, summarize, name="overdue-summary")
    outcome.summary = f"{outcome.done} summaries sent"
    return outcome


def _task_blocks(text: str, task_no: str) -> list[dict[str, Any]]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "actions",
            "elements": [
                _button("Done", f"task done {task_no}", "primary"),
                _button("Show my tasks", "task list mine=yes"),
            ],
        },
    ]


def _button_block(label: str, command: str) -> dict[str, Any]:
    return {"type": "actions", "elements": [_button(label, command)]}


def _button(label: str, command: str, style: str | None = None) -> dict[str, Any]:
    # The value is the grammar command the button runs, as every Rapport button carries.
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": "rapport.command:" + command.split()[0] + "." + command.split()[1],
        "value": command,
    }
    if style:
        button["style"] = style
    return button

"""What the tags in a salesperson's mail create: an opportunity or a task for the contact."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from crm.audit import Actor
from crm.contacts.models import Contact
from crm.interactions.models import InteractionLogEntry
from crm.opportunities import service as opportunities
from crm.tasks import service as tasks


@dataclass(frozen=True)
class MailCommand:
    """A tag a salesperson wrote in a mail: `#opp 20000 "Renewal"` or `#task call back friday`."""

    kind: str
    text: str
    value: Decimal | None = None
    due: dt.date | None = None  # the task's due date, or the opportunity's expected close


def create_opportunity(
    *,
    db_session: Session,
    actor: Actor,
    contact: Contact,
    entry: InteractionLogEntry,
    command: MailCommand,
) -> str:
    """Open an opportunity from `#opp <value> "<description>" [<close date>]`, linked."""
    data = opportunities.OpportunityCreate(
        description=command.text or entry.description,
        salesperson=actor.salesperson,
        estimated_value=command.value,
        estimated_close_date=command.due,
    )
    opportunity = opportunities.create(
        db_session=db_session, actor=actor, contact=contact, data=data, interaction=entry
    )
    return f"opportunity {opportunity.no} {opportunity.description}"


def create_task(
    *,
    db_session: Session,
    actor: Actor,
    contact: Contact,
    entry: InteractionLogEntry,
    command: MailCommand,
) -> str:
    """Create a task from `#task <what> [<due date>]` for the contact."""
    data = tasks.TaskCreate(
        description=command.text or entry.description,
        due_date=command.due,
        salesperson=actor.salesperson,
    )
    task = tasks.create(db_session=db_session, actor=actor, data=data, contact=contact)
    entry.task_no = task.no
    due = f", due {task.due_date.isoformat()}" if task.due_date else ""
    return f"task {task.no} {task.description}{due}"

"""Interaction services: log what happened with a contact, by the rules of its template."""

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.audit import Actor, stamp
from crm.contacts.models import Contact
from crm.db import utcnow
from crm.errors import Conflict, InvalidInput, NotFound
from crm.interactions.models import (
    Evaluation,
    InformationFlow,
    InitiatedBy,
    InteractionLogEntry,
    InteractionTemplate,
)
from crm.setup.service import get_salesperson

log = logging.getLogger(__name__)


@dataclass
class InteractionCreate:
    """What a front knows about an interaction; template defaults fill the rest."""

    template: str
    description: str
    occurred_at: dt.datetime | None = None
    salesperson: str | None = None
    duration_min: int | None = None
    cost: Decimal | None = None
    evaluation: Evaluation = Evaluation.NONE
    information_flow: InformationFlow | None = None
    initiated_by: InitiatedBy | None = None
    attempt_failed: bool = False
    subject: str | None = None
    notes: str | None = None
    opportunity_no: str | None = None
    campaign_no: str | None = None
    task_no: str | None = None
    correspondence_type: str | None = None
    email_logged: bool = False
    message_id: str | None = None
    source_link: str | None = None


def get_template_or_raise(*, db_session: Session, code: str) -> InteractionTemplate:
    """Return the interaction template with this code, or list the codes that exist."""
    template = db_session.get(InteractionTemplate, code.strip().upper())
    if template is None:
        known = db_session.scalars(select(InteractionTemplate.code).order_by("code").limit(15))
        raise NotFound(
            f"There is no interaction template '{code}'.",
            hint=f"Templates: {', '.join(known) or 'none yet'}.",
        )
    return template


def log_interaction(
    *, db_session: Session, actor: Actor, contact: Contact, data: InteractionCreate
) -> InteractionLogEntry:
    """Log one interaction against a contact; refuse privacy-blocked contacts."""
    if contact.privacy_blocked:
        raise Conflict(
            f"{contact.no} {contact.name} is privacy blocked: no new interactions may be logged.",
            hint="Clear the block with `contact edit` once the contact allows it.",
        )
    template = get_template_or_raise(db_session=db_session, code=data.template)
    salesperson = _salesperson_code(db_session, actor, contact, data.salesperson)
    if not data.description.strip():
        raise InvalidInput("Say what happened: the description is empty.", field="description")
    if data.duration_min is not None and data.duration_min < 0:
        raise InvalidInput("A duration cannot be negative.", field="duration")
    if data.cost is not None and data.cost < 0:
        raise InvalidInput("A cost cannot be negative.", field="cost")

    entry = InteractionLogEntry(
        contact_id=contact.id,
        company_id=contact.company_id if contact.company_id else contact.id,
        occurred_at=data.occurred_at or utcnow(),
        description=data.description.strip()[:250],
        subject=data.subject,
        notes=data.notes,
        template_code=template.code,
        group_code=template.group_code,
        information_flow=str(data.information_flow or template.information_flow),
        initiated_by=str(data.initiated_by or template.initiated_by),
        cost=data.cost if data.cost is not None else template.unit_cost,
        duration_min=data.duration_min
        if data.duration_min is not None
        else template.unit_duration_min,
        salesperson=salesperson,
        evaluation=data.evaluation.value,
        attempt_failed=data.attempt_failed,
        correspondence_type=data.correspondence_type or template.correspondence_type,
        campaign_no=data.campaign_no or template.campaign_no,
        campaign_target=template.campaign_target,
        campaign_response=template.campaign_response,
        opportunity_no=data.opportunity_no,
        task_no=data.task_no,
        email_logged=data.email_logged,
        message_id=data.message_id,
        source_link=data.source_link,
    )
    stamp(entry, actor, created=True)
    db_session.add(entry)
    db_session.flush()
    log.info("Interaction %s logged for %s by %s", entry.id, contact.no, actor)
    return entry


def _salesperson_code(
    db_session: Session, actor: Actor, contact: Contact, given: str | None
) -> str:
    code = given or actor.salesperson or contact.salesperson
    if code is None:
        raise InvalidInput(
            "An interaction needs a salesperson.",
            field="salesperson",
            hint="Add salesperson=<code>, or run as a salesperson (--as or RAPPORT_USER).",
        )
    salesperson = get_salesperson(db_session=db_session, code=code)
    if salesperson is None or salesperson.blocked:
        raise InvalidInput(
            f"Salesperson '{code}' does not exist or is blocked.", field="salesperson"
        )
    return salesperson.code

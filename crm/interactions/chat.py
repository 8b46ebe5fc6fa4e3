"""Log a chat message (and its thread) as an interaction on a contact or an opportunity."""

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.audit import Actor
from crm.contacts import service as contact_service
from crm.errors import InvalidInput, NotFound
from crm.interactions.models import InteractionLogEntry
from crm.interactions.service import InteractionCreate, log_interaction
from crm.opportunities.models import Opportunity

log = logging.getLogger(__name__)

DESCRIPTION_CHARS = 250


def log_chat_message(
    *,
    db_session: Session,
    actor: Actor,
    contact: str | None,
    opportunity: str | None,
    template: str,
    description: str,
    text: str,
    link: str | None,
    posted_at: dt.datetime | None,
) -> InteractionLogEntry:
    """Log a chat message on the contact named, or on the opportunity's contact.

    The message (with its thread, when given) becomes the interaction's notes, and the link
    back to the message is kept as its source.
    """
    opp = None
    if opportunity:
        opp = db_session.scalars(
            select(Opportunity).where(Opportunity.no == opportunity.strip().upper())
        ).first()
        if opp is None:
            raise NotFound(f"There is no opportunity '{opportunity}'.", hint="Pick one by number.")
    if contact:
        target = contact_service.resolve(db_session=db_session, name=contact)
    elif opp is not None and (
        found := contact_service.get(db_session=db_session, contact_id=opp.contact_id)
    ):
        target = found
    else:
        raise InvalidInput(
            "Choose the contact or the opportunity the message is about.", field="contact"
        )
    data = InteractionCreate(
        template=template,
        description=(description.strip() or text.strip())[:DESCRIPTION_CHARS],
        occurred_at=posted_at,
        notes=text,
        opportunity_no=opp.no if opp else None,
        source_link=link,
    )
    entry = log_interaction(db_session=db_session, actor=actor, contact=target, data=data)
    log.info("Chat message logged as interaction %s on %s", entry.id, target.no)
    return entry

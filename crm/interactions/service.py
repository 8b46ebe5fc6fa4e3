"""Interaction services: log what happened with a contact, by the rules of its template."""

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from crm.audit import Actor, stamp
from crm.campaigns.models import CampaignEntry
from crm.contacts.models import Contact
from crm.db import insert_loaded, utcnow
from crm.errors import Conflict, InvalidInput, NotFound
from crm.interactions.models import (
    Evaluation,
    InformationFlow,
    InitiatedBy,
    InteractionLogEntry,
    InteractionTemplate,
)
from crm.segments.models import LoggedSegment
from crm.setup.models import Salesperson
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
    _refuse_blocked(contact)
    template = get_template_or_raise(db_session=db_session, code=data.template)
    salesperson = _salesperson_code(db_session, actor, contact, data.salesperson)
    _check_figures(data)
    opportunity_no, task_no = _links(db_session, contact, data)
    entry = _new_entry(contact, data, template, salesperson, opportunity_no, task_no)
    stamp(entry, actor, created=True)
    db_session.add(entry)
    db_session.flush()
    log.info("Interaction %s logged for %s by %s", entry.id, contact.no, actor)
    return entry


@dataclass(frozen=True)
class LogRules:
    """The setup rows a caller logging many interactions reads once and holds for a pass."""

    templates: dict[str, InteractionTemplate]
    salespeople: frozenset[str]  # the codes of salespeople who are not blocked


def log_rules(*, db_session: Session) -> LogRules:
    """Return the templates and active salespeople, for log_interaction_fast."""
    templates = {t.code: t for t in db_session.scalars(select(InteractionTemplate))}
    codes = db_session.scalars(select(Salesperson.code).where(Salesperson.blocked.is_(False)))
    return LogRules(templates, frozenset(codes))


def log_interaction_fast(
    *,
    db_session: Session,
    actor: Actor,
    contact: Contact,
    data: InteractionCreate,
    rules: LogRules,
) -> InteractionLogEntry:
    """Log one interaction by log_interaction's rules, with held lookups and one INSERT.

    For callers logging many interactions a second (the mail watcher): the template and
    salesperson checks use the rows in rules, and the row is written without a unit-of-work
    flush. Anything the rules do not answer takes the ordinary path, with its messages.
    """
    template = rules.templates.get(data.template.strip().upper())
    code = data.salesperson or actor.salesperson or contact.salesperson
    if template is None or code not in rules.salespeople or data.opportunity_no or data.task_no:
        return log_interaction(db_session=db_session, actor=actor, contact=contact, data=data)
    _refuse_blocked(contact)
    _check_figures(data)
    entry = _new_entry(contact, data, template, code or "", None, None)
    stamp(entry, actor, created=True)
    insert_loaded(db_session, entry)
    log.info("Interaction %s logged for %s by %s", entry.id, contact.no, actor)
    return entry


def _refuse_blocked(contact: Contact) -> None:
    if contact.privacy_blocked:
        raise Conflict(
            f"{contact.no} {contact.name} is privacy blocked: no new interactions may be logged.",
            hint="Clear the block with `contact edit` once the contact allows it.",
        )


def _check_figures(data: InteractionCreate) -> None:
    if not data.description.strip():
        raise InvalidInput("Say what happened: the description is empty.", field="description")
    if data.duration_min is not None and data.duration_min < 0:
        raise InvalidInput("A duration cannot be negative.", field="duration")
    if data.cost is not None and data.cost < 0:
        raise InvalidInput("A cost cannot be negative.", field="cost")


def _new_entry(
    contact: Contact,
    data: InteractionCreate,
    template: InteractionTemplate,
    salesperson: str,
    opportunity_no: str | None,
    task_no: str | None,
) -> InteractionLogEntry:
    return InteractionLogEntry(
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
        opportunity_no=opportunity_no,
        task_no=task_no,
        email_logged=data.email_logged,
        message_id=data.message_id,
        source_link=data.source_link,
    )


def _links(
    db_session: Session, contact: Contact, data: InteractionCreate
) -> tuple[str | None, str | None]:
    from crm.opportunities.models import Opportunity
    from crm.tasks.models import Task

    opportunity_no = task_no = None
    if data.opportunity_no:
        opportunity_no = data.opportunity_no.strip().upper()
        opportunity = db_session.scalars(
            select(Opportunity).where(Opportunity.no == opportunity_no)
        ).first()
        if opportunity is None:
            raise NotFound(f"There is no opportunity {opportunity_no}.", hint="See `opp list`.")
        company = contact.company_id or contact.id
        if company not in (opportunity.company_id, opportunity.contact_id):
            raise InvalidInput(
                f"Opportunity {opportunity_no} belongs to another contact's company.",
                field="opp",
                hint="Link an opportunity of this contact or its company.",
            )
    if data.task_no:
        task_no = data.task_no.strip().upper()
        if db_session.scalars(select(Task.id).where(Task.no == task_no)).first() is None:
            raise NotFound(f"There is no task {task_no}.", hint="See `task list`.")
    return opportunity_no, task_no


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


@dataclass
class InteractionFilter:
    """Which interactions a list shows; None means any."""

    contact: Contact | None = None
    salesperson: str | None = None
    template: str | None = None
    opportunity_no: str | None = None
    campaign_no: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    canceled: bool = False
    limit: int = 50
    offset: int = 0


@dataclass
class InteractionPage:
    """One page of interactions, newest first, and how many match in all."""

    entries: list[InteractionLogEntry]
    total: int


@dataclass
class InteractionStatistics:
    """Business Central's interaction figures: canceled and postponed entries never count."""

    count: int = 0
    cost: Decimal = field(default_factory=lambda: Decimal("0"))
    duration_min: int = 0
    last_date: dt.datetime | None = None  # failed attempts do not count
    last_attempted: dt.datetime | None = None  # initiated by us, failed or not


def _canceled_parent(db_session: Session, entry: InteractionLogEntry) -> str | None:
    if entry.logged_segment_id is not None:
        logged = db_session.get(LoggedSegment, entry.logged_segment_id)
        if logged is not None and logged.canceled:
            return f"its logged segment {logged.id} is canceled."
    if entry.campaign_entry_id is not None:
        campaign_entry = db_session.get(CampaignEntry, entry.campaign_entry_id)
        if campaign_entry is not None and campaign_entry.canceled:
            return f"its campaign entry {campaign_entry.id} is canceled."
    return None


def get(*, db_session: Session, entry_no: int) -> InteractionLogEntry | None:
    """Return the interaction with this entry number, or None."""
    return db_session.get(InteractionLogEntry, entry_no)


def get_or_raise(*, db_session: Session, entry_no: int | str) -> InteractionLogEntry:
    """Return the interaction with this entry number, or say it does not exist."""
    try:
        number = int(str(entry_no).strip().lstrip("#"))
    except ValueError:
        raise InvalidInput(
            f"'{entry_no}' is not an interaction entry number.",
            field="entry",
            hint="Entry numbers are shown by `interaction list`.",
        ) from None
    entry = get(db_session=db_session, entry_no=number)
    if entry is None:
        raise NotFound(
            f"There is no interaction entry {number}.",
            hint="`interaction list contact=<contact>` shows the entries.",
        )
    return entry


def list_interactions(*, db_session: Session, where: InteractionFilter) -> InteractionPage:
    """Return one page of interactions matching the filter, newest first."""
    stmt = _filtered(select(InteractionLogEntry), where)
    total = db_session.scalar(_filtered(select(func.count(InteractionLogEntry.id)), where)) or 0
    stmt = stmt.order_by(InteractionLogEntry.occurred_at.desc(), InteractionLogEntry.id.desc())
    entries = list(db_session.scalars(stmt.offset(where.offset).limit(where.limit)))
    return InteractionPage(entries, total)


def _filtered(stmt: Select[Any], where: InteractionFilter) -> Select[Any]:
    entry = InteractionLogEntry
    stmt = stmt.where(entry.canceled.is_(where.canceled))
    if where.contact is not None:
        stmt = stmt.where(_contact_clause(where.contact))
    if where.salesperson:
        stmt = stmt.where(entry.salesperson == where.salesperson.strip().upper())
    if where.template:
        stmt = stmt.where(entry.template_code == where.template.strip().upper())
    if where.opportunity_no:
        stmt = stmt.where(entry.opportunity_no == where.opportunity_no.strip().upper())
    if where.campaign_no:
        stmt = stmt.where(entry.campaign_no == where.campaign_no.strip().upper())
    if where.since is not None:
        stmt = stmt.where(entry.occurred_at >= where.since)
    if where.until is not None:
        stmt = stmt.where(entry.occurred_at < where.until)
    return stmt


def _contact_clause(contact: Contact) -> ColumnElement[bool]:
    # A company's figures span its persons, as Business Central's company FlowFields do.
    if contact.is_company:
        return InteractionLogEntry.company_id == contact.id
    return InteractionLogEntry.contact_id == contact.id


def cancel(*, db_session: Session, actor: Actor, entry: InteractionLogEntry) -> None:
    """Cancel an interaction: it stays, but drops out of every statistic."""
    if entry.canceled:
        raise Conflict(
            f"Interaction {entry.id} is canceled already.",
            hint=f"`interaction restore {entry.id}` brings it back.",
        )
    entry.canceled = True
    stamp(entry, actor)
    db_session.flush()
    log.info("Interaction %s canceled by %s", entry.id, actor)


def restore(*, db_session: Session, actor: Actor, entry: InteractionLogEntry) -> None:
    """Restore a canceled interaction, unless the segment or campaign it belongs to is canceled."""
    if not entry.canceled:
        raise Conflict(f"Interaction {entry.id} is not canceled.")
    # A restored entry under a canceled parent would count again in figures its parent voids.
    if reason := _canceled_parent(db_session, entry):
        raise Conflict(
            f"Interaction {entry.id} cannot be restored: {reason}",
            hint="Restore the logged segment or campaign entry it belongs to first.",
        )
    entry.canceled = False
    stamp(entry, actor)
    db_session.flush()
    log.info("Interaction %s restored by %s", entry.id, actor)


def statistics(
    *,
    db_session: Session,
    contact: Contact | None = None,
    template: str | None = None,
    salesperson: str | None = None,
    group: str | None = None,
) -> InteractionStatistics:
    """Count, cost, duration and last dates of interactions, without canceled or postponed ones.

    A company's figures include its persons' interactions.
    """
    entry = InteractionLogEntry
    stmt = select(
        func.count(entry.id),
        func.coalesce(func.sum(entry.cost), 0),
        func.coalesce(func.sum(entry.duration_min), 0),
        func.max(case((entry.attempt_failed.is_(False), entry.occurred_at))),
        func.max(case((entry.initiated_by == InitiatedBy.US.value, entry.occurred_at))),
    ).where(entry.canceled.is_(False), entry.postponed.is_(False))
    if contact is not None:
        stmt = stmt.where(_contact_clause(contact))
    if template:
        stmt = stmt.where(entry.template_code == template.strip().upper())
    if salesperson:
        stmt = stmt.where(entry.salesperson == salesperson.strip().upper())
    if group:
        stmt = stmt.where(entry.group_code == group.strip().upper())
    count, cost, duration, last_date, last_attempted = db_session.execute(stmt).one()
    return InteractionStatistics(
        count=count,
        cost=Decimal(cost).quantize(Decimal("0.01")),
        duration_min=int(duration),
        last_date=_aware(last_date),
        last_attempted=_aware(last_attempted),
    )


def _aware(value: dt.datetime | str | None) -> dt.datetime | None:
    # Aggregates bypass the column type, so SQLite hands back naive text or datetimes.
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)

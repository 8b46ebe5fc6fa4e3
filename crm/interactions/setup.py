"""Interaction setup: groups, templates and the templates automatic logging uses."""

import logging
from dataclasses import dataclass, fields
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.errors import Conflict, InvalidInput, NotFound
from crm.interactions.models import (
    InformationFlow,
    InitiatedBy,
    InteractionGroup,
    InteractionLogEntry,
    InteractionTemplate,
)
from crm.setup.models import CorrespondenceType, MarketingSetup
from crm.setup.service import get_marketing_setup

log = logging.getLogger(__name__)


@dataclass
class TemplateData:
    """The fields of an interaction template; None leaves a field as it is on edit."""

    group: str | None = None
    description: str | None = None
    unit_cost: Decimal | None = None
    unit_duration_min: int | None = None
    information_flow: InformationFlow | None = None
    initiated_by: InitiatedBy | None = None
    correspondence_type: CorrespondenceType | None = None
    campaign_no: str | None = None
    campaign_target: bool | None = None
    campaign_response: bool | None = None


def code_of(text: str, *, field: str = "code") -> str:
    """Return a setup code in its stored form: upper case, 1 to 20 characters, no spaces."""
    code = text.strip().upper()
    if not code or len(code) > 20 or " " in code:
        raise InvalidInput(
            f"'{text}' is not a valid code.",
            field=field,
            hint="A code has 1 to 20 characters and no spaces, like PHONE or MEET_IN.",
        )
    return code


def list_groups(*, db_session: Session) -> list[InteractionGroup]:
    """Return every interaction group, by code."""
    return list(db_session.scalars(select(InteractionGroup).order_by(InteractionGroup.code)))


def create_group(*, db_session: Session, code: str, description: str = "") -> InteractionGroup:
    """Add an interaction group."""
    key = code_of(code)
    if db_session.get(InteractionGroup, key) is not None:
        raise Conflict(f"Interaction group {key} exists already.", hint="Edit it instead.")
    group = InteractionGroup(code=key, description=description.strip()[:100])
    db_session.add(group)
    db_session.flush()
    return group


def update_group(*, db_session: Session, code: str, description: str) -> InteractionGroup:
    """Change an interaction group's description."""
    group = get_group_or_raise(db_session=db_session, code=code)
    group.description = description.strip()[:100]
    return group


def delete_group(*, db_session: Session, code: str) -> None:
    """Delete an interaction group no template uses."""
    group = get_group_or_raise(db_session=db_session, code=code)
    used = db_session.scalar(
        select(func.count()).where(InteractionTemplate.group_code == group.code)
    )
    if used:
        raise Conflict(
            f"Interaction group {group.code} is used by {used} template(s).",
            hint="Move those templates to another group first.",
        )
    db_session.delete(group)
    db_session.flush()


def get_group_or_raise(*, db_session: Session, code: str) -> InteractionGroup:
    """Return the interaction group with this code, or list the codes that exist."""
    group = db_session.get(InteractionGroup, code.strip().upper())
    if group is None:
        known = ", ".join(g.code for g in list_groups(db_session=db_session)) or "none yet"
        raise NotFound(
            f"There is no interaction group '{code}'.",
            hint=f'Groups: {known}. Add one with `setup group add <code> "<description>"`.',
        )
    return group


def list_templates(*, db_session: Session) -> list[InteractionTemplate]:
    """Return every interaction template, by code."""
    return list(db_session.scalars(select(InteractionTemplate).order_by(InteractionTemplate.code)))


def create_template(*, db_session: Session, code: str, data: TemplateData) -> InteractionTemplate:
    """Add an interaction template; its group is mandatory."""
    key = code_of(code)
    if db_session.get(InteractionTemplate, key) is not None:
        raise Conflict(f"Interaction template {key} exists already.", hint="Edit it instead.")
    if not data.group:
        raise InvalidInput(
            "An interaction template needs a group.",
            field="group",
            hint="Add group=<code>; `setup group list` shows them.",
        )
    template = InteractionTemplate(code=key)
    _apply(db_session, template, data)
    db_session.add(template)
    db_session.flush()
    log.info("Interaction template %s created", key)
    return template


def update_template(*, db_session: Session, code: str, data: TemplateData) -> InteractionTemplate:
    """Change the given fields of an interaction template."""
    template = _template_or_raise(db_session, code)
    _apply(db_session, template, data)
    db_session.flush()
    return template


def delete_template(*, db_session: Session, code: str) -> None:
    """Delete a template no interaction uses and no setup field names."""
    template = _template_or_raise(db_session, code)
    used = db_session.scalar(
        select(func.count()).where(InteractionLogEntry.template_code == template.code)
    )
    if used:
        raise Conflict(
            f"Interaction template {template.code} is used by {used} interaction(s).",
            hint="Templates with logged interactions stay; change their description instead.",
        )
    setup = get_marketing_setup(db_session=db_session)
    for name in ("email_template", "phone_call_template", "meeting_template"):
        if getattr(setup, name) == template.code:
            raise Conflict(
                f"Interaction template {template.code} is the {name.replace('_', ' ')}.",
                hint="Choose another with `setup template defaults` first.",
            )
    db_session.delete(template)
    db_session.flush()


def set_template_setup(
    *,
    db_session: Session,
    email: str | None = None,
    phone_call: str | None = None,
    meeting: str | None = None,
) -> MarketingSetup:
    """Choose the templates that e-mails, phone calls and meetings are logged with."""
    setup = get_marketing_setup(db_session=db_session)
    for name, value, field in (
        ("email_template", email, "email"),
        ("phone_call_template", phone_call, "phone"),
        ("meeting_template", meeting, "meeting"),
    ):
        if value is None:
            continue
        if value.strip() in {"", "-"}:
            setattr(setup, name, None)
            continue
        template = db_session.get(InteractionTemplate, value.strip().upper())
        if template is None:
            raise NotFound(f"There is no interaction template '{value}' for {field}=.")
        setattr(setup, name, template.code)
    db_session.flush()
    return setup


def _template_or_raise(db_session: Session, code: str) -> InteractionTemplate:
    from crm.interactions.service import get_template_or_raise

    return get_template_or_raise(db_session=db_session, code=code)


def _apply(db_session: Session, template: InteractionTemplate, data: TemplateData) -> None:
    if data.group is not None:
        template.group_code = get_group_or_raise(db_session=db_session, code=data.group).code
    if data.unit_cost is not None and data.unit_cost < 0:
        raise InvalidInput("A unit cost cannot be negative.", field="cost")
    if data.unit_duration_min is not None and data.unit_duration_min < 0:
        raise InvalidInput("A unit duration cannot be negative.", field="duration")
    if data.campaign_no is not None:
        data.campaign_no = data.campaign_no.strip().upper() or None
    for item in fields(data):
        value = getattr(data, item.name)
        if value is None or item.name == "group":
            continue
        if item.name == "description":
            value = value.strip()[:100]
        setattr(template, item.name, value.value if hasattr(value, "value") else value)
    if not template.description:
        template.description = template.code.title()

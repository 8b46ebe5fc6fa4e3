"""Campaign e-mail content: templates stored as text, checked and rendered by a Renderer.

The core never imports a template engine: the fronts pass a Renderer (the sandboxed Jinja2
one lives in mail/templates.py and bot hands it to the handlers and the scheduler).
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from crm.audit import Actor, stamp
from crm.campaigns.models import Campaign
from crm.contacts.models import Contact
from crm.errors import Conflict, InvalidInput
from crm.setup.models import Salesperson

log = logging.getLogger(__name__)

# The only names a template sees: plain strings from the contact and its salesperson.
CONTACT_FIELDS = (
    "no",
    "name",
    "first_name",
    "middle_name",
    "surname",
    "company_name",
    "job_title",
    "email",
    "phone",
    "address",
    "city",
    "post_code",
    "country",
    "language",
)
PARTS = ("subject", "html", "text")


class Renderer(Protocol):
    """Checks and renders user-written templates in a sandbox."""

    def check(self, source: str, *, name: str, html: bool) -> None:
        """Raise InvalidInput (with the line) when the template cannot be used."""

    def render(self, source: str, fields: Mapping[str, object], *, name: str, html: bool) -> str:
        """Return the template rendered over these fields."""


@dataclass
class Rendered:
    subject: str
    html: str
    text: str


def contact_fields(*, db_session: Session, contact: Contact) -> dict[str, object]:
    """Return the allow-listed, plain-data view of a contact that templates may use."""
    fields: dict[str, object] = {name: getattr(contact, name) or "" for name in CONTACT_FIELDS}
    salesperson = db_session.get(Salesperson, contact.salesperson) if contact.salesperson else None
    fields["salesperson"] = {
        "code": salesperson.code if salesperson else "",
        "name": salesperson.name if salesperson else "",
        "email": (salesperson.email or "") if salesperson else "",
    }
    return {"contact": fields}


def set_content(
    *,
    db_session: Session,
    actor: Actor,
    campaign: Campaign,
    renderer: Renderer,
    subject: str | None = None,
    html: str | None = None,
    text: str | None = None,
) -> Campaign:
    """Store the e-mail templates the renderer accepts; refuse all of them if one fails."""
    given = {"subject": subject, "html": html, "text": text}
    if all(value is None for value in given.values()):
        raise InvalidInput("Give at least one of subject=, html= or text=.", field="subject")
    for part, source in given.items():
        if source is not None:
            renderer.check(source, name=part, html=part == "html")
    if subject is not None:
        if "\n" in subject.strip():
            raise InvalidInput("A subject is one line.", field="subject")
        campaign.email_subject = subject
    if html is not None:
        campaign.email_html = html
    if text is not None:
        campaign.email_text = text
    stamp(campaign, actor)
    db_session.flush()
    log.info("Campaign %s content set by %s", campaign.no, actor)
    return campaign


def preview(
    *, db_session: Session, campaign: Campaign, contact: Contact, renderer: Renderer
) -> Rendered:
    """Render the campaign's e-mail for one contact."""
    if not campaign.email_subject and not campaign.email_html and not campaign.email_text:
        raise Conflict(
            f"Campaign {campaign.no} has no e-mail content yet.",
            hint="Write it with `campaign content <no> subject=... text=... html=...`.",
        )
    fields = contact_fields(db_session=db_session, contact=contact)
    return Rendered(
        subject=renderer.render(campaign.email_subject or "", fields, name="subject", html=False),
        html=renderer.render(campaign.email_html or "", fields, name="html", html=True),
        text=renderer.render(campaign.email_text or "", fields, name="text", html=False),
    )

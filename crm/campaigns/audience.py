"""A campaign's audience: the contacts of its segments, and why any of them gets no mail."""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from crm.campaigns.models import Campaign, EmailSuppression
from crm.contacts.models import Contact
from crm.segments.models import SegmentHeader
from crm.segments.service import LINES


class Exclusion(StrEnum):
    """Why a contact of the campaign is out of the final recipient list, first rule first."""

    PRIVACY_BLOCKED = "privacy blocked"
    EXCLUDED = "excluded from segments"
    NO_EMAIL = "no e-mail"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"


@dataclass
class Recipient:
    contact_no: str
    name: str
    email: str | None
    excluded: str | None  # an Exclusion value, or None when the contact gets the mail


def recipients(*, db_session: Session, campaign: Campaign) -> list[Recipient]:
    """Return every contact of the campaign's open segments with its exclusion, if any."""
    members = (
        select(LINES.c.contact_id)
        .join(SegmentHeader, SegmentHeader.id == LINES.c.segment_id)
        .where(
            SegmentHeader.campaign_no == campaign.no,
            SegmentHeader.logged_segment_id.is_(None),
            LINES.c.removed_by_action.is_(None),
        )
        .distinct()
        .subquery()
    )
    reason = case(
        (Contact.privacy_blocked.is_(True), Exclusion.PRIVACY_BLOCKED.value),
        (Contact.exclude_from_segments.is_(True), Exclusion.EXCLUDED.value),
        (func.coalesce(Contact.search_email, "") == "", Exclusion.NO_EMAIL.value),
        (EmailSuppression.reason == "unsubscribed", Exclusion.UNSUBSCRIBED.value),
        (EmailSuppression.reason == "bounced", Exclusion.BOUNCED.value),
        else_=None,
    )
    stmt = (
        select(Contact.no, Contact.name, Contact.email, reason)
        .join(members, members.c.contact_id == Contact.id)
        .outerjoin(EmailSuppression, EmailSuppression.address == Contact.search_email)
        .order_by(Contact.no)
    )
    return [Recipient(no, name, email, why) for no, name, email, why in db_session.execute(stmt)]

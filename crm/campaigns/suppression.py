"""The e-mail suppression list: addresses no campaign may mail (unsubscribed or bounced)."""

import datetime as dt
import logging
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.campaigns.models import EmailSuppression
from crm.db import utcnow
from crm.errors import InvalidInput
from crm.values import search_email

log = logging.getLogger(__name__)


class Reason(StrEnum):
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"


def add(
    *,
    db_session: Session,
    address: str,
    reason: Reason | str,
    at: dt.datetime | None = None,
    detail: str | None = None,
) -> EmailSuppression:
    """Suppress an address; a second report updates the reason and time of the first."""
    key = search_email(address)
    if not key or "@" not in key:
        raise InvalidInput(f"'{address}' is not an e-mail address.", field="address")
    try:
        reason = Reason(reason)
    except ValueError:
        raise InvalidInput(
            f"'{reason}' is not a suppression reason.",
            field="reason",
            hint=f"Reasons: {', '.join(Reason)}.",
        ) from None
    row = db_session.get(EmailSuppression, key)
    if row is None:
        row = EmailSuppression(address=key)
        db_session.add(row)
    row.reason, row.at, row.detail = reason.value, at or utcnow(), detail
    db_session.flush()
    log.info("Address suppressed (%s)", reason.value)
    return row


def get(*, db_session: Session, address: str) -> EmailSuppression | None:
    """Return the suppression of an address, or None when it may be mailed."""
    key = search_email(address)
    return db_session.get(EmailSuppression, key) if key else None


def is_suppressed(*, db_session: Session, address: str) -> bool:
    """Tell whether campaigns must not mail this address."""
    return get(db_session=db_session, address=address) is not None


def find(*, db_session: Session, reason: Reason | None = None) -> list[EmailSuppression]:
    """Return suppressed addresses, newest first."""
    stmt = select(EmailSuppression).order_by(EmailSuppression.at.desc())
    if reason is not None:
        stmt = stmt.where(EmailSuppression.reason == reason.value)
    return list(db_session.scalars(stmt))

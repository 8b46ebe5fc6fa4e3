"""Claim a request key inside the transaction that acts on it, so that it acts only once."""

import datetime as dt
import logging

from sqlalchemy import delete
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.errors import Conflict
from crm.requests.models import ProcessedRequest

log = logging.getLogger(__name__)

KEEP = dt.timedelta(days=2)


class DuplicateRequest(Conflict):
    """The same request was already acted on: a retry or a double click."""


def claim(*, db_session: Session, key: str, window: dt.timedelta = KEEP) -> ProcessedRequest:
    """Record that the request with this key is being acted on, or refuse a second time.

    The claim is part of the caller's transaction: a command that is refused rolls it back,
    so the user can correct the input and send the same form again. Two concurrent claims of
    one key collide on the primary key and the second transaction fails.
    """
    now = utcnow()
    row = db_session.get(ProcessedRequest, key[:255])
    if row is not None and row.created_at > now - window:
        log.info("Request %s was already handled at %s", key, row.created_at.isoformat())
        raise DuplicateRequest(
            "This was already done a moment ago, so it was not done twice.",
            hint="Run the command again if you meant to do it twice.",
        )
    if row is None:
        row = ProcessedRequest(key=key[:255], created_at=now)
        db_session.add(row)
    else:
        row.created_at = now
    db_session.flush()
    return row


def purge(*, db_session: Session, older_than: dt.timedelta = KEEP) -> int:
    """Delete the keys older than the retry horizon; return how many went."""
    result = db_session.execute(
        delete(ProcessedRequest).where(ProcessedRequest.created_at < utcnow() - older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)

"""Who is who: match a chat user to a salesperson by stored id, else by profile e-mail."""

import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.errors import Forbidden, NotFound
from crm.setup.models import Salesperson
from crm.values import search_email

log = logging.getLogger(__name__)


def get_by_slack_user_id(*, db_session: Session, slack_user_id: str) -> Salesperson | None:
    """Return the salesperson linked to this Slack user, or None."""
    stmt = select(Salesperson).where(Salesperson.slack_user_id == slack_user_id)
    return db_session.scalars(stmt).first()


def get_by_email(*, db_session: Session, email: str) -> Salesperson | None:
    """Return the salesperson with this e-mail address (any case), or None."""
    stmt = select(Salesperson).where(Salesperson.search_email == search_email(email))
    return db_session.scalars(stmt).first()


def resolve_slack_user(
    *, db_session: Session, slack_user_id: str, fetch_email: Callable[[], str | None]
) -> Salesperson:
    """Return the salesperson a Slack user is, linking them by profile e-mail the first time.

    fetch_email is called only when no salesperson has this Slack id yet; it asks Slack for
    the user's profile e-mail. A salesperson matched that way keeps the Slack id, so the next
    request needs no lookup.
    """
    salesperson = get_by_slack_user_id(db_session=db_session, slack_user_id=slack_user_id)
    if salesperson is None:
        email = fetch_email()
        salesperson = get_by_email(db_session=db_session, email=email) if email else None
        if salesperson is None or salesperson.slack_user_id:
            raise NotFound(
                "Rapport does not know you yet: you are not set up as a salesperson.",
                hint="Ask an admin to add you with `/crm setup salesperson add <code> "
                f'"<your name>" email={email or "<your Slack e-mail>"}`; '
                "the next command you type links your Slack account.",
            )
        salesperson.slack_user_id = slack_user_id
        db_session.flush()
        log.info("Salesperson %s linked to Slack user %s", salesperson.code, slack_user_id)
    if salesperson.blocked:
        raise Forbidden(
            f"Salesperson {salesperson.code} is blocked.",
            hint="Ask an admin to unblock you with `setup salesperson edit`.",
        )
    return salesperson

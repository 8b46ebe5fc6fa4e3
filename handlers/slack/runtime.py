"""What the Slack listeners share: the grammar, the database and who the Slack user is."""

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from crm.audit import Actor, Channel
from crm.errors import CrmError
from crm.requests import service as request_service
from crm.setup import identity
from crm.setup import service as setup_service
from crm.setup.models import Salesperson
from handlers.context import Context
from handlers.dispatch import Result, Status, error_view, execute
from handlers.grammar import Registry

log = logging.getLogger(__name__)

T = TypeVar("T")

BUTTON_WINDOW = dt.timedelta(seconds=30)


@dataclass
class SlackRuntime:
    """The collaborators the composition root hands to every Slack listener."""

    registry: Registry
    sessions: sessionmaker[Session]
    output_dir: Path = field(default_factory=lambda: Path("rapport-output"))
    command: str = "/crm"
    uploads: dict[str, str] = field(default_factory=dict)  # chart file -> Slack file id

    def run(
        self,
        text: str,
        *,
        user_id: str,
        client: WebClient,
        key: str | None = None,
        window: dt.timedelta = request_service.KEEP,
    ) -> Result:
        """Run one grammar command as a Slack user, once per request key, in one transaction."""
        return execute(
            text,
            registry=self.registry,
            sessions=self.sessions,
            make_context=self._context_factory(user_id, client, key, window),
        )

    def call(
        self,
        work: Callable[[Context], T],
        *,
        user_id: str,
        client: WebClient,
        key: str | None = None,
    ) -> T | Result:
        """Run one crm call outside the grammar in one transaction, as `run` does a command.

        Returns the call's value, or a Result holding the refusal to show; anything else goes
        to the app's one error handler after the transaction is rolled back.
        """
        make = self._context_factory(user_id, client, key, request_service.KEEP)
        try:
            with self.sessions.begin() as session:
                return work(make(session))
        except CrmError as error:
            log.info("Refused Slack request of %s: %s", user_id, error.message)
            return Result(error_view(error), Status.REFUSED)

    def read(self, query: Callable[[Session], T]) -> T:
        """Run a read-only query (pick lists, the home page) in a short transaction."""
        with self.sessions.begin() as session:
            return query(session)

    def salesperson(self, *, user_id: str, client: WebClient) -> Salesperson | CrmError:
        """Return the salesperson a Slack user is, or the refusal that says why not."""
        try:
            with self.sessions.begin() as session:
                person = identity.resolve_slack_user(
                    db_session=session,
                    slack_user_id=user_id,
                    fetch_email=lambda: profile_email(client, user_id),
                )
                session.expunge(person)
                return person
        except CrmError as error:
            return error

    def _context_factory(
        self, user_id: str, client: WebClient, key: str | None, window: dt.timedelta
    ) -> Callable[[Session], Context]:
        def make(session: Session) -> Context:
            person = identity.resolve_slack_user(
                db_session=session,
                slack_user_id=user_id,
                fetch_email=lambda: profile_email(client, user_id),
            )
            if key:
                request_service.claim(db_session=session, key=key, window=window)
            return Context(
                session=session,
                actor=Actor(Channel.SLACK, person.code, user_id),
                output_dir=self.output_dir,
                time_zone=ZoneInfo(person.time_zone or "UTC"),
                is_admin=setup_service.is_admin(person),
                interactive=True,
            )

        return make


def profile_email(client: WebClient, user_id: str) -> str | None:
    """Return the e-mail of a Slack user's profile (scope users:read.email), if any."""
    response = client.users_info(user=user_id)
    profile = (response.get("user") or {}).get("profile") or {}
    email = profile.get("email")
    log.info("Looked up the profile e-mail of Slack user %s: %s", user_id, bool(email))
    return str(email) if email else None


def is_duplicate(result: Result) -> bool:
    """Tell whether a command was skipped because the same request was already acted on."""
    data = getattr(result.view, "data", None) or {}
    return bool(data.get("error") == request_service.DuplicateRequest.__name__)

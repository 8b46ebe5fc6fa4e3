"""Build Rapport from its settings: the database, the grammar, and the context of a command."""

import logging
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from crm import db
from crm.audit import Actor, Channel
from crm.progress import NoProgress, Progress
from crm.setup import service as setup_service
from crm.sync.remote import DataverseApi
from handlers.commands import build_registry
from handlers.context import Context
from handlers.dispatch import ContextFactory, Result, execute
from handlers.grammar import Registry

log = logging.getLogger(__name__)


class Rapport:
    """The assembled application: one per process."""

    def __init__(self, settings: Settings, *, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or db.make_engine(settings.database_url)
        self.sessions: sessionmaker[Session] = db.make_sessionmaker(self.engine)

    def upgrade(self) -> None:
        """Bring the database schema up to date."""
        db.upgrade(self.engine)

    @cached_property
    def registry(self) -> Registry:
        return build_registry()

    @cached_property
    def dataverse(self) -> DataverseApi | None:
        """Return the Dynamics 365 Sales client, or None when it is not configured."""
        settings = self.settings
        secret = settings.dataverse_client_secret
        if not (settings.dataverse_url and settings.dataverse_tenant_id and secret):
            return None
        from bot.dataverse import DataverseClient, msal_token_provider

        token = msal_token_provider(
            tenant_id=settings.dataverse_tenant_id,
            client_id=settings.dataverse_client_id or "",
            client_secret=secret.get_secret_value(),
            resource=settings.dataverse_url,
        )
        return DataverseClient(
            settings.dataverse_url, token, max_batch=settings.dataverse_batch_size
        )

    def context_factory(
        self,
        *,
        user: str | None,
        channel: Channel = Channel.CONSOLE,
        progress: Progress | None = None,
        interactive: bool = False,
    ) -> ContextFactory:
        """Return how to build a command's context for the salesperson with this code."""

        from mail.templates import SandboxRenderer

        renderer = SandboxRenderer()

        def make(session: Session) -> Context:
            salesperson = None
            if user:
                salesperson = setup_service.get_salesperson_or_raise(db_session=session, code=user)
            zone = salesperson.time_zone if salesperson else self.settings.time_zone
            return Context(
                session=session,
                actor=Actor(channel, salesperson.code if salesperson else None, user),
                output_dir=self.settings.output_dir,
                time_zone=ZoneInfo(zone),
                progress=progress or NoProgress(),
                dataverse=self.dataverse,
                # Without a named user the console is the owner's own terminal on a local file.
                is_admin=setup_service.is_admin(salesperson) if user else True,
                interactive=interactive,
                renderer=renderer,
            )

        return make

    def run(
        self, text: str, *, user: str | None = None, progress: Progress | None = None
    ) -> Result:
        """Run one console command as the given salesperson."""
        return execute(
            text,
            registry=self.registry,
            sessions=self.sessions,
            make_context=self.context_factory(user=user or self.settings.user, progress=progress),
        )

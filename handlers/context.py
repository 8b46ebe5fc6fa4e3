"""What a command runs with: the transaction, who acts, and the front's capabilities."""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from crm.audit import Actor
from crm.progress import NoProgress, Progress
from crm.sync.remote import DataverseApi

if TYPE_CHECKING:
    from crm.campaigns.content import Renderer


@dataclass
class Context:
    """One command's world; the front that builds it owns the transaction."""

    session: Session
    actor: Actor
    output_dir: Path = field(default_factory=lambda: Path("rapport-output"))
    time_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    progress: Progress = field(default_factory=NoProgress)
    is_admin: bool = True
    interactive: bool = False  # the front can ask the user a follow-up question
    # The sandboxed template renderer bot passes in (handlers may not import mail).
    renderer: "Renderer | None" = None
    dataverse: DataverseApi | None = None  # the Dynamics 365 Sales client, when configured

    def today(self) -> dt.date:
        """Return today's date in the user's time zone."""
        return dt.datetime.now(self.time_zone).date()

    def local(self, moment: dt.datetime) -> dt.datetime:
        """Return a stored UTC timestamp in the user's time zone."""
        return moment.astimezone(self.time_zone)

"""The Dynamics 365 Sales sync job: one incremental run, one transaction."""

import logging

from crm.sync import service as sync_service
from scheduler.ports import Collaborators
from scheduler.runtime import Outcome

log = logging.getLogger(__name__)


def synchronize(collaborators: Collaborators) -> Outcome:
    """Synchronize what changed on either side since the last run."""
    client = collaborators.sync
    if client is None:
        return Outcome(summary="Dynamics 365 Sales is not configured: nothing synchronized")
    # A run that loses Dataverse halfway still commits what it finished: its delta links and
    # watermarks stay behind, so the next run reads the rest again.
    with collaborators.sessions.begin() as session:
        run = sync_service.run_incremental(db_session=session, client=client)
        changed = sum(c.inserted + c.modified + c.deleted for c in run.counts)
        failed = sum(c.failed for c in run.counts)
        summary = f"run {run.id}: {changed} changed, {failed} failed, {run.requests} requests"
        if run.error:
            summary += f"; stopped: {run.error}"
    return Outcome(done=changed, failed=failed + (1 if run.error else 0), summary=summary)

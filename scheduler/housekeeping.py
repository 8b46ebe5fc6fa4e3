"""Housekeeping: forget the keys of Slack requests once Slack can no longer retry them."""

from crm.requests import service as request_service
from scheduler.ports import Collaborators
from scheduler.runtime import Outcome


def purge_request_keys(collaborators: Collaborators) -> Outcome:
    """Delete the processed-request keys older than Slack's retry horizon."""
    with collaborators.sessions.begin() as session:
        purged = request_service.purge(db_session=session)
    return Outcome(done=purged, summary=f"{purged} old request keys purged")

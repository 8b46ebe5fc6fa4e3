"""Global middleware: an Events API delivery is acted on once, however often Slack retries."""

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltRequest, BoltResponse

from crm.requests import service as request_service
from handlers.slack.runtime import SlackRuntime

log = logging.getLogger(__name__)


def skip_repeated_events(runtime: SlackRuntime) -> Callable[..., BoltResponse | None]:
    """Return a middleware that answers 200 to an event it has already handled.

    Slack retries an event when our 200 came late (http_timeout) or not at all, with the
    same event_id and an X-Slack-Retry-Num header. The first delivery's claim is committed
    before its listener runs, so a retry is dropped even while the first is still working.
    """

    def skip_repeated_event(
        req: BoltRequest, body: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id:
            return next()
        try:
            with runtime.sessions.begin() as session:
                request_service.claim(db_session=session, key=f"event:{event_id}")
        except request_service.DuplicateRequest:
            retry = (req.headers.get("x-slack-retry-num") or ["0"])[0]
            log.info("Skipped event %s, delivered again (retry %s)", event_id, retry)
            return BoltResponse(status=200, body="")
        return next()

    return skip_repeated_event

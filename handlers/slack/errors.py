"""The one place Slack errors become replies: refusals as they are, the rest as an apology."""

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from crm.errors import CrmError
from handlers.dispatch import error_view, unexpected_view
from handlers.slack.replies import Where, reply
from handlers.views import View

log = logging.getLogger(__name__)

Body = dict[str, Any]
LazyWork = Callable[[Body, WebClient, Respond], None]


def handle_error(
    error: Exception, body: Body, client: WebClient, respond: Respond, ack: Ack | None = None
) -> BoltResponse | None:
    """Tell the user what went wrong: a crm refusal as it is, anything else as an apology.

    When the listener had already acked (a shortcut that then failed to open its modal), the
    ack stands: Slack gets it instead of a 500 and shows no error of its own.
    """
    if isinstance(error, CrmError):
        log.info("Refused a Slack request: %s", error.message)
        view = error_view(error)
    else:
        reference = uuid.uuid4().hex[:8]
        if isinstance(error, SlackApiError):
            log.error(
                "Slack API call failed: %s (reference %s)",
                error.response.get("error"),
                reference,
                exc_info=error,
            )
        else:
            log.error("Slack request failed (reference %s)", reference, exc_info=error)
        view = unexpected_view(reference)
    user_id, channel_id = where_from(body)
    if user_id:
        _tell(view, user_id, channel_id, client, respond)
    acked = getattr(ack, "response", None)
    return acked if isinstance(acked, BoltResponse) else None


def _tell(
    view: View, user_id: str, channel_id: str | None, client: WebClient, respond: Respond
) -> None:
    try:
        reply(view, where=Where(user_id, channel_id), client=client, respond=respond)
    except SlackApiError as failure:
        # The user cannot be told (Slack itself refuses); the log has both errors.
        log.warning("Could not tell %s about an error: %s", user_id, failure.response.get("error"))


def after_ack(work: LazyWork) -> LazyWork:
    """Wrap work that runs after the ack so that its errors reach the one error handler.

    Bolt's lazy runner only logs a failure; the user would never hear of it.
    """

    @functools.wraps(work)
    def run(body: Body, client: WebClient, respond: Respond) -> None:
        try:
            work(body, client, respond)
        except Exception as error:  # noqa: BLE001 - handed to the one error handler
            handle_error(error, body, client, respond)

    return run


def where_from(body: Body) -> tuple[str | None, str | None]:
    """Return the Slack user and channel of any payload: command, action, shortcut or event."""
    user = body.get("user")
    user_id = body.get("user_id") or (user.get("id") if isinstance(user, dict) else user)
    channel = body.get("channel")
    channel_id = body.get("channel_id") or (
        channel.get("id") if isinstance(channel, dict) else None
    )
    container = body.get("container") or {}
    channel_id = channel_id or container.get("channel_id")
    event = body.get("event") or {}
    return user_id or event.get("user"), channel_id or event.get("channel")

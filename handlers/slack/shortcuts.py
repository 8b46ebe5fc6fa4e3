"""Shortcuts: "Log to CRM" on a message, and the global ones that open the main forms."""

import datetime as dt
import json
import logging

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from crm.interactions import chat
from crm.interactions.models import InteractionLogEntry
from handlers.context import Context
from handlers.dispatch import Result
from handlers.slack import forms
from handlers.slack.errors import Body
from handlers.slack.forms import FormRequest, values_of
from handlers.slack.ids import CallbackId
from handlers.slack.modals import field_errors, open_form
from handlers.slack.mrkdwn import clip
from handlers.slack.replies import Where, reply
from handlers.slack.runtime import SlackRuntime, is_duplicate
from handlers.views import Message

log = logging.getLogger(__name__)

MESSAGE_CHARS = 2000  # of the message kept in the modal's metadata (3000 at most in all)
THREAD_REPLIES = 200


def register(app: App, runtime: SlackRuntime) -> None:
    """Listen to the shortcuts and to the submission of the "Log to CRM" form."""

    def handle_new_contact_shortcut(ack: Ack, body: Body, client: WebClient) -> None:
        ack()
        request = FormRequest(forms.CONTACT_NEW, {})
        open_form(request, runtime=runtime, client=client, body=body, channel_id=None)

    def handle_log_shortcut(ack: Ack, body: Body, client: WebClient) -> None:
        ack()
        request = FormRequest(forms.LOG, {})
        open_form(request, runtime=runtime, client=client, body=body, channel_id=None)

    def handle_log_message_shortcut(ack: Ack, body: Body, client: WebClient) -> None:
        ack()
        message = body.get("message") or {}
        text = str(message.get("text") or "")
        metadata = {
            "ts": message.get("ts") or body.get("message_ts"),
            "thread_ts": message.get("thread_ts"),
            "text": clip(text, MESSAGE_CHARS),
        }
        request = FormRequest(forms.LOG_MESSAGE, {"description": clip(text.strip(), 150)})
        channel_id = (body.get("channel") or {}).get("id")
        open_form(
            request,
            runtime=runtime,
            client=client,
            body=body,
            channel_id=channel_id,
            metadata=metadata,
        )

    def handle_log_message_submission(ack: Ack, body: Body, client: WebClient) -> None:
        view = body["view"]
        user_id = body["user"]["id"]
        metadata = json.loads(view.get("private_metadata") or "{}")
        values = values_of(view.get("state") or {})
        channel_id, ts = metadata.get("channel"), metadata.get("ts")
        text = _conversation_text(client, channel_id, metadata, bool(values.get("thread")))
        link = _permalink(client, channel_id, ts)

        def log_message(context: Context) -> InteractionLogEntry:
            return chat.log_chat_message(
                db_session=context.session,
                actor=context.actor,
                contact=_text(values.get("contact")),
                opportunity=_text(values.get("opp")),
                template=_text(values.get("template")) or "",
                description=_text(values.get("description")) or "",
                text=text,
                link=link,
                posted_at=_posted_at(ts),
            )

        outcome = runtime.call(
            log_message, user_id=user_id, client=client, key=f"view:{view['id']}"
        )
        if isinstance(outcome, Result):
            if is_duplicate(outcome) or not isinstance(outcome.view, Message):
                ack()
                return
            ack(response_action="errors", errors=field_errors(forms.LOG_MESSAGE, outcome.view))
            return
        ack()
        about = f" on {outcome.opportunity_no}" if outcome.opportunity_no else ""
        done = Message(f"Logged the message as interaction {outcome.id}{about}, with its link.")
        reply(done, where=Where(user_id, channel_id), client=client, respond=None)

    app.shortcut({"callback_id": CallbackId.SHORTCUT_NEW_CONTACT.value, "type": "shortcut"})(
        handle_new_contact_shortcut
    )
    app.shortcut({"callback_id": CallbackId.SHORTCUT_LOG.value, "type": "shortcut"})(
        handle_log_shortcut
    )
    app.shortcut({"callback_id": CallbackId.SHORTCUT_LOG_MESSAGE.value, "type": "message_action"})(
        handle_log_message_shortcut
    )
    app.view(CallbackId.LOG_MESSAGE.value)(handle_log_message_submission)


def _conversation_text(
    client: WebClient, channel_id: str | None, metadata: dict[str, str], thread: bool
) -> str:
    """Return the message, or the whole thread it belongs to, as plain lines of text."""
    text = metadata.get("text") or ""
    root = metadata.get("thread_ts") or metadata.get("ts")
    if not (thread and channel_id and root):
        return text
    response = client.conversations_replies(channel=channel_id, ts=root, limit=THREAD_REPLIES)
    lines = [
        f"{item.get('user') or item.get('username') or '?'}: {item.get('text') or ''}"
        for item in response.get("messages") or []
    ]
    log.info("Read %d messages of thread %s in %s", len(lines), root, channel_id)
    return "\n".join(lines) or text


def _permalink(client: WebClient, channel_id: str | None, ts: str | None) -> str | None:
    if not (channel_id and ts):
        return None
    try:
        response = client.chat_getPermalink(channel=channel_id, message_ts=ts)
    except SlackApiError as error:
        # The interaction is worth more than its link: log it without one.
        log.warning("No permalink for %s in %s: %s", ts, channel_id, error.response.get("error"))
        return None
    link = response.get("permalink")
    return str(link) if link else None


def _posted_at(ts: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(float(ts), dt.UTC) if ts else None
    except ValueError:
        return None


def _text(value: str | list[str] | None) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None

"""Send a view back to Slack: ephemeral by default, to the channel when shared, files uploaded."""

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from slack_bolt import Respond
from slack_sdk import WebClient

from handlers.slack.blocks import fallback_text, render
from handlers.views import FileView, Stack, View

log = logging.getLogger(__name__)

SHARE_WORDS = {"share", "share=yes", "share=true"}


@dataclass(frozen=True)
class Where:
    """Who asked, from which conversation, and how the answer should be shown."""

    user_id: str
    channel_id: str | None = None
    share: bool = False
    command: str | None = None
    page: int = 0
    replace: bool = False


def split_share(text: str) -> tuple[str, bool]:
    """Return the command without a trailing `share` word, and whether it was there."""
    stripped = text.rstrip()
    head, _, last = stripped.rpartition(" ")
    if head and last.lower() in SHARE_WORDS:
        return head.rstrip(), True
    return stripped, False


def reply(view: View, *, where: Where, client: WebClient, respond: Respond | None) -> None:
    """Show a view to the user (or the channel), uploading the files it holds first."""
    for item in _files(view):
        upload(item, where=where, client=client)
    blocks = render(view, command=where.command, page=where.page)
    text = fallback_text(view)
    if respond is not None and respond.response_url:
        kind = "in_channel" if where.share else "ephemeral"
        respond(text=text, blocks=blocks, response_type=kind, replace_original=where.replace)
    elif where.share and where.channel_id:
        client.chat_postMessage(channel=where.channel_id, text=text, blocks=blocks)
    elif where.channel_id:
        client.chat_postEphemeral(
            channel=where.channel_id, user=where.user_id, text=text, blocks=blocks
        )
    else:
        # Without a conversation, the app's own Messages tab is where the user looks.
        client.chat_postMessage(channel=where.user_id, text=text, blocks=blocks)


def upload(view: FileView, *, where: Where, client: WebClient) -> str | None:
    """Upload a chart or export to the conversation (shared) or the user's direct messages."""
    if where.share and where.channel_id:
        channel = where.channel_id
    else:
        opened = client.conversations_open(users=where.user_id)
        channel = (opened.get("channel") or {}).get("id") or where.user_id
    response = client.files_upload_v2(
        channel=channel,
        file=str(view.path),
        filename=view.path.name,
        title=view.title,
    )
    file_id = (response.get("file") or {}).get("id")
    log.info("Uploaded %s to %s as %s", view.path.name, channel, file_id)
    return str(file_id) if file_id else None


def _files(view: View) -> Iterator[FileView]:
    if isinstance(view, FileView):
        yield view
    elif isinstance(view, Stack):
        for item in view.items:
            yield from _files(item)

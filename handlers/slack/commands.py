"""The /crm slash command: ack at once, then run the grammar and answer in the channel."""

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.slack import forms
from handlers.slack.errors import Body, after_ack
from handlers.slack.modals import open_form
from handlers.slack.replies import Where, reply, split_share
from handlers.slack.runtime import SlackRuntime, is_duplicate

log = logging.getLogger(__name__)


def register(app: App, runtime: SlackRuntime) -> None:
    """Answer the slash command: ack inside Slack's 3 seconds, work after the ack."""

    def ack_crm_command(ack: Ack) -> None:
        ack()

    @after_ack
    def handle_crm_command(body: Body, client: WebClient, respond: Respond) -> None:
        text, share = split_share(body.get("text") or "")
        text = text.strip() or "help"
        user_id, channel_id = body["user_id"], body.get("channel_id")
        log.info("Slack user %s runs /crm %s", user_id, text.split(" ", 2)[:2])
        form = forms.form_for(text)
        if form is not None:
            open_form(form, runtime=runtime, client=client, body=body, channel_id=channel_id)
            return
        # Slack sends a retried command with the same trigger; it must not act twice.
        key = f"command:{body['trigger_id']}" if body.get("trigger_id") else None
        result = runtime.run(text, user_id=user_id, client=client, key=key)
        if is_duplicate(result):
            return
        where = Where(user_id, channel_id, share=share, command=text)
        reply(result.view, where=where, client=client, respond=respond)

    app.command(runtime.command)(ack=ack_crm_command, lazy=[handle_crm_command])

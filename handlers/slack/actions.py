"""Buttons and overflow menus: each runs its grammar command as the user who clicked."""

import json
import logging
import re

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.slack import forms
from handlers.slack.errors import Body, after_ack, where_from
from handlers.slack.home import publish_home
from handlers.slack.ids import ActionId
from handlers.slack.modals import open_form
from handlers.slack.replies import Where, reply
from handlers.slack.runtime import BUTTON_WINDOW, SlackRuntime, is_duplicate

log = logging.getLogger(__name__)

COMMAND_ACTIONS = re.compile(
    f"^({re.escape(ActionId.RUN)}|{re.escape(ActionId.CHOOSE)})(-\\d+)?$|^{ActionId.OVERFLOW}$"
)


def click_key(body: Body) -> str:
    """Return the key of one click on one button of one message, whoever retries it.

    A double click sends two payloads with different triggers, so the key is the button on
    its message and the user; a second press within BUTTON_WINDOW is taken for the same one.
    """
    action = body["actions"][0]
    container = body.get("container") or {}
    where = container.get("message_ts") or container.get("view_id") or ""
    value = action.get("value") or (action.get("selected_option") or {}).get("value", "")
    return f"click:{body['user']['id']}:{where}:{action.get('block_id')}:{value}"


def register(app: App, runtime: SlackRuntime) -> None:
    """Listen to the command buttons, the overflow menus and the "More" pager."""

    def ack_button_click(ack: Ack) -> None:
        ack()

    @after_ack
    def handle_command_button_click(body: Body, client: WebClient, respond: Respond) -> None:
        action = body["actions"][0]
        command = action.get("value") or (action.get("selected_option") or {}).get("value")
        user_id, channel_id = where_from(body)
        if not command or not user_id:
            return
        log.info("Slack user %s pressed %s", user_id, action.get("action_id"))
        form = forms.form_for(command)
        if form is not None:
            open_form(form, runtime=runtime, client=client, body=body, channel_id=channel_id)
            return
        result = runtime.run(
            command, user_id=user_id, client=client, key=click_key(body), window=BUTTON_WINDOW
        )
        if is_duplicate(result):
            return
        where = Where(user_id, channel_id, command=command)
        reply(result.view, where=where, client=client, respond=respond)
        if (body.get("view") or {}).get("type") == "home":
            # A task done from the Home tab must leave it: show the tab as it is now.
            publish_home(user_id, runtime=runtime, client=client)

    @after_ack
    def handle_more_button_click(body: Body, client: WebClient, respond: Respond) -> None:
        asked = json.loads(body["actions"][0]["value"])
        user_id, channel_id = where_from(body)
        if not user_id:
            return
        # Paging reads again: the next rows are those of the command run now, as the user.
        result = runtime.run(asked["command"], user_id=user_id, client=client)
        where = Where(
            user_id, channel_id, command=asked["command"], page=int(asked["page"]), replace=True
        )
        reply(result.view, where=where, client=client, respond=respond)

    app.action(COMMAND_ACTIONS)(ack=ack_button_click, lazy=[handle_command_button_click])
    app.action(ActionId.MORE.value)(ack=ack_button_click, lazy=[handle_more_button_click])

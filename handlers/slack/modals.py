"""Modals as forms over the grammar: open them, fill their pick lists, run their submissions."""

import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from crm.errors import InvalidInput
from crm.home import service as home_service
from handlers.dispatch import Status
from handlers.slack.blocks import quote
from handlers.slack.errors import Body
from handlers.slack.forms import FORMS, Form, FormRequest, Options, modal, values_of
from handlers.slack.ids import OptionSource
from handlers.slack.mrkdwn import clip, plain
from handlers.slack.replies import Where, reply
from handlers.slack.runtime import SlackRuntime, is_duplicate
from handlers.views import Message, Table

log = logging.getLogger(__name__)

FORM_CALLBACKS = re.compile("^(" + "|".join(re.escape(key) for key in FORMS) + ")$")
SEARCH_RESULTS = 20


def open_form(
    request: FormRequest,
    *,
    runtime: SlackRuntime,
    client: WebClient,
    body: Body,
    channel_id: str | None,
    metadata: dict[str, Any] | None = None,
) -> None:
    """Open a form as a modal, with its pick lists read from the CRM."""
    sources = {item.source for item in request.form.fields if item.source}
    choices = runtime.read(lambda session: pick_lists(session, sources))
    view = modal(
        request.form,
        prefill=request.prefill,
        choices=choices,
        metadata={"channel": channel_id, **(metadata or {})},
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)
    user_id = body.get("user_id") or (body.get("user") or {}).get("id")
    log.info("Opened the %s form for %s", request.form.callback_id, user_id)


def pick_lists(session: Session, sources: set[str]) -> dict[str, Options]:
    """Return the options of the static selects a form uses (templates, cycles, codes)."""
    lists: dict[str, Options] = {}
    if "templates" in sources:
        lists["templates"] = [
            (t.code, clip(f"{t.code} · {t.description}".strip(" ·"), 75))
            for t in home_service.get_templates(db_session=session)
        ]
    if "cycles" in sources:
        lists["cycles"] = [
            (c.code, clip(f"{c.code} · {c.description}".strip(" ·"), 75))
            for c in home_service.get_cycles(db_session=session)
        ]
    for kind in ("won", "lost"):
        if f"close-{kind}" in sources:
            lists[f"close-{kind}"] = [
                (c.code, clip(f"{c.code} · {c.description}".strip(" ·"), 75))
                for c in home_service.get_close_codes(db_session=session, type=kind)
            ]
    return lists


def field_errors(form: Form, view: Message) -> dict[str, str]:
    """Return a refusal as Slack modal errors: on the field it names, else on the first one."""
    key = view.data.get("field")
    block_id = key if key and form.field(str(key)) else form.fields[0].key
    text = view.text + (f" {view.hint}" if view.hint else "")
    return {block_id: clip(text, 2000)}


def register(app: App, runtime: SlackRuntime) -> None:
    """Listen to form submissions and to the live searches of their selects."""

    def handle_form_submission(ack: Ack, body: Body, client: WebClient) -> None:
        view = body["view"]
        form = FORMS[view["callback_id"]]
        if form.build is None:  # a form of its own listener, not of the grammar
            ack()
            return
        user_id = body["user"]["id"]
        metadata = json.loads(view.get("private_metadata") or "{}")
        try:
            command = form.build(values_of(view.get("state") or {}))
        except InvalidInput as error:
            ack(response_action="errors", errors={error.field or "": error.message})
            return
        # The command runs before the ack so that a refused value can be marked on its field;
        # a resubmitted (or retried) modal is claimed by its view id and never acts twice.
        result = runtime.run(command, user_id=user_id, client=client, key=f"view:{view['id']}")
        if is_duplicate(result):
            ack()
            return
        if result.status is not Status.DONE and isinstance(result.view, Message):
            ack(response_action="errors", errors=field_errors(form, result.view))
            return
        ack()
        where = Where(user_id, metadata.get("channel"), command=command)
        reply(result.view, where=where, client=client, respond=None)

    def handle_contact_options(ack: Ack, body: Body, client: WebClient) -> None:
        companies = body.get("action_id") == OptionSource.COMPANIES.value
        text = str(body.get("value") or "")
        if "find" in runtime.registry.verbs("contact"):
            found = _find_by_grammar(runtime, text, companies, body["user"]["id"], client)
        else:
            found = runtime.read(lambda session: _find_by_query(session, text, companies))
        ack(options=[{"text": plain(label), "value": value[:150]} for value, label in found])

    app.view(FORM_CALLBACKS)(handle_form_submission)
    app.options(OptionSource.CONTACTS.value)(handle_contact_options)
    app.options(OptionSource.COMPANIES.value)(handle_contact_options)


def _find_by_grammar(
    runtime: SlackRuntime, text: str, companies: bool, user_id: str, client: WebClient
) -> Options:
    """Return the contacts `contact find` ranks first, as (number, label) pairs."""
    command = f"contact find {quote(text)} limit={SEARCH_RESULTS}"
    result = runtime.run(
        command + (" type=company" if companies else ""), user_id=user_id, client=client
    )
    view = result.view
    if not isinstance(view, Table):
        return []
    found = []
    for key, row in zip(view.keys, view.rows, strict=False):
        cells = [cell for cell in row if cell and cell != key]
        found.append((key, clip(" · ".join([key, *cells[:2]]), 75)))
    return found


def _find_by_query(session: Session, text: str, companies: bool) -> Options:
    """Return contacts by name prefix, for a grammar without `contact find`."""
    contacts = home_service.find_contacts(
        db_session=session, text=text, companies_only=companies, limit=SEARCH_RESULTS
    )
    return [(contact.no, clip(f"{contact.no} · {contact.name}", 75)) for contact in contacts]

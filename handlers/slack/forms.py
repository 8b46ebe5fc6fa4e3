"""The forms behind modals: their fields, and the grammar command a submission becomes."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crm.errors import CrmError, InvalidInput
from handlers.grammar import parse, tokenize
from handlers.slack.blocks import quote
from handlers.slack.ids import CallbackId, OptionSource
from handlers.slack.mrkdwn import clip, plain

Values = dict[str, str | list[str] | None]
Options = list[tuple[str, str]]  # (value, label)

EVALUATIONS: Options = [
    (e, e.replace("_", " ")) for e in ("very_positive", "positive", "neutral", "negative")
] + [("very_negative", "very negative")]
PRIORITIES: Options = [("low", "low"), ("normal", "normal"), ("high", "high")]
TASK_TYPES: Options = [("meeting", "meeting"), ("phone_call", "phone call")]
CONTACT_TYPES: Options = [("company", "Company"), ("person", "Person at a company")]


@dataclass(frozen=True)
class Field:
    """One input of a form; its key is the block id and the grammar option or word it fills."""

    key: str
    label: str
    kind: str = "text"  # text, long, date, static, external, radio, checkbox
    optional: bool = True
    options: Options = field(default_factory=list)
    source: str | None = None  # where a select's options come from (see modals.py)
    hint: str | None = None


@dataclass(frozen=True)
class Form:
    """A modal's inputs and how a submission becomes one grammar command."""

    callback_id: CallbackId
    title: str
    submit: str
    fields: list[Field]
    build: Callable[[Values], str] | None = None  # the grammar command of a submission

    def field(self, key: str) -> Field | None:
        """Return the input with this key, or None."""
        return next((item for item in self.fields if item.key == key), None)


@dataclass(frozen=True)
class FormRequest:
    """A form to open, with the values the command that asked for it already gave."""

    form: Form
    prefill: dict[str, str]


def _options(values: Values, *keys: str) -> str:
    parts = []
    for key in keys:
        value = values.get(key)
        if isinstance(value, str) and value.strip():
            parts.append(f"{key}={quote(value.strip())}")
    return " ".join(parts)


def _word(values: Values, key: str) -> str:
    value = values.get(key)
    return quote(value.strip()) if isinstance(value, str) and value.strip() else '""'


def _contact_command(values: Values) -> str:
    kind = values.get("type") or "company"
    company = values.get("company")
    if kind == "person" and not company:
        raise InvalidInput("A person belongs to a company: choose it here.", field="company")
    if kind == "company" and company:
        raise InvalidInput(
            "A company belongs to no other company: leave this empty.", field="company"
        )
    return f"contact add {_word(values, 'name')} " + _options(values, "company", "email", "phone")


def _log_command(values: Values) -> str:
    head = f"log {_word(values, 'contact')} {_word(values, 'template')}"
    head += f" {_word(values, 'description')} "
    return head + _options(values, "at", "duration", "evaluation", "opp")


def _opp_new_command(values: Values) -> str:
    head = f"opp new {_word(values, 'contact')} {_word(values, 'description')} "
    return head + _options(values, "value", "chances", "close", "cycle", "priority")


def _opp_update_command(values: Values) -> str:
    return f"opp update {_word(values, 'opp')} " + _options(values, "value", "chances", "close")


def _opp_win_command(values: Values) -> str:
    return f"opp win {_word(values, 'opp')} " + _options(values, "code", "value", "date")


def _opp_lose_command(values: Values) -> str:
    return f"opp lose {_word(values, 'opp')} " + _options(values, "code", "date")


def _task_command(values: Values) -> str:
    head = f"task add {_word(values, 'description')} "
    return head + _options(values, "contact", "due", "type", "priority", "opp")


CONTACT = Field("contact", "Contact", "external", False, source=OptionSource.CONTACTS)
OPP = Field("opp", "Opportunity", optional=False, hint="Its number, e.g. OP000012")

CONTACT_NEW = Form(
    CallbackId.CONTACT_NEW,
    "New contact",
    "Add",
    [
        Field("type", "This is a", "radio", False, CONTACT_TYPES),
        Field("name", "Name", optional=False),
        Field("company", "Company (for a person)", "external", source=OptionSource.COMPANIES),
        Field("email", "E-mail"),
        Field("phone", "Phone"),
    ],
    _contact_command,
)
LOG = Form(
    CallbackId.LOG,
    "Log an interaction",
    "Log",
    [
        CONTACT,
        Field("template", "Kind", "static", False, source="templates"),
        Field("description", "What happened", "long", False),
        Field("at", "When", "date"),
        Field("duration", "Minutes"),
        Field("evaluation", "How it went", "static", options=EVALUATIONS),
        Field("opp", "Opportunity", hint="Its number, if it is about one"),
    ],
    _log_command,
)
OPP_NEW = Form(
    CallbackId.OPP_NEW,
    "New opportunity",
    "Create",
    [
        CONTACT,
        Field("description", "Description", optional=False),
        Field("value", "Estimated value", hint="e.g. 20000 or 20k"),
        Field("chances", "Chances of success %"),
        Field("close", "Estimated close date", "date"),
        Field("cycle", "Sales cycle", "static", source="cycles"),
        Field("priority", "Priority", "static", options=PRIORITIES),
    ],
    _opp_new_command,
)
OPP_UPDATE = Form(
    CallbackId.OPP_UPDATE,
    "Update opportunity",
    "Update",
    [
        OPP,
        Field("value", "Estimated value"),
        Field("chances", "Chances of success %"),
        Field("close", "Estimated close date", "date"),
    ],
    _opp_update_command,
)
OPP_WIN = Form(
    CallbackId.OPP_WIN,
    "Win opportunity",
    "Win",
    [
        OPP,
        Field("code", "Close code", "static", False, source="close-won"),
        Field("value", "Final value"),
        Field("date", "Closing date", "date"),
    ],
    _opp_win_command,
)
OPP_LOSE = Form(
    CallbackId.OPP_LOSE,
    "Lose opportunity",
    "Close as lost",
    [
        OPP,
        Field("code", "Close code", "static", False, source="close-lost"),
        Field("date", "Closing date", "date"),
    ],
    _opp_lose_command,
)
TASK_NEW = Form(
    CallbackId.TASK_NEW,
    "New task",
    "Add",
    [
        Field("description", "What to do", optional=False),
        Field("contact", "Contact", "external", source=OptionSource.CONTACTS),
        Field("due", "Due", "date"),
        Field("type", "Type", "static", options=TASK_TYPES),
        Field("priority", "Priority", "static", options=PRIORITIES),
        Field("opp", "Opportunity", hint="Its number, if it is about one"),
    ],
    _task_command,
)
LOG_MESSAGE = Form(
    CallbackId.LOG_MESSAGE,
    "Log to CRM",
    "Log",
    [
        Field("contact", "Contact", "external", source=OptionSource.CONTACTS),
        Field("opp", "…or opportunity", hint="Its number; its contact is used when none is chosen"),
        Field("template", "Kind", "static", False, source="templates"),
        Field("description", "Summary", optional=False),
        Field("thread", "Thread", "checkbox", hint="Also keep the replies in the thread"),
    ],
)
FORMS = {
    form.callback_id: form
    for form in (CONTACT_NEW, LOG, OPP_NEW, OPP_UPDATE, OPP_WIN, OPP_LOSE, TASK_NEW)
}


def form_for(command: str) -> FormRequest | None:
    """Return the form a command asks for when it lacks what only a form would collect.

    `log acme`, `opp new acme`, `opp win OP1` (no code), `task add` or `contact add` alone
    open their form, filled in with what was given; complete commands just run.
    """
    try:
        parsed = parse(command)
    except CrmError:
        return None
    words, options = parsed.args.words, parsed.args.options
    verb = parsed.verb or ""
    if parsed.area == "log" and parsed.verb and len(words) < 2:
        # The grammar lower-cases a verb; here the "verb" is the contact as typed.
        contact = tokenize(command.strip().removeprefix("/crm"))[1].text
        given = {"contact": contact} | ({"template": words[0].upper()} if words else {})
        return FormRequest(LOG, {**given, **options})
    if parsed.area == "contact" and verb == "add" and not words:
        return FormRequest(CONTACT_NEW, dict(options))
    if parsed.area == "task" and verb == "add" and not words:
        return FormRequest(TASK_NEW, dict(options))
    if parsed.area != "opp":
        return None
    if verb == "new" and len(words) < 2:
        return FormRequest(OPP_NEW, {"contact": words[0], **options} if words else options)
    if verb in ("win", "lose") and words and "code" not in options:
        return FormRequest(OPP_WIN if verb == "win" else OPP_LOSE, {"opp": words[0], **options})
    if verb == "update" and len(words) == 1 and not options:
        return FormRequest(OPP_UPDATE, {"opp": words[0]})
    return None


def modal(
    form: Form,
    *,
    prefill: dict[str, str],
    choices: dict[str, Options],
    metadata: dict[str, Any],
) -> dict[str, Any]:
    """Return the modal view of a form, its selects filled from choices by source."""
    blocks = [_input(item, prefill.get(item.key), choices) for item in form.fields]
    return {
        "type": "modal",
        "callback_id": form.callback_id,
        "title": plain(form.title, 24),
        "submit": plain(form.submit, 24),
        "close": plain("Cancel", 24),
        "private_metadata": clip(json.dumps(metadata), 3000),
        "blocks": blocks,
    }


def _input(item: Field, initial: str | None, choices: dict[str, Options]) -> dict[str, Any]:
    element: dict[str, Any] = {"action_id": item.key}
    options = item.options or choices.get(item.source or "", [])
    kind = item.kind
    if kind == "static" and not options:
        kind = "text"  # nothing to pick from yet: let the user type the code
    if kind in ("text", "long"):
        element |= {"type": "plain_text_input", "multiline": kind == "long"}
        if initial:
            element["initial_value"] = initial
    elif kind == "date":
        element["type"] = "datepicker"
        if initial and len(initial) == 10 and initial[4] == "-":
            element["initial_date"] = initial
    elif kind == "external":
        element |= {"type": "external_select", "min_query_length": 1}
        if initial:
            element["initial_option"] = {"text": plain(initial), "value": initial[:150]}
    elif kind in ("static", "radio"):
        slack_options = [{"text": plain(label), "value": value} for value, label in options[:100]]
        element |= {"type": "static_select" if kind == "static" else "radio_buttons"}
        element["options"] = slack_options
        chosen = next((o for o in slack_options if o["value"] == (initial or "")), None)
        if chosen is None and kind == "radio":
            chosen = slack_options[0]
        if chosen:
            element["initial_option"] = chosen
    elif kind == "checkbox":
        element |= {"type": "checkboxes", "options": [{"text": plain(item.label), "value": "yes"}]}
    block: dict[str, Any] = {
        "type": "input",
        "block_id": item.key,
        "label": plain(item.label, 2000),
        "optional": item.optional,
        "element": element,
    }
    if item.hint:
        block["hint"] = plain(item.hint, 2000)
    return block


def values_of(state: dict[str, Any]) -> Values:
    """Return the submitted value of every input of a modal, by block id."""
    values: Values = {}
    for block_id, actions in (state.get("values") or {}).items():
        for element in actions.values():
            values[block_id] = _value(element)
    return values


def _value(element: dict[str, Any]) -> str | list[str] | None:
    kind = element.get("type")
    if kind == "datepicker":
        return element.get("selected_date")
    if kind in ("static_select", "external_select", "radio_buttons"):
        return (element.get("selected_option") or {}).get("value")
    if kind == "checkboxes":
        return [option["value"] for option in element.get("selected_options") or []]
    value = element.get("value")
    return str(value) if value is not None else None

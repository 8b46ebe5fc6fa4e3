"""Render views as Block Kit, inside Slack's limits, with every piece of user data escaped."""

import json
import re
from dataclasses import dataclass
from functools import singledispatch
from typing import Any

from handlers.grammar import tokenize
from handlers.slack.ids import ActionId
from handlers.slack.mrkdwn import clip, escape, md, plain
from handlers.text import render as render_text
from handlers.views import Action, Card, Choices, FileView, Message, Stack, Table, Tone, View

Block = dict[str, Any]

MAX_BLOCKS = 50  # per message; modals and the Home tab allow 100
SECTION_CHARS = 3000
FIELD_CHARS = 2000
FIELDS_PER_SECTION = 10
PAGE_ROWS = 15
BUTTONS_SHOWN = 4
OVERFLOW_OPTIONS = 5
OPTION_VALUE_CHARS = 150
BUTTON_VALUE_CHARS = 2000
FALLBACK_CHARS = 3000
MARKS = {Tone.OK: ":white_check_mark:", Tone.INFO: ":information_source:"}
MARKS |= {Tone.WARNING: ":warning:", Tone.ERROR: ":x:"}
QUOTED_NAME = re.compile(r"'([^']+)'")


@dataclass(frozen=True)
class Page:
    """What a renderer needs besides the view: the command that made it and the page asked."""

    command: str | None = None
    page: int = 0


def render(view: View, *, command: str | None = None, page: int = 0) -> list[Block]:
    """Return the blocks of a view, trimmed to what one message may hold."""
    blocks = _blocks(view, Page(command, page))
    if len(blocks) > MAX_BLOCKS:
        note = {"type": "context", "elements": [md("… the rest did not fit in one message.")]}
        blocks = blocks[: MAX_BLOCKS - 1] + [note]
    return blocks


def fallback_text(view: View) -> str:
    """Return the notification text of a message: the view as plain text, escaped."""
    return escape(clip(render_text(view), FALLBACK_CHARS))


def quote(value: str) -> str:
    """Return a value quoted for the grammar when it needs to be."""
    if value and not any(ch.isspace() or ch in "\"'“”‘’\\=" for ch in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@singledispatch
def _blocks(view: View, page: Page) -> list[Block]:
    return [_section(escape(render_text(view)))]


@_blocks.register
def _message(view: Message, page: Page) -> list[Block]:
    blocks = [_section(f"{MARKS[view.tone]} {escape(view.text)}")]
    if view.hint:
        blocks.append(_context(escape(view.hint)))
    return blocks


@_blocks.register
def _card(view: Card, page: Page) -> list[Block]:
    blocks: list[Block] = [{"type": "header", "text": plain(view.title, 150)}]
    if view.subtitle:
        blocks.append(_context(escape(view.subtitle)))
    cells = [md(f"*{escape(label)}*\n{escape(value)}", FIELD_CHARS) for label, value in view.fields]
    for start in range(0, len(cells), FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": cells[start : start + FIELDS_PER_SECTION]})
    for section in view.sections:
        blocks.append({"type": "divider"})
        blocks += _blocks(section, Page(page.command))
    actions = view.actions + slack_actions(view)
    if actions:
        blocks.append(action_block(actions, block_id=f"card-{view.key or 'actions'}"))
    return blocks


def slack_actions(card: Card) -> list[Action]:
    """Return the buttons Slack adds to a record's card: the forms a terminal cannot show.

    Each is a grammar command missing what only a form collects, so pressing it opens the
    form (see forms.form_for); the record is recognised by its number series prefix.
    """
    key = card.key or ""
    extra: list[Action] = []
    if key.startswith("CT"):
        extra = [
            Action("Log interaction", f"log {key}"),
            Action("New opportunity", f"opp new {key}"),
            Action("New task", f"task add contact={key}"),
        ]
    elif key.startswith("OP"):
        extra = [
            Action("Update", f"opp update {key}"),
            Action("Win", f"opp win {key}"),
            Action("Lose", f"opp lose {key}", style="danger"),
        ]
    elif key.startswith("TK"):
        extra = [Action("Done", f"task done {key}", style="primary")]
    known = {action.command for action in card.actions}
    return [action for action in extra if action.command not in known]


@_blocks.register
def _table(view: Table, page: Page) -> list[Block]:
    start = page.page * PAGE_ROWS
    shown = view.rows[start : start + PAGE_ROWS]
    keys = view.keys[start : start + PAGE_ROWS]
    title = f"*{escape(view.title)}*"
    if view.rows and (start or len(view.rows) > PAGE_ROWS):
        title += f"  ({start + 1}–{start + len(shown)} of {len(view.rows)})"
    blocks = [_section(title), _context(escape(" · ".join(view.columns)))]
    lines = [
        _row_line(row, keys[index] if index < len(keys) else None)
        for index, row in enumerate(shown)
    ]
    blocks += [_section(chunk) for chunk in _chunks(lines or ["_(none)_"], SECTION_CHARS)]
    notes = []
    if view.total is not None and view.total > len(view.rows):
        notes.append(f"{len(view.rows)} of {view.total} shown; narrow the search to see others.")
    if view.note:
        notes.append(escape(view.note))
    if notes:
        blocks.append(_context(" ".join(notes)))
    if start + PAGE_ROWS < len(view.rows) and page.command:
        value = json.dumps({"command": page.command, "page": page.page + 1})
        if len(value) <= BUTTON_VALUE_CHARS:
            button = _button("More", value, action_id=ActionId.MORE)
            blocks.append({"type": "actions", "block_id": "table-more", "elements": [button]})
    return blocks


@_blocks.register
def _choices(view: Choices, page: Page) -> list[Block]:
    blocks = [_section(f":grey_question: {escape(view.prompt)}")]
    buttons = []
    for index, item in enumerate(view.choices[:25]):
        command = choice_command(view, item.key, page.command)
        label = f"{item.key} · {item.label}"
        if command is None:
            blocks.append(_section(f"• `{escape(item.key)}` {escape(item.label)}"))
            continue
        buttons.append(_button(label, command, action_id=f"{ActionId.CHOOSE}-{index}"))
    if buttons:
        blocks.append({"type": "actions", "block_id": "choices", "elements": buttons})
    return blocks


@_blocks.register
def _file(view: FileView, page: Page) -> list[Block]:
    return [_section(f":bar_chart: {escape(view.title)} ({escape(view.path.name)})")]


@_blocks.register
def _stack(view: Stack, page: Page) -> list[Block]:
    blocks: list[Block] = []
    for item in view.items:
        if blocks:
            blocks.append({"type": "divider"})
        blocks += _blocks(item, page)
    return blocks


def choice_command(view: Choices, key: str, original: str | None) -> str | None:
    """Return the command a choice runs: the view's own, or the original with the key in it.

    An ambiguous name is quoted in the prompt ("3 contacts match 'acme'"); the original
    command is run again with that word replaced by the chosen key.
    """
    if view.command:
        return (
            view.command.replace("{key}", key)
            if "{key}" in view.command
            else (f"{view.command} {key}")
        )
    match = QUOTED_NAME.search(view.prompt)
    if original is None or match is None:
        return None
    name = match.group(1)
    words = [token.text for token in tokenize(original)]
    for index, word in enumerate(words):
        option, sep, value = word.partition("=")
        if word == name:
            words[index] = key
            break
        if sep and value == name:
            words[index] = f"{option}={key}"
            break
    else:
        joined = " ".join(words)
        if name not in joined:
            return None
        return joined.replace(name, key, 1)
    return " ".join(quote(word) if "=" not in word else _quote_option(word) for word in words)


def action_block(actions: list[Action], *, block_id: str) -> Block:
    """Return an actions block: the first actions as buttons, the others in an overflow menu."""
    shown, rest = actions[:BUTTONS_SHOWN], actions[BUTTONS_SHOWN:]
    if len(actions) == BUTTONS_SHOWN + 1:
        shown, rest = actions, []
    long_ones = [action for action in rest if len(action.command) > OPTION_VALUE_CHARS]
    shown += long_ones
    rest = [action for action in rest if action not in long_ones]
    elements: list[Block] = [
        _button(action.label, action.command, f"{ActionId.RUN}-{index}", action.style)
        for index, action in enumerate(shown[:24])
    ]
    if rest:
        options = [
            {"text": plain(action.label), "value": action.command}
            for action in rest[:OVERFLOW_OPTIONS]
        ]
        elements.append({"type": "overflow", "action_id": ActionId.OVERFLOW, "options": options})
    return {"type": "actions", "block_id": clip(block_id, 255), "elements": elements}


def _button(label: str, value: str, action_id: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": plain(label),
        "value": clip(value, BUTTON_VALUE_CHARS),
        "action_id": action_id,
    }
    if style in ("primary", "danger"):
        button["style"] = style
    return button


def _quote_option(word: str) -> str:
    key, _, value = word.partition("=")
    return f"{key}={quote(value)}"


def _row_line(row: list[str], key: str | None) -> str:
    cells = [escape(cell.replace("\n", " ")) for cell in row if cell]
    if key and cells and cells[0] == escape(key):
        cells[0] = f"`{cells[0]}`"
    return clip(" · ".join(cells), 600)


def _chunks(lines: list[str], limit: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    return chunks + ([current] if current else [])


def _section(text: str) -> Block:
    return {"type": "section", "text": md(text, SECTION_CHARS)}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [md(text, SECTION_CHARS)]}

"""Render views as plain text for the terminal."""

import json
import shutil
from functools import singledispatch

from handlers.views import Card, Choices, FileView, Message, Stack, Table, Tone, View

MARKS = {Tone.OK: "✓", Tone.INFO: "·", Tone.WARNING: "!", Tone.ERROR: "✗"}
MAX_CELL = 40


def render_json(view: View) -> str:
    """Return the view as one JSON document."""
    return json.dumps(view.to_dict(), ensure_ascii=False, indent=2, default=str)


@singledispatch
def render(view: View) -> str:
    """Return the view as text for a terminal."""
    return str(view)


@render.register
def _message(view: Message) -> str:
    text = f"{MARKS[view.tone]} {view.text}"
    return text + (f"\n  {view.hint}" if view.hint else "")


@render.register
def _card(view: Card) -> str:
    lines = [view.title]
    if view.subtitle:
        lines.append(view.subtitle)
    lines.append("─" * min(max(len(view.title), 20), _width()))
    label_width = max((len(label) for label, _ in view.fields), default=0)
    lines += [f"{label:<{label_width}}  {value}" for label, value in view.fields]
    for section in view.sections:
        lines += ["", render(section)]
    if view.actions:
        lines += ["", "Next: " + " | ".join(f"{a.label}: `{a.command}`" for a in view.actions)]
    return "\n".join(lines)


@render.register
def _table(view: Table) -> str:
    # The last column may run on: nothing stands to its right to be pushed out of view.
    cells = [[_clip(cell) for cell in row[:-1]] + [row[-1].replace("\n", " ")] for row in view.rows]
    widths = [len(column) for column in view.columns]
    for row in cells:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=False)]
    head = "  ".join(
        column.upper().ljust(width) for column, width in zip(view.columns, widths, strict=True)
    )
    lines = [view.title, head.rstrip()]
    lines += [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip()
        for row in cells
    ]
    if not view.rows:
        lines.append("(none)")
    if view.total is not None and view.total > len(view.rows):
        lines.append(f"… {len(view.rows)} of {view.total} shown")
    if view.note:
        lines.append(view.note)
    return "\n".join(lines)


@render.register
def _choices(view: Choices) -> str:
    lines = [f"? {view.prompt}"]
    lines += [
        f"  {index}. {item.label}  [{item.key}]" for index, item in enumerate(view.choices, 1)
    ]
    return "\n".join(lines)


@render.register
def _file(view: FileView) -> str:
    return f"✓ {view.title}: {view.path}"


@render.register
def _stack(view: Stack) -> str:
    return "\n\n".join(render(item) for item in view.items)


def _clip(cell: str) -> str:
    cell = cell.replace("\n", " ")
    return cell if len(cell) <= MAX_CELL else cell[: MAX_CELL - 1] + "…"


def _width() -> int:
    return shutil.get_terminal_size((100, 24)).columns

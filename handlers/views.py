"""View models: what a command returns, before a front renders it as text, JSON or Block Kit."""

from dataclasses import asdict, dataclass, field, fields, is_dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any


class Tone(StrEnum):
    OK = "ok"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass
class Action:
    """A button: the grammar command it runs when pressed (`opp next OP000012`)."""

    label: str
    command: str
    style: str | None = None  # "primary" or "danger", as Slack names them


@dataclass
class View:
    """Base class of every view."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"view": type(self).__name__.lower()}
        for item in fields(self):
            data[item.name] = _jsonable(getattr(self, item.name))
        return data


@dataclass
class Message(View):
    text: str
    tone: Tone = Tone.OK
    hint: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Card(View):
    """One record: a title, labelled fields and sections below (timeline, statistics)."""

    title: str
    subtitle: str | None = None
    fields: list[tuple[str, str]] = field(default_factory=list)
    sections: list[View] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    key: str | None = None  # the record's number, for buttons and JSON consumers


@dataclass
class Table(View):
    title: str
    columns: list[str]
    rows: list[list[str]]
    total: int | None = None  # rows there are in all, when only some are shown
    note: str | None = None
    keys: list[str] = field(default_factory=list)  # record number per row, where rows are records


@dataclass
class ChoiceItem:
    key: str
    label: str


@dataclass
class Choices(View):
    """A short numbered list to pick from, instead of a guess."""

    prompt: str
    choices: list[ChoiceItem]
    command: str | None = None  # the command to run again with the chosen key


@dataclass
class FileView(View):
    """A file Rapport wrote: a chart (png) or an export (csv)."""

    title: str
    path: Path
    kind: str


@dataclass
class Chart(FileView):
    pass


@dataclass
class Stack(View):
    """Several views shown one after another."""

    items: list[View]


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """Return a count with its noun: 1 contact, 2 contacts, 1 open opportunity."""
    if count == 1:
        return f"1 {noun}"
    return f"{count} {plural or noun + 's'}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, View):
        return value.to_dict()
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    return value

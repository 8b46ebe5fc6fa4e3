"""The one command grammar: `<area> <verb> [words] [key=value ...]`, and its registry."""

import difflib
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crm.errors import InvalidInput

if TYPE_CHECKING:
    from handlers.context import Context
    from handlers.views import View

OPTION_KEY_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-.")


@dataclass(frozen=True)
class Token:
    text: str
    quoted: bool  # a quote opened before any '=': the word is text, never an option


def tokenize(text: str) -> list[Token]:
    """Split a command into words, honouring single and double quotes and backslashes."""
    tokens: list[Token] = []
    word: list[str] = []
    quoted = in_word = False
    quote: str | None = None
    chars = iter(text)
    for ch in chars:
        if quote:
            if ch == quote:
                quote = None
            elif ch == "\\" and quote == '"':
                word.append(next(chars, ""))
            else:
                word.append(ch)
        elif ch in "\"'“”‘’":
            quote = {"“": "”", "‘": "’"}.get(ch, ch)
            # Quotes after an '=' belong to an option's value: key="two words".
            quoted = quoted or "=" not in word
            in_word = True
        elif ch == "\\":
            word.append(next(chars, ""))
            in_word = True
        elif ch.isspace():
            if in_word:
                tokens.append(Token("".join(word), quoted))
            word, quoted, in_word = [], False, False
        else:
            word.append(ch)
            in_word = True
    if quote:
        raise InvalidInput(
            f"A quote ({quote}) was opened and never closed.",
            hint="Close it, or put a backslash before a quote that is part of the text.",
        )
    if in_word:
        tokens.append(Token("".join(word), quoted))
    return tokens


@dataclass
class Args:
    """The words and key=value options given to one command."""

    words: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    usage: str = ""

    def word(self, index: int, name: str) -> str:
        """Return a required positional word, or say what is missing."""
        if index >= len(self.words) or not self.words[index].strip():
            raise InvalidInput(f"The {name} is missing.", hint=f"Usage: {self.usage}")
        return self.words[index]

    def optional_word(self, index: int) -> str | None:
        return self.words[index] if index < len(self.words) else None

    def rest(self, start: int) -> str:
        """Return the words from start on, joined: free text typed without quotes."""
        return " ".join(self.words[start:])

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.options.get(key, default)


@dataclass(frozen=True)
class Parsed:
    area: str
    verb: str | None
    args: Args


Runner = Callable[["Context", Args], "View"]


@dataclass(frozen=True)
class CommandSpec:
    """One verb of one area: what it runs, how it is written, which options it takes.

    The runner is named as "module:function" and imported on first use, so that listing and
    explaining commands (help, completion) never loads the database layer.
    """

    area: str
    verb: str
    target: str
    summary: str
    usage: str
    options: tuple[str, ...] = ()
    admin: bool = False

    @property
    def run(self) -> Runner:
        module, _, name = self.target.partition(":")
        runner: Runner = getattr(importlib.import_module(module), name)
        return runner


class Registry:
    """Every command the fronts can run, by area and verb."""

    def __init__(self) -> None:
        self._commands: dict[str, dict[str, CommandSpec]] = {}
        self._areas: dict[str, str] = {}

    def area(self, name: str, summary: str) -> None:
        self._areas[name] = summary
        self._commands.setdefault(name, {})

    def command(
        self,
        area: str,
        verb: str,
        run: str,
        *,
        summary: str,
        usage: str,
        options: Iterable[str] = (),
        admin: bool = False,
    ) -> None:
        """Register `<area> <verb>` to run the function named "module:function"."""
        spec = CommandSpec(area, verb, run, summary, usage, tuple(options), admin)
        self._commands.setdefault(area, {})[verb] = spec

    def areas(self) -> dict[str, str]:
        return dict(sorted(self._areas.items()))

    def verbs(self, area: str) -> dict[str, CommandSpec]:
        return dict(sorted(self._commands.get(area, {}).items()))

    def resolve(self, parsed: Parsed) -> CommandSpec:
        """Return the command a parsed line names, or explain which areas and verbs exist."""
        if parsed.area not in self._commands:
            raise InvalidInput(
                f"There is no area '{parsed.area}'.",
                hint=_did_you_mean(parsed.area, self._commands) + "Type `help` for the list.",
            )
        verbs = self._commands[parsed.area]
        if "" in verbs and parsed.verb not in verbs:
            # A bare area such as `log` or `help` is one command: its first word is an argument.
            if parsed.verb is not None:
                parsed.args.words.insert(0, parsed.verb)
            return self._check_options(verbs[""], parsed.args)
        if parsed.verb is None:
            raise InvalidInput(
                f"'{parsed.area}' needs a verb: {', '.join(sorted(verbs))}.",
                hint=f"Type `help {parsed.area}` for what each does.",
            )
        if parsed.verb not in verbs:
            raise InvalidInput(
                f"'{parsed.area}' has no verb '{parsed.verb}'.",
                hint=_did_you_mean(parsed.verb, verbs) + f"Type `help {parsed.area}`.",
            )
        return self._check_options(verbs[parsed.verb], parsed.args)

    def _check_options(self, spec: CommandSpec, args: Args) -> CommandSpec:
        args.usage = spec.usage
        unknown = sorted(set(args.options) - set(spec.options))
        if unknown:
            allowed = ", ".join(spec.options) or "none"
            name = f"{spec.area} {spec.verb}".strip()
            raise InvalidInput(
                f"`{name}` does not take {', '.join(unknown)}=.",
                hint=_did_you_mean(unknown[0], spec.options) + f"Options it takes: {allowed}.",
            )
        return spec


def parse(text: str) -> Parsed:
    """Split a line into area, verb, words and key=value options."""
    tokens = tokenize(text.strip().removeprefix("/crm").strip())
    if not tokens:
        raise InvalidInput("The command is empty.", hint="Type `help` to see what Rapport can do.")
    area = tokens[0].text.lower()
    verb = tokens[1].text.lower() if len(tokens) > 1 and not _is_option(tokens[1]) else None
    args = Args()
    for token in tokens[1 if verb is None else 2 :]:
        if _is_option(token):
            key, _, value = token.text.partition("=")
            key = key.lower().replace("-", "_")
            if key in args.options:
                raise InvalidInput(f"The option {key}= is given twice.", hint="Give it once.")
            args.options[key] = value
        else:
            args.words.append(token.text)
    return Parsed(area, verb, args)


def _is_option(token: Token) -> bool:
    key, sep, _ = token.text.partition("=")
    # A quoted word is text even when it holds an '=' ("a=b" is a description, not an option).
    return bool(sep and key) and not token.quoted and set(key.lower()) <= OPTION_KEY_CHARS


def _did_you_mean(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f"Did you mean '{close[0]}'? " if close else ""

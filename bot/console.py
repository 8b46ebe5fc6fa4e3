"""The terminal console: a prompt with history, completion and help over the command grammar."""

import sys
from collections.abc import Iterable
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory

from bot.app import Rapport
from bot.progress import TerminalProgress
from handlers.grammar import Registry
from handlers.text import render, render_json

BANNER = "Rapport console. Type `help` for commands, `quit` to leave."


class GrammarCompleter(Completer):
    """Complete areas, then verbs, then the option keys the verb takes."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def get_completions(self, document: Document, event: CompleteEvent) -> Iterable[Completion]:
        words = document.text_before_cursor.split()
        if document.text_before_cursor.endswith(" ") or not words:
            words.append("")
        current = words[-1]
        if len(words) == 1:
            candidates: Iterable[str] = self.registry.areas()
        elif len(words) == 2:
            candidates = [verb for verb in self.registry.verbs(words[0]) if verb]
            if words[0] == "help":
                candidates = self.registry.areas()
        else:
            spec = self.registry.verbs(words[0]).get(words[1])
            candidates = [f"{key}=" for key in spec.options] if spec else []
        for candidate in candidates:
            if candidate.startswith(current):
                yield Completion(candidate, start_position=-len(current))


def first_steps(app: Rapport) -> str | None:
    """Return a hint for a newcomer facing an empty database, or None."""
    from crm.demo import count_contacts

    with app.sessions.begin() as session:
        if count_contacts(db_session=session):
            return None
    return (
        "The database has no contacts yet. Type `setup demo` to load a demo company, "
        '`contact add "Acme Corp" email=info@acme.com` to start your own, '
        "or `contact import <file.csv>`."
    )


def run_console(app: Rapport, *, user: str | None, as_json: bool) -> int:
    """Read commands until quit; the last command's status is the exit status."""
    interactive = sys.stdin.isatty()
    status = 0
    if interactive:
        history = Path.home() / ".rapport_history"
        prompt: PromptSession[str] = PromptSession(
            history=FileHistory(str(history)), completer=GrammarCompleter(app.registry)
        )
        print(BANNER)
        if tip := first_steps(app):
            print(tip)
    while True:
        try:
            line = prompt.prompt("crm> ") if interactive else input()
        except (EOFError, KeyboardInterrupt):
            break
        if line.strip() in {"quit", "exit"}:
            break
        if not line.strip():
            continue
        result = app.run(line, user=user, progress=TerminalProgress())
        print(render_json(result.view) if as_json else render(result.view))
        status = int(result.status)
    return status

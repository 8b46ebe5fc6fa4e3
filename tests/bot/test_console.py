"""The console's completion: areas, then verbs, then the option keys of the verb."""

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from bot.console import GrammarCompleter
from handlers.commands import build_registry


def completions(text: str) -> list[str]:
    completer = GrammarCompleter(build_registry())
    found = completer.get_completions(Document(text), CompleteEvent())
    return [completion.text for completion in found]


def test_areas_then_verbs_then_option_keys_are_offered():
    assert "contact" in completions("con")
    assert set(completions("contact ")) >= {"add", "find", "show", "import", "merge"}
    assert completions("contact imp") == ["import"]
    assert {"dry_run=", "on_error=", "dedupe="} <= set(completions("contact import leads.csv "))


def test_help_completes_areas_and_unknown_words_get_nothing():
    assert "contact" in completions("help con")
    assert completions("robot ") == []
    assert completions("contact fly ") == []

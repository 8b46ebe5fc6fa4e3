"""The registry of every command, built once by the composition root."""

from handlers import contacts, setup
from handlers.grammar import Registry


def build_registry() -> Registry:
    """Return the grammar with every area's commands registered."""
    registry = Registry()
    registry.area("help", "this list; `help <area>` for an area's verbs")
    for area in (contacts, setup):
        area.register(registry)
    return registry

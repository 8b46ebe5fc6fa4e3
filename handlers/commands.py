"""The registry of every command, built once by the composition root."""

from handlers import (
    contacts,
    interactions,
    jobs,
    mail,
    opportunities,
    sends,
    setup_activities,
    sync,
    tasks,
)
from handlers.grammar import Registry


def build_registry() -> Registry:
    """Return the grammar with every area's commands registered."""
    registry = Registry()
    registry.area("help", "this list; `help <area>` for an area's verbs")
    areas = (
        contacts,
        interactions,
        opportunities,
        tasks,
        setup_activities,
        mail,
        jobs,
        sends,
        sync,
    )
    for area in areas:
        area.register(registry)
    return registry

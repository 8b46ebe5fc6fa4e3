"""The registry of every command, built once by the composition root."""

from handlers import (
    campaigns,
    contacts,
    digests,
    interactions,
    jobs,
    mail,
    opportunities,
    reports,
    segments,
    sends,
    setup,
    setup_activities,
    sync,
    tasks,
)
from handlers.grammar import Registry


def build_registry() -> Registry:
    """Return the grammar with every area's commands registered."""
    registry = Registry()
    registry.area("help", "this list; `help <area>` for an area's verbs")
    for area in (
        contacts,
        interactions,
        opportunities,
        tasks,
        segments,
        campaigns,
        reports,
        mail,
        setup,
        setup_activities,
        jobs,
        sends,
        digests,
        sync,
    ):
        area.register(registry)
    return registry

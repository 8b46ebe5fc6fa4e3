"""The help command: areas, their verbs and how each is written."""

from handlers.grammar import Registry
from handlers.views import Message, Stack, Table, Tone, View


def help_view(registry: Registry, area: str | None) -> View:
    """Return the list of areas, or the verbs of one area with their usage."""
    if area is None:
        rows = [[name, summary] for name, summary in registry.areas().items()]
        return Stack(
            [
                Table("Rapport commands", ["area", "what it is for"], rows),
                Message(
                    "Type `help <area>` for its verbs. Options are written key=value; "
                    "quote text with spaces.",
                    tone=Tone.INFO,
                ),
            ]
        )
    verbs = registry.verbs(area)
    if not verbs:
        known = ", ".join(registry.areas())
        return Message(f"There is no area '{area}'.", tone=Tone.ERROR, hint=f"Areas: {known}.")
    rows = [
        [spec.usage, spec.summary + (" (admins)" if spec.admin else "")] for spec in verbs.values()
    ]
    return Table(f"help {area}", ["usage", "what it does"], rows)

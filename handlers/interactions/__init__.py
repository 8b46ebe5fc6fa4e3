"""The interaction areas: `log` what happened, and `interaction` to list, cancel and restore."""

from handlers.grammar import Registry

RUN = "handlers.interactions.commands:"

LOG_OPTIONS = (
    "at",
    "salesperson",
    "duration",
    "cost",
    "evaluation",
    "flow",
    "initiated",
    "failed",
    "opp",
    "campaign",
    "task",
)


def register(registry: Registry) -> None:
    """Declare the interaction commands."""
    registry.area("log", "log an interaction with a contact")
    registry.command(
        "log",
        "",
        RUN + "log",
        summary="Log a call, mail or meeting against a contact",
        usage='log <contact> <template> "<what happened>" [at=<date|datetime>] [salesperson=] '
        "[duration=<min>] [cost=] [evaluation=very_positive..very_negative] "
        "[flow=inbound|outbound] [initiated=us|them] [failed=yes] [opp=] [campaign=] [task=]",
        options=LOG_OPTIONS,
    )
    registry.area("interaction", "logged interactions: list, cancel, restore, statistics")
    registry.command(
        "interaction",
        "list",
        RUN + "list_entries",
        summary="List interactions, newest first",
        usage="interaction list [contact=] [salesperson=] [mine=yes] [template=] [from=] [to=] "
        "[canceled=yes] [page=]",
        options=("contact", "salesperson", "mine", "template", "from", "to", "canceled", "page"),
    )
    registry.command(
        "interaction",
        "cancel",
        RUN + "cancel",
        summary="Cancel an interaction (it stays, but no longer counts)",
        usage="interaction cancel <entry no>",
    )
    registry.command(
        "interaction",
        "restore",
        RUN + "restore",
        summary="Restore a canceled interaction",
        usage="interaction restore <entry no>",
    )
    registry.command(
        "interaction",
        "stats",
        RUN + "stats",
        summary="Interaction statistics of a contact, template, group or salesperson",
        usage="interaction stats [contact=] [template=] [group=] [salesperson=] [mine=yes]",
        options=("contact", "template", "group", "salesperson", "mine"),
    )
    registry.command(
        "interaction",
        "timeline",
        RUN + "timeline",
        summary="A contact's interactions, opportunities and tasks, newest first",
        usage="interaction timeline <contact> [page=]",
        options=("page",),
    )

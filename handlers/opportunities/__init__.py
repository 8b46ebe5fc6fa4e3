"""The opportunity area: deals moving through a sales cycle."""

from handlers.grammar import Registry

RUN = "handlers.opportunities.commands:"
ESTIMATES = ("value", "chances", "close", "date")
MOVES = {
    "first": "Activate the first stage",
    "next": "Move to the next stage",
    "prev": "Move back to the previous stage",
    "skip": "Skip forward over stages that allow it",
    "update": "Change the estimates, staying on the stage",
}


def register(registry: Registry) -> None:
    """Declare the opportunity commands."""
    registry.area("opp", "opportunities: deals moving through a sales cycle")
    registry.command(
        "opp",
        "new",
        RUN + "new",
        summary="Open an opportunity for a contact",
        usage='opp new <contact> "<description>" [value=] [chances=] [close=<date>] [cycle=] '
        "[salesperson=] [priority=low|normal|high] [campaign=] [interaction=<entry no>]",
        options=(
            "value",
            "chances",
            "close",
            "cycle",
            "salesperson",
            "priority",
            "campaign",
            "interaction",
        ),
    )
    registry.command(
        "opp", "show", RUN + "show", summary="Show an opportunity", usage="opp show <opp>"
    )
    registry.command(
        "opp",
        "list",
        RUN + "list_opps",
        summary="List opportunities (open ones unless status= says otherwise)",
        usage="opp list [mine=yes] [salesperson=] [status=open|all|won|lost|...] [cycle=] "
        "[stage=] [contact=] [page=]",
        options=("mine", "salesperson", "status", "cycle", "stage", "contact", "page"),
    )
    for verb, summary in MOVES.items():
        registry.command(
            "opp",
            verb,
            RUN + f"move_{verb}",
            summary=summary,
            usage=f"opp {verb} <opp> [value=] [chances=] [close=<date>] [date=<date of change>]",
            options=ESTIMATES,
        )
    registry.command(
        "opp",
        "jump",
        RUN + "jump",
        summary="Jump back to an earlier stage",
        usage="opp jump <opp> <stage> [value=] [close=] [date=]",
        options=ESTIMATES,
    )
    registry.command(
        "opp",
        "win",
        RUN + "win",
        summary="Close an opportunity as won",
        usage="opp win <opp> code=<close code> [value=] [date=]",
        options=("code", "value", "date"),
    )
    registry.command(
        "opp",
        "lose",
        RUN + "lose",
        summary="Close an opportunity as lost",
        usage="opp lose <opp> code=<close code> [date=]",
        options=("code", "date"),
    )
    registry.command(
        "opp",
        "stats",
        RUN + "stats",
        summary="Statistics of a sales cycle per stage",
        usage="opp stats [<cycle>]",
    )

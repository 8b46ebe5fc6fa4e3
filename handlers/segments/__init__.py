"""The segment area: build lists of contacts by criteria, log them, reuse them."""

from handlers.grammar import Registry

RUN = "handlers.segments.commands:"

# The criteria keys of crm.segments.criteria (a test keeps the two equal); listed here so
# that `help` never imports the database layer.
CRITERIA = (
    "no",
    "name",
    "type",
    "salesperson",
    "territory",
    "country",
    "post_code",
    "relation",
    "industry",
    "mailing",
    "job",
    "interaction.template",
    "interaction.from",
    "interaction.to",
    "interaction.evaluation",
    "interaction.campaign",
    "interaction.salesperson",
    "logged",
    "opp.status",
    "opp.cycle",
    "opp.stage",
    "opp.salesperson",
    "task.status",
    "task.type",
    "task.salesperson",
    "task.from",
    "task.to",
    "expand",
    "related",
    "ignore_exclusion",
)
CRITERIA_USAGE = (
    " <segment> <criteria key=value ...> (e.g. type=person relation=CUST,VEND "
    "interaction.template=MEET interaction.from=2026-01-01 opp.status=in_progress expand=yes)"
)


def register(registry: Registry) -> None:
    """Declare the segment commands."""
    registry.area("segment", "lists of contacts built by criteria, logged as interactions")
    command = registry.command
    command(
        "segment",
        "new",
        RUN + "new_segment",
        summary="Create an empty segment",
        usage='segment new "<description>" [template=] [salesperson=] [campaign=] '
        "[target=yes] [response=yes] [subject=] [cost=] [duration=]",
        options=(
            "template",
            "salesperson",
            "campaign",
            "target",
            "response",
            "subject",
            "cost",
            "duration",
        ),
    )
    command(
        "segment",
        "list",
        RUN + "list_segments",
        summary="List segments",
        usage="segment list [logged=yes] [criteria=yes]",
        options=("logged", "criteria"),
    )
    command(
        "segment",
        "show",
        RUN + "show_segment",
        summary="Show a segment, its criteria history and first contacts",
        usage="segment show <segment>",
    )
    for verb, summary in (
        ("add", "Add the contacts that match the criteria"),
        ("reduce", "Remove the contacts that match the criteria"),
        ("refine", "Keep only the contacts that match the criteria"),
    ):
        command(
            "segment",
            verb,
            RUN + f"{verb}_contacts",
            summary=summary,
            usage=f"segment {verb}" + CRITERIA_USAGE,
            options=CRITERIA,
        )
    command(
        "segment",
        "back",
        RUN + "go_back",
        summary="Undo the last criteria actions",
        usage="segment back <segment> [steps=1]",
        options=("steps",),
    )
    command(
        "segment",
        "save",
        RUN + "save_criteria",
        summary="Save the segment's criteria under a code",
        usage='segment save <segment> <code> ["description"]',
    )
    command(
        "segment",
        "reuse",
        RUN + "reuse",
        summary="Replay saved criteria, or add a logged segment's contacts",
        usage="segment reuse <segment> criteria=<code> | logged=<logged entry or segment no>",
        options=("criteria", "logged"),
    )
    command(
        "segment",
        "mailing-group",
        RUN + "mailing_group",
        summary="Give every contact of the segment a mailing group",
        usage="segment mailing-group <segment> <group>",
    )
    command(
        "segment",
        "export",
        RUN + "export",
        summary="Export the segment's contacts as CSV",
        usage="segment export <segment>",
    )
    command(
        "segment",
        "log",
        RUN + "log",
        summary="Log one interaction per contact",
        usage="segment log <segment> [template=] [followup=yes]",
        options=("template", "followup"),
    )
    command(
        "segment",
        "cancel",
        RUN + "cancel",
        summary="Cancel a logged segment with its interactions and campaign entries",
        usage="segment cancel <logged entry or segment no>",
    )

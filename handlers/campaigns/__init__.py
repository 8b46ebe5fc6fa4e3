"""The campaign area: campaigns, their segments, activation, statistics and e-mail content."""

from handlers.grammar import Registry

RUN = "handlers.campaigns.commands:"


def register(registry: Registry) -> None:
    """Declare the campaign commands."""
    registry.area("campaign", "campaigns: segments, targets, statistics, e-mail content")
    command = registry.command
    command(
        "campaign",
        "new",
        RUN + "new_campaign",
        summary="Create a campaign",
        usage='campaign new "<description>" [start=] [end=] [status=] [salesperson=]',
        options=("start", "end", "status", "salesperson"),
    )
    command(
        "campaign",
        "list",
        RUN + "list_campaigns",
        summary="List campaigns",
        usage="campaign list [status=]",
        options=("status",),
    )
    command(
        "campaign",
        "show",
        RUN + "show_campaign",
        summary="Show a campaign",
        usage="campaign show <campaign>",
    )
    command(
        "campaign",
        "link",
        RUN + "link",
        summary="Link a segment to the campaign",
        usage="campaign link <campaign> <segment> [target=yes] [response=yes]",
        options=("target", "response"),
    )
    command(
        "campaign",
        "activate",
        RUN + "activate",
        summary="Fill (or empty) the target group",
        usage="campaign activate <campaign> [off=yes]",
        options=("off",),
    )
    command(
        "campaign",
        "stats",
        RUN + "stats",
        summary="Show the campaign's statistics",
        usage="campaign stats <campaign>",
    )
    command(
        "campaign",
        "content",
        RUN + "content",
        summary="Set or show the e-mail templates",
        usage='campaign content <campaign> [subject="..."] [html="..."] [text="..."]',
        options=("subject", "html", "text"),
    )
    command(
        "campaign",
        "preview",
        RUN + "preview",
        summary="Render the e-mail for one contact",
        usage="campaign preview <campaign> <contact>",
    )
    command(
        "campaign",
        "audience",
        RUN + "audience",
        summary="The final recipient list, with why each excluded contact is out",
        usage="campaign audience <campaign> [all=yes]",
        options=("all",),
    )
    command(
        "campaign",
        "cancel-entry",
        RUN + "cancel_entry",
        summary="Cancel a campaign entry and its interactions",
        usage="campaign cancel-entry <entry no>",
    )

"""Campaign sends: `campaign send|pause|resume|status`, next to the campaign area's own verbs."""

from handlers.grammar import Registry

RUN = "handlers.sends.commands:"


def register(registry: Registry) -> None:
    """Declare the send verbs of the campaign area."""
    if "campaign" not in registry.areas():
        registry.area("campaign", "campaigns and their e-mail sends")
    registry.command(
        "campaign",
        "send",
        RUN + "send_campaign",
        summary="Send the campaign's e-mail to its audience, now or at a time",
        usage="campaign send <campaign> [segment=<segment>] [at=<date time>] [template=<code>]",
        options=("segment", "at", "template"),
    )
    for verb, summary in (
        ("pause", "Pause the campaign's send; nothing more leaves until resumed"),
        ("resume", "Resume a paused send where it stopped"),
        ("status", "Show how far the campaign's send is, and who was skipped and why"),
    ):
        registry.command(
            "campaign",
            verb,
            RUN + f"{verb}_send",
            summary=summary,
            usage=f"campaign {verb} <campaign>",
        )

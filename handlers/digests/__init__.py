"""The digest area: channels and people subscribe to a segment's changes."""

from handlers.grammar import Registry

RUN = "handlers.digests.commands:"


def register(registry: Registry) -> None:
    """Declare the digest commands."""
    registry.area("digest", "daily or weekly digests of a segment's changes in Slack")
    registry.command(
        "digest",
        "add",
        RUN + "add_digest",
        summary="Subscribe a channel (or you) to a segment or saved criteria",
        usage="digest add <segment|criteria> [channel=<id>] [every=daily|weekly] [day=mon] "
        "[at=08:00] [tz=<zone>]",
        options=("channel", "every", "day", "at", "tz"),
    )
    registry.command(
        "digest", "list", RUN + "list_digests", summary="List the digests", usage="digest list"
    )
    registry.command(
        "digest",
        "remove",
        RUN + "remove_digest",
        summary="Stop a digest",
        usage="digest remove <digest no>",
    )
    registry.command(
        "digest",
        "preview",
        RUN + "preview_digest",
        summary="Show what the digest would say now",
        usage="digest preview <digest no>",
    )

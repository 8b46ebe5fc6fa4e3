"""The mail area: senders the mailbox watcher holds for a salesperson to confirm or dismiss."""

from handlers.grammar import Registry

RUN = "handlers.mail.commands:"


def register(registry: Registry) -> None:
    """Declare the mail commands."""
    registry.area("mail", "logged e-mail: senders held for review")
    registry.command(
        "mail",
        "pending",
        RUN + "pending",
        summary="List the senders no contact matched, held for you to decide",
        usage="mail pending [all=yes]",
        options=("all",),
    )
    registry.command(
        "mail",
        "confirm",
        RUN + "confirm",
        summary="Log a held message for a contact, or create the contact",
        usage="mail confirm <id> [contact=<contact>|create=yes]",
        options=("contact", "create"),
    )
    registry.command(
        "mail",
        "dismiss",
        RUN + "dismiss",
        summary="Do not log a held message for that sender",
        usage="mail dismiss <id>",
    )

"""The contact area: companies and persons."""

from handlers.grammar import Registry

RUN = "handlers.contacts.commands:"


def register(registry: Registry) -> None:
    """Declare the contact commands."""
    registry.area("contact", "companies and persons")
    registry.command(
        "contact",
        "add",
        RUN + "add_contact",
        summary="Add a company, or a person with company=...",
        usage='contact add "<name>" [company=<contact>] [email=...] [phone=...]',
        options=("company", "email", "phone"),
    )
    registry.command(
        "contact",
        "show",
        RUN + "show_contact",
        summary="Show a contact's card",
        usage="contact show <contact>",
    )

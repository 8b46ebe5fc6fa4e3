"""The setup area: salespeople, teams, code lists, domains, number series, marketing setup."""

from handlers.grammar import Registry

PEOPLE = "handlers.setup.people:"
LISTS = "handlers.setup.lists:"

CODE_LISTS = {
    "relation": "business relations (companies: customer, prospect, ...)",
    "industry": "industry groups (companies)",
    "mailing": "mailing groups",
    "job": "job responsibilities (persons)",
    "level": "organizational levels (persons)",
    "territory": "territories",
}
MARKETING_OPTIONS = [
    "inherit_salesperson",
    "inherit_territory",
    "inherit_country",
    "inherit_language",
    "inherit_address",
    "inherit_communication",
    "default_salesperson",
    "default_territory",
    "default_country",
    "default_language",
    "default_correspondence",
    "autosearch_duplicates",
    "maintain_search_strings",
    "search_hit_pct",
]


def register(registry: Registry) -> None:
    """Declare the setup commands (admins only)."""
    registry.area("setup", "salespeople, teams, code lists and settings (admins)")
    registry.command(
        "setup",
        "salesperson",
        PEOPLE + "salesperson",
        summary="Add, change, list or block salespeople",
        usage='setup salesperson add|edit|list|block [<code>] ["<name>"] [email=] [slack=] '
        "[role=admin|member] [time_zone=] [phone=] [blocked=yes|no]",
        options=("name", "email", "slack", "role", "time_zone", "phone", "blocked"),
        admin=True,
    )
    registry.command(
        "setup",
        "team",
        PEOPLE + "team",
        summary="Add teams, list them, add or remove members",
        usage='setup team add <code> "<name>" | setup team member <team> <salesperson> '
        "[remove=yes] | setup team list",
        options=("remove",),
        admin=True,
    )
    for kind, what in CODE_LISTS.items():
        registry.command(
            "setup",
            kind,
            LISTS + kind,
            summary=f"Add, list or delete {what}",
            usage=f'setup {kind} add <code> "<description>" | setup {kind} list | '
            f"setup {kind} delete <code>",
            admin=True,
        )
    registry.command(
        "setup",
        "domain",
        LISTS + "domain",
        summary="Add, list or delete the organization's own e-mail domains",
        usage="setup domain add|list|delete [<domain>]",
        admin=True,
    )
    registry.command(
        "setup",
        "series",
        LISTS + "series",
        summary="List number series, or allow manual numbers and move them forward",
        usage="setup series list | setup series edit <code> [allow_manual=yes] "
        '[last_no=] [description=""]',
        options=("allow_manual", "last_no", "description"),
        admin=True,
    )
    registry.command(
        "setup",
        "marketing",
        LISTS + "marketing",
        summary="Show or change inheritance, defaults for new contacts, duplicate search",
        usage="setup marketing show | setup marketing edit key=value ...",
        options=MARKETING_OPTIONS,
        admin=True,
    )
    registry.command(
        "setup",
        "demo",
        "handlers.setup.demo:load_demo",
        summary="Load a demo company: salespeople, teams, code lists, a few hundred contacts",
        usage="setup demo [seed=<number>]",
        options=("seed",),
        admin=True,
    )

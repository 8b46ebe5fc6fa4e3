"""The sync area: Dynamics 365 Sales synchronization, for admins."""

from handlers.grammar import Registry

RUN = "handlers.sync.commands:"


def register(registry: Registry) -> None:
    """Declare the sync commands."""
    registry.area("sync", "synchronization with Dynamics 365 Sales (admins)")
    commands = (
        (
            "status",
            "show_status",
            "Show each mapping, its couplings, conflicts and failures",
            "sync status",
            (),
        ),
        (
            "run",
            "run_changes",
            "Synchronize what changed since the last run",
            "sync run [<mapping> ...]",
            (),
        ),
        (
            "full",
            "run_full",
            "Synchronize everything: create and couple what is missing",
            "sync full [<mapping> ...]",
            (),
        ),
        (
            "couple",
            "couple_record",
            "Couple a record with a Sales row (by id, or by match)",
            "sync couple <contact|salesperson> [<dataverse id>]",
            (),
        ),
        (
            "uncouple",
            "uncouple_record",
            "Remove a record's coupling",
            "sync uncouple <contact|salesperson>",
            (),
        ),
        (
            "conflicts",
            "list_conflicts",
            "List fields changed differently on both sides",
            "sync conflicts",
            (),
        ),
        (
            "resolve",
            "resolve_conflict",
            "Decide a conflict: keep Rapport's or Sales's value",
            "sync resolve <conflict no> keep=rapport|sales",
            ("keep",),
        ),
        (
            "log",
            "show_log",
            "Show the last runs, or one run and its failures",
            "sync log [<run no>] [failures=yes]",
            ("failures",),
        ),
        (
            "mapping",
            "edit_mapping",
            "Show or change a mapping",
            "sync mapping <name> [enabled=yes|no] [direction=to_sales|from_sales|both] "
            "[conflicts=none|rapport|sales] [deletions=uncouple|restore|delete] "
            "[only_coupled=yes|no]",
            ("enabled", "direction", "conflicts", "deletions", "only_coupled"),
        ),
        (
            "field",
            "edit_field",
            "Switch a field mapping on or off, or change its direction",
            "sync field <mapping> <field> [enabled=yes|no] [direction=to_sales|from_sales|both] "
            "[match=yes|no]",
            ("enabled", "direction", "match"),
        ),
    )
    for verb, function, summary, usage, options in commands:
        registry.command(
            "sync",
            verb,
            RUN + function,
            summary=summary,
            usage=usage,
            options=options,
            admin=True,
        )

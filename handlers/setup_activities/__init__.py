"""Admin setup of interactions, sales cycles, close codes and activities (`setup <thing> ...`)."""

from handlers.grammar import Registry

INTERACTIONS = "handlers.setup_activities.interactions:"
PIPELINE = "handlers.setup_activities.pipeline:"


def register(registry: Registry) -> None:
    """Declare the setup verbs of interactions, opportunities and tasks (admins only)."""
    registry.area("setup", "settings and code lists (admins)")
    registry.command(
        "setup",
        "group",
        INTERACTIONS + "group",
        summary="Interaction groups",
        usage='setup group add|edit <code> "<description>" | list | delete <code>',
        admin=True,
    )
    registry.command(
        "setup",
        "template",
        INTERACTIONS + "template",
        summary="Interaction templates, and which ones e-mails, calls and meetings use",
        usage='setup template add|edit <code> ["<description>"] group= [cost=] [duration=<min>] '
        "[flow=inbound|outbound] [initiated=us|them] [correspondence=email|hard_copy] "
        "[campaign=] [target=yes] [response=yes] | list | delete <code> "
        "| defaults [email=] [phone=] [meeting=]",
        options=(
            "group",
            "description",
            "cost",
            "duration",
            "flow",
            "initiated",
            "correspondence",
            "campaign",
            "target",
            "response",
            "email",
            "phone",
            "meeting",
        ),
        admin=True,
    )
    registry.command(
        "setup",
        "cycle",
        PIPELINE + "cycle",
        summary="Sales cycles and their probability method",
        usage='setup cycle add|edit <code> ["<description>"] [method=multiply|add|chances|'
        "completed] [default=yes] [blocked=yes] | list | delete <code>",
        options=("method", "default", "blocked", "description"),
        admin=True,
    )
    registry.command(
        "setup",
        "stage",
        PIPELINE + "stage",
        summary="Stages of a sales cycle",
        usage='setup stage add|edit <cycle> <no> ["<description>"] [completed=%] [chances=%] '
        "[skip=yes] [quote=yes] [formula=1W|2D|1M|CM] [activity=] | list <cycle> "
        "| delete <cycle> <no>",
        options=("completed", "chances", "skip", "quote", "formula", "activity", "description"),
        admin=True,
    )
    registry.command(
        "setup",
        "closecode",
        PIPELINE + "closecode",
        summary="Reasons opportunities are won or lost",
        usage='setup closecode add <code> won|lost "<description>" | edit <code> [type=] '
        "[description=] | list | delete <code>",
        options=("type", "description"),
        admin=True,
    )
    registry.command(
        "setup",
        "activity",
        PIPELINE + "activity",
        summary="Activities: steps that become tasks",
        usage='setup activity add|edit <code> "<description>" | list [<code>] | delete <code> '
        '| step <code> "<description>" [type=phone_call|meeting] [priority=] [formula=2D] '
        "| unstep <code> <step no>",
        options=("type", "priority", "formula"),
        admin=True,
    )

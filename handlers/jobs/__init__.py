"""The jobs area: what the scheduler runs, for admins; and each person's notifications."""

from handlers.grammar import Registry

RUN = "handlers.jobs.commands:"


def register(registry: Registry) -> None:
    """Declare the jobs and notify commands."""
    registry.area("jobs", "scheduled jobs: list, run now, pause, resume (admins)")
    registry.command(
        "jobs",
        "list",
        RUN + "list_jobs",
        summary="List the scheduled jobs, their next and last runs",
        usage="jobs list",
        admin=True,
    )
    for verb, summary in (
        ("run", "Run a job now (on the instance that runs the scheduler)"),
        ("pause", "Pause a job until it is resumed"),
        ("resume", "Resume a paused job"),
    ):
        registry.command(
            "jobs",
            verb,
            RUN + f"{verb}_job",
            summary=summary,
            usage=f"jobs {verb} <job id>",
            admin=True,
        )
    registry.area("notify", "your task reminders and morning summary")
    registry.command(
        "notify",
        "show",
        RUN + "show_notifications",
        summary="Show which reminders you get",
        usage="notify show",
    )
    registry.command(
        "notify",
        "set",
        RUN + "set_notifications",
        summary="Switch your task reminders and morning summary on or off",
        usage="notify set [reminders=on|off] [before=<minutes>] [summary=on|off] [hour=<0-23>]",
        options=("reminders", "before", "summary", "hour"),
    )

"""The task area: to-dos, phone calls and meetings for a salesperson or a team."""

from handlers.grammar import Registry

RUN = "handlers.tasks.commands:"


def register(registry: Registry) -> None:
    """Declare the task commands."""
    registry.area("task", "tasks: to-dos, calls and meetings")
    registry.command(
        "task",
        "add",
        RUN + "add",
        summary="Add a task for a salesperson (you, by default) or a team",
        usage='task add "<description>" [contact=] [due=] [time=] [type=meeting|phone_call] '
        "[priority=] [salesperson=] [team=] [opp=] [campaign=] [duration=] "
        "[recur=<1W|2D|1M>] [recur_from=due|closing]",
        options=(
            "contact",
            "due",
            "time",
            "type",
            "priority",
            "salesperson",
            "team",
            "opp",
            "campaign",
            "duration",
            "recur",
            "recur_from",
        ),
    )
    registry.command(
        "task",
        "list",
        RUN + "list_tasks",
        summary="List tasks by due date (open ones unless status= says otherwise)",
        usage="task list [mine=yes] [salesperson=] [team=] [status=] [overdue=yes] [contact=] "
        "[page=]",
        options=("mine", "salesperson", "team", "status", "overdue", "contact", "page"),
    )
    registry.command(
        "task",
        "done",
        RUN + "done",
        summary="Complete a task, optionally logging its interaction",
        usage="task done <task> [log=<template>]",
        options=("log",),
    )
    registry.command(
        "task",
        "cancel",
        RUN + "cancel",
        summary="Cancel a task",
        usage="task cancel <task>",
    )

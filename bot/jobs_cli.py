"""`rapport jobs list|run|pause|resume`: the scheduler's jobs from the terminal."""

import argparse
from typing import Any


def register(commands: Any) -> None:
    """Add the `jobs` command to the `rapport` parser's subcommands."""
    jobs = commands.add_parser("jobs", help="scheduled jobs: list, run, pause, resume")
    verbs = jobs.add_subparsers(metavar="VERB")
    verbs.add_parser("list", help="list the jobs, their next and last runs").set_defaults(
        handler=_grammar, verb="list"
    )
    run = verbs.add_parser("run", help="run a job now")
    run.add_argument("job_id")
    run.add_argument(
        "--here", action="store_true", help="run it in this process instead of the leader"
    )
    run.set_defaults(handler=_run)
    for verb in ("pause", "resume"):
        parser = verbs.add_parser(verb, help=f"{verb} a job")
        parser.add_argument("job_id")
        parser.set_defaults(handler=_grammar, verb=verb)
    jobs.set_defaults(handler=_grammar, verb="list")


def _grammar(args: argparse.Namespace) -> int:
    from bot.cli import _app
    from handlers.text import render

    words = ["jobs", args.verb] + ([args.job_id] if getattr(args, "job_id", None) else [])
    result = _app().run(" ".join(words))
    print(render(result.view))
    return int(result.status)


def _run(args: argparse.Namespace) -> int:
    if not args.here:
        args.verb = "run"
        return _grammar(args)
    from bot.cli import _app
    from bot.scheduling import build_collaborators
    from scheduler.jobs import static_jobs
    from scheduler.runtime import execute

    app = _app(quiet=False)
    specs = {spec.job_id: spec for spec in static_jobs()}
    spec = specs.get(args.job_id)
    if spec is None:
        print(f"✗ There is no job '{args.job_id}'. Jobs: {', '.join(sorted(specs))}.")
        return 1
    outcome = execute(build_collaborators(app), spec.job_id, spec.kind, *spec.args)
    print(f"✓ {spec.job_id}: {outcome.summary or f'{outcome.done} done'}")
    return 0 if not outcome.failed else 2

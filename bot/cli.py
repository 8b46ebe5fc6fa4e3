"""The `rapport` command: start, console, run, and the operator's verbs (config, db, ...)."""

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot import jobs_cli, mailcli
from handlers.grammar import OPTION_KEY_CHARS

if TYPE_CHECKING:
    from bot.app import Rapport
    from mail.notify import Notifier

OPERATOR_COMMANDS = {"start", "console", "run", "config", "db", "jobs"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status (0 done, 1 refused, 2 failed)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    operator = argv and (argv[0] in OPERATOR_COMMANDS or mailcli.is_mail_operation(argv))
    if argv and not operator and not argv[0].startswith("-"):
        # `rapport contact find acme --as AB` is `rapport run "contact find acme" --as AB`.
        words, flags = _split_flags(argv)
        argv = ["run", " ".join(_quote(word) for word in words), *flags]
    args = _parser().parse_args(argv)
    if not hasattr(args, "handler"):
        _parser().print_help()
        return 0
    try:
        return int(args.handler(args))
    except BrokenPipeError:
        # The reader (`| head`) left early: not an error of ours, and no traceback for it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _split_flags(argv: list[str]) -> tuple[list[str], list[str]]:
    """Separate the run flags (--json, --as CODE) from the words of a grammar command."""
    words: list[str] = []
    flags: list[str] = []
    rest = iter(argv)
    for word in rest:
        if word == "--json" or word.startswith("--as="):
            flags.append(word)
        elif word == "--as":
            flags += [word, next(rest, "")]
        else:
            words.append(word)
    return words, flags


def _quote(word: str) -> str:
    """Quote a shell word for the grammar, keeping key=value an option when the value has spaces."""
    key, sep, value = word.partition("=")
    if sep and key and set(key.lower()) <= OPTION_KEY_CHARS:
        return f"{key}={shlex.quote(value)}"
    return shlex.quote(word)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rapport", description="Rapport, the CRM assistant.")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    start = commands.add_parser("start", help="start Rapport: Slack, mail and scheduler or console")
    start.add_argument("--as", dest="user", help="salesperson code at the console")
    start.set_defaults(handler=_start)

    console = commands.add_parser("console", help="open the terminal console")
    console.add_argument("--as", dest="user", help="salesperson code of the person typing")
    console.add_argument("--json", action="store_true", help="print results as JSON")
    console.set_defaults(handler=_console)

    run = commands.add_parser("run", help='run one command, e.g. rapport run "contact find acme"')
    run.add_argument("command", help="the command, quoted as one argument")
    run.add_argument("--as", dest="user", help="salesperson code of the person acting")
    run.add_argument("--json", action="store_true", help="print the result as JSON")
    run.set_defaults(handler=_run)

    config = commands.add_parser("config", help="show the settings").add_subparsers()
    config.add_parser("check", help="show what is set and what is missing").set_defaults(
        handler=_config_check
    )

    mailcli.register(commands)

    database = commands.add_parser("db", help="the database schema").add_subparsers()
    database.add_parser("upgrade", help="upgrade the schema").set_defaults(handler=_db_upgrade)
    database.add_parser("current", help="show the schema revision").set_defaults(
        handler=_db_current
    )
    jobs_cli.register(commands)
    return parser


def _app(*, upgrade: bool = True, quiet: bool = True):  # type: ignore[no-untyped-def]
    from bot import logs
    from bot.app import Rapport
    from bot.settings import Settings

    settings = Settings()
    logs.configure(settings.log_level, settings.log_file, quiet=quiet)
    app = Rapport(settings)
    if upgrade:
        app.upgrade()
    return app


def _run(args: argparse.Namespace) -> int:

    text = args.command
    if text.strip().split(" ", 1)[0] == "help":
        # Help needs no database: answer it without opening one, so it is instant.
        return _help(text, as_json=args.json)
    from bot.progress import TerminalProgress
    from handlers.text import render, render_json

    app = _app()
    result = app.run(text, user=args.user, progress=TerminalProgress())
    print(render_json(result.view) if args.json else render(result.view))
    return int(result.status)


def _help(text: str, *, as_json: bool) -> int:
    from handlers.commands import build_registry
    from handlers.help import help_view
    from handlers.text import render, render_json

    words = text.split()
    view = help_view(build_registry(), words[1] if len(words) > 1 else None)
    print(render_json(view) if as_json else render(view))
    return 0


def _console(args: argparse.Namespace) -> int:
    from bot.console import run_console

    return run_console(_app(), user=args.user, as_json=args.json)


def _start(args: argparse.Namespace) -> int:
    from bot.console import run_console
    from bot.scheduling import start_scheduler

    app = _app()
    watcher = mailcli.start_watcher(app, notifier=_mail_notifier(app))
    scheduler = start_scheduler(app)
    try:
        if app.settings.slack_configured:
            from bot import logs
            from bot.slack import run_slack

            # A server has no prompt to keep clean: its log goes to stderr at the configured
            # level.
            logs.configure(app.settings.log_level, app.settings.log_file)
            return run_slack(app)
        return run_console(app, user=args.user, as_json=False)
    finally:
        if scheduler is not None:
            scheduler.stop()
        if watcher is not None:
            watcher.stop()


def _mail_notifier(app: "Rapport") -> "Notifier | None":
    # The forwarder hears back in Slack when Slack is configured, otherwise by e-mail.
    if not app.settings.slack_configured or app.settings.mail_backend == "none":
        return None
    from bot.mailnotify import SlackNotifier
    from bot.slack import slack_client
    from mail.notify import EmailNotifier

    fallback = EmailNotifier(mailcli.build_mailbox(app.settings))
    return SlackNotifier(client=slack_client(app), sessions=app.sessions, fallback=fallback)


def _config_check(args: argparse.Namespace) -> int:
    from bot.settings import Settings

    settings = Settings()
    width = max(len(name) for name, *_ in settings.describe())
    for name, shown, source, description in settings.describe():
        marker = "*" if source == "set" else " "
        print(f"{marker} {name:<{width}}  {shown:<40}  {description}")
    problems = settings.problems()
    for problem in problems:
        print(f"✗ {problem}")
    print("(* = set by you; secrets are masked)")
    return 1 if problems else 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from crm import db

    app = _app()
    print(f"✓ Database at revision {db.current_revision(app.engine)}.")
    return 0


def _db_current(args: argparse.Namespace) -> int:
    from crm import db

    app = _app(upgrade=False)
    current, head = db.current_revision(app.engine), db.head_revision()
    state = "up to date" if current == head else f"behind (newest is {head})"
    print(f"Database revision: {current or 'empty'}, {state}.")
    return 0 if current == head else 1

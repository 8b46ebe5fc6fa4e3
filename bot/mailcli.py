"""`rapport mail watch|run-once|status|inspect`, and the wiring of mailbox, pipeline and watcher."""

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.app import Rapport
    from bot.settings import Settings
    from mail.mailbox import Mailbox
    from mail.notify import Notifier
    from mail.pipeline import Pipeline, Watcher

VERBS = {"watch", "run-once", "status", "inspect"}


def is_mail_operation(argv: list[str]) -> bool:
    """Tell whether a command line is one of the mail operator verbs, not a grammar command."""
    return len(argv) >= 2 and argv[0] == "mail" and argv[1] in VERBS


def register(commands: Any) -> None:
    """Add the `mail` operator verbs to the `rapport` parser."""
    mail = commands.add_parser("mail", help="the bot mailbox: watch, run-once, status, inspect")
    verbs = mail.add_subparsers(metavar="VERB")
    verbs.add_parser("watch", help="read the mailbox every few seconds").set_defaults(
        handler=_watch
    )
    verbs.add_parser("run-once", help="process what waits in the queue now").set_defaults(
        handler=_run_once
    )
    verbs.add_parser("status", help="queue, pending senders, failures").set_defaults(
        handler=_status
    )
    inspect = verbs.add_parser("inspect", help="show how Rapport reads one .eml file")
    inspect.add_argument("file", type=Path, help="the message, as an .eml file")
    inspect.add_argument(
        "--internal-domain",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="a domain of our own organization (repeat for several)",
    )
    inspect.add_argument("--json", action="store_true", help="print one JSON object")
    inspect.set_defaults(handler=_inspect)


def build_mailbox(settings: "Settings") -> "Mailbox":
    """Return the mailbox the settings name."""
    queue, storage = settings.mail_queue_folder, settings.mail_storage_folder
    failed = settings.mail_failed_folder
    if settings.mail_backend == "ews":
        from mail.exchange import ExchangeMailbox

        password = settings.ews_password.get_secret_value() if settings.ews_password else None
        return ExchangeMailbox(
            endpoint=settings.ews_url or "",
            address=settings.mailbox_address,
            username=settings.ews_username,
            password=password,
            version=settings.ews_version,
            auth_type=settings.ews_auth_type,
            queue=queue,
            storage=storage,
            failed=failed,
        )
    if settings.mail_backend == "graph":
        from mail.graph import GraphMailbox, msal_token_provider

        secret = settings.graph_client_secret
        token = msal_token_provider(
            tenant_id=settings.graph_tenant_id or "",
            client_id=settings.graph_client_id or "",
            client_secret=secret.get_secret_value() if secret else "",
        )
        return GraphMailbox(
            user=settings.mailbox_address,
            token=token,
            base_url=settings.graph_url,
            queue=queue,
            storage=storage,
            failed=failed,
        )
    from mail.mailbox import MaildirMailbox

    return MaildirMailbox(settings.maildir_path, address=settings.mailbox_address)


def build_pipeline(app: "Rapport", notifier: "Notifier | None" = None) -> "Pipeline":
    """Return the logging pipeline; replies go by e-mail unless another notifier is given."""
    from crm.maillog.service import UnknownPolicy
    from mail.notify import EmailNotifier
    from mail.pipeline import MailConfig, Pipeline

    settings = app.settings
    mailbox = build_mailbox(settings)
    secret = settings.unsubscribe_secret
    config = MailConfig(
        policy=UnknownPolicy(settings.mail_unknown_senders),
        sender_cap=settings.mail_sender_cap,
        max_bytes=settings.mail_max_bytes,
        log_private=settings.mail_log_private,
        workers=settings.mail_workers,
        group=settings.mail_group,
        unsubscribe_secret=secret.get_secret_value() if secret else None,
    )
    return Pipeline(
        sessions=app.sessions,
        mailbox=mailbox,
        config=config,
        notifier=notifier or EmailNotifier(mailbox),
    )


def start_watcher(app: "Rapport", notifier: "Notifier | None" = None) -> "Watcher | None":
    """Start the mailbox watcher in a thread when a mailbox is configured."""
    if app.settings.mail_backend == "none":
        return None
    from mail.pipeline import Watcher

    watcher = Watcher(build_pipeline(app, notifier), interval=app.settings.mail_poll_seconds)
    watcher.start_thread()
    return watcher


def _app() -> "Rapport":
    from bot.cli import _app as make_app

    app: Rapport = make_app(quiet=False)
    return app


def _watch(args: argparse.Namespace) -> int:
    from mail.pipeline import Watcher

    app = _app()
    watcher = Watcher(build_pipeline(app), interval=app.settings.mail_poll_seconds)
    print(f"Watching the mailbox every {watcher.interval:g} s; Ctrl+C stops.", file=sys.stderr)
    try:
        watcher.run()
    except KeyboardInterrupt:
        watcher.stop()
    return 0


def _run_once(args: argparse.Namespace) -> int:
    pipeline = build_pipeline(_app())
    problem = pipeline.ready()
    summary = pipeline.run_once()
    if problem:
        print(f"✗ Mail was not read: {problem}.")
        return 1
    print(f"✓ {summary}.")
    return 0


def _status(args: argparse.Namespace) -> int:
    from crm.maillog import service as maillog

    app = _app()
    mailbox = build_mailbox(app.settings)
    with app.sessions() as session:
        state = maillog.status(db_session=session)
    print(f"Queue: {mailbox.count()} message(s) waiting in {app.settings.mail_backend}.")
    print(f"Pending senders: {state.pending} (see `rapport mail pending`).")
    counts = ", ".join(f"{n} {status}" for status, n in sorted(state.counts.items())) or "none"
    print(f"Last 24 hours: {counts}.")
    if state.failures:
        print("Recent failures:")
        for failure in state.failures:
            when = failure.processed_at.strftime("%Y-%m-%d %H:%M")
            print(f"  {when}  {failure.message_id or failure.key[:20]}  {failure.reason}")
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from mail.classify import Internal
    from mail.inspect import inspect_message

    try:
        raw = args.file.read_bytes()
    except OSError as error:
        print(f"✗ Cannot read {args.file}: {error.strerror}.", file=sys.stderr)
        return 1
    domains = frozenset(d.strip().lower().lstrip("@") for d in args.internal_domain if d.strip())
    result = inspect_message(raw, Internal(domains=domains))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"Kind:         {result['kind']}")
    print(f"Direction:    {result['direction'] or '—'}")
    print(f"Counterparts: {', '.join(result['counterparts']) or '—'}")
    print(f"Subject:      {result['subject'] or '—'}")
    print(f"Date:         {result['occurred_at'] or '—'}")
    return 0

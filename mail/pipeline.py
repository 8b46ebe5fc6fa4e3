"""The logging pipeline: one message, one transaction, then the move; never the other order."""

import datetime as dt
import hashlib
import itertools
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crm.errors import CrmError
from crm.interactions.service import log_rules
from crm.maillog import service as maillog
from crm.maillog.models import MessageStatus
from crm.maillog.service import MailFacts, Outcome, Party, UnknownPolicy
from crm.sends import service as sends
from crm.sends import tokens
from mail.classify import Classification, Internal, Kind, classify, parties
from mail.commands import find_commands, strip_commands
from mail.mailbox import Mailbox, QueuedMessage
from mail.notify import Notifier, Report
from mail.parse import ParsedMessage, parse_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailConfig:
    """The rules the watcher follows; bot fills them from the settings."""

    policy: UnknownPolicy = UnknownPolicy.REVIEW
    sender_cap: int = 60
    max_bytes: int = 25 * 1024 * 1024
    log_private: bool = False
    batch: int = 500
    unsubscribe_secret: str | None = None  # signs campaign unsubscribe tokens; bot passes it
    # Groups of messages logged side by side, each worker on its own connection: PostgreSQL
    # overlaps one worker's round trips with the other's parsing; SQLite takes one writer
    # at a time, so 0 (the default) means 2 there and 1 on SQLite.
    workers: int = 0
    # Messages committed together: one commit, not one each. A group in which any message
    # fails is rolled back whole and its messages logged again one by one, so what one
    # message writes still stands or falls on its own.
    group: int = 20


def workers_for(config: MailConfig, dialect: str) -> int:
    """Return how many messages are logged side by side on this database."""
    if config.workers > 0:
        return config.workers
    return 1 if dialect == "sqlite" else 2


@dataclass
class Handled:
    """What became of one message in the database, and where it goes in the mailbox."""

    status: str
    failed: str | None = None  # the reason, when the message goes to the failed folder
    notice: tuple[MailFacts, Outcome, Report] | None = None


@dataclass(frozen=True)
class Read:
    """One message as read from the queue: parsed, classified, and what the CRM needs."""

    item: QueuedMessage
    message: ParsedMessage
    result: Classification
    facts: MailFacts


@dataclass
class RunSummary:
    """How many messages one pass took, by what became of them."""

    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __str__(self) -> str:
        parts = ", ".join(f"{count} {status}" for status, count in sorted(self.counts.items()))
        return f"{self.total} message(s)" + (f": {parts}" if parts else "")


class Pipeline:
    """Take messages from a mailbox's queue, log them, and file them away."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        mailbox: Mailbox,
        config: MailConfig | None = None,
        notifier: Notifier | None = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.sessions = sessions
        self.mailbox = mailbox
        self.config = config or MailConfig()
        self.notifier = notifier
        self.today = today
        self._directory: maillog.Directory | None = None
        self._template: str | None = None
        self._problem: str | None = None  # the last reason mail could not be read
        self._local = threading.local()  # each worker's session for the pass

    def ready(self) -> str | None:
        """Return why mail cannot be logged yet (a missing setup), or None when it can."""
        with self.sessions() as session:
            self._template = maillog.email_template(db_session=session)
            if not self._template:
                return (
                    "no interaction template is set for e-mails: "
                    "`setup template defaults email=<code>`"
                )
        return None

    def run_once(
        self, limit: int | None = None, *, stop: threading.Event | None = None
    ) -> RunSummary:
        """Process what waits in the queue now, at most limit messages, until stop is set."""
        summary = RunSummary()
        problem = self.ready()
        if problem != self._problem:
            # Said once when it appears and once when it is fixed, not at every pass.
            if problem:
                log.warning("Mail not read: %s", problem)
            elif self._problem:
                log.info("Mail is read again: the setup it missed is there")
            self._problem = problem
        if problem:
            summary.counts["waiting"] = self.mailbox.count()
            return summary
        self._directory = None
        self.internal()  # read once, before any worker asks
        # One session on one connection per worker and pass, one transaction per group of
        # messages: the setup rows read for the first message serve the others, and no
        # message pays for a pool checkout (a ping on PostgreSQL) or a commit of its own.
        items = self.mailbox.queue(limit or self.config.batch)
        engine = self._engine()
        # One connection given from outside (the tests' rolled-back one) is one worker.
        parallel = 1 if engine is None else workers_for(self.config, engine.dialect.name)
        if engine is not None and parallel > 1:
            self._run_parallel(engine, items, parallel, summary, stop)
        else:
            with self._pass_session(engine) as session, self._worker_state(session):
                while group := self._take(items):
                    for item, handled in zip(group, self.handle_group(group), strict=True):
                        summary.counts[self.file_away(item, handled)] += 1
                    if stop is not None and stop.is_set():
                        break
        if summary.total:
            log.info("Mailbox pass: %s", summary)
        return summary

    def _engine(self) -> Engine | None:
        with self.sessions() as probe:
            bind = probe.get_bind()
        return bind if isinstance(bind, Engine) else None

    def _take(self, items: Iterator[QueuedMessage]) -> list[QueuedMessage]:
        return list(itertools.islice(items, max(self.config.group, 1)))

    @contextmanager
    def _worker_state(self, session: Session) -> Iterator[None]:
        self._hold_setup(session)
        self._local.session = session
        try:
            yield
        finally:
            self._local.session = None
            self._local.held = self._local.rules = None

    def _hold_setup(self, session: Session) -> None:
        # The salespeople and template rows are held, so that the session's identity map
        # answers every message's lookups of them; the rules are read once per worker too.
        self._local.held = maillog.setup_rows(db_session=session)
        self._local.rules = log_rules(db_session=session)
        session.commit()  # end the read, so that each group opens its own transaction

    def _run_parallel(
        self,
        engine: Engine,
        items: Iterator[QueuedMessage],
        workers: int,
        summary: RunSummary,
        stop: threading.Event | None,
    ) -> None:
        """Log messages on worker threads, each taking the next group from the queue.

        The database work runs side by side; the mailbox (reading, moving, replying) is used
        by one worker at a time, and a message moves only after its group was committed: the
        order that keeps every message, whatever fails.
        """
        mailbox = threading.Lock()

        def worker() -> None:
            try:
                with self._pass_session(engine) as session, self._worker_state(session):
                    while stop is None or not stop.is_set():
                        with mailbox:
                            group = self._take(items)
                        if not group:
                            return
                        handled = self.handle_group(group)
                        with mailbox:
                            for item, done in zip(group, handled, strict=True):
                                summary.counts[self.file_away(item, done)] += 1
            except Exception:
                log.exception("A mail worker stopped; its messages stay queued")

        threads = [
            threading.Thread(target=worker, name=f"mail-worker-{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    @contextmanager
    def _pass_session(self, engine: Engine | None) -> Iterator[Session]:
        if engine is None:  # already one connection (the tests' rolled-back one)
            with self.sessions() as session:
                yield session
            return
        with engine.connect() as connection, self.sessions(bind=connection) as session:
            yield session

    @contextmanager
    def _begin(self) -> Iterator[Session]:
        session: Session | None = getattr(self._local, "session", None)
        if session is None:
            with self.sessions.begin() as fresh:
                yield fresh
            return
        if getattr(self._local, "grouped", False):
            try:
                yield session  # inside the group's transaction, which handle_group ends
            except Exception as error:
                raise _GroupBroken from error
            return
        with session.begin():
            yield session

    def handle_group(self, items: list[QueuedMessage]) -> list[Handled]:
        """Log several messages in one transaction; if any of them fails, each on its own.

        Nothing is moved before the commit, so a crash, or a group rolled back, leaves every
        message in the queue to be logged again, and replays are recognised as ever.
        """
        session: Session | None = getattr(self._local, "session", None)
        if session is None or len(items) == 1:
            return [self.handle(item) for item in items]
        try:
            with session.begin():
                self._local.grouped = True
                try:
                    handled = self._log_together(session, items)
                finally:
                    self._local.grouped = False
        except Exception as error:
            cause = error.__cause__ if isinstance(error, _GroupBroken) else error
            log.info("Mail group of %d rolled back (%s); one by one", len(items), cause)
            # What the rolled-back group loaded is gone: start from a clean identity map.
            session.expunge_all()
            self._hold_setup(session)
            return [self.handle(item) for item in items]
        return handled

    def _log_together(self, session: Session, items: list[QueuedMessage]) -> list[Handled]:
        # Every message is read first; then one look-ahead answers for all of them what each
        # would ask the database (processed before? whose addresses?) before its INSERTs.
        reads = [self.read(item) for item in items]
        facts = [read.facts for read in reads if isinstance(read, Read)]
        policy = self.config.policy
        ahead = maillog.look_ahead(db_session=session, facts=facts, policy=policy)
        return [read if isinstance(read, Handled) else self.log(read, ahead) for read in reads]

    def internal(self) -> Internal:
        """Return our side as the classifier needs it, read once per pass."""
        if self._directory is None:
            with self.sessions() as session:
                self._directory = maillog.directory(db_session=session)
        return Internal(
            domains=self._directory.domains,
            addresses=frozenset(self._directory.salespeople),
            mailboxes=frozenset({self.mailbox.address.lower()}),
        )

    def process(self, item: QueuedMessage) -> str:
        """Process one message; whatever goes wrong, it ends in storage or failed."""
        return self.file_away(item, self.handle(item))

    def handle(self, item: QueuedMessage) -> Handled:
        """Log or record one message in its own transaction; the mailbox is not touched."""
        read = self.read(item)
        return read if isinstance(read, Handled) else self.log(read)

    def read(self, item: QueuedMessage) -> Read | Handled:
        """Parse and classify one message; one that cannot be read is recorded as failed."""
        key = "sha256:" + hashlib.sha256(item.raw).hexdigest()
        if len(item.raw) > self.config.max_bytes:
            reason = f"larger than {self.config.max_bytes:,} bytes ({len(item.raw):,})"
            return self._fail(item, _blank(key), reason)
        try:
            message = parse_message(item.raw)
            internal = self.internal()
            result = classify(message, internal)
            facts = self.facts(message, result, internal, key)
        except Exception as error:  # a message no parser can read must not stop the watcher
            log.warning("Mail %s unreadable: %s", item.ref, error, exc_info=True)
            return self._fail(item, _blank(key), f"unreadable: {type(error).__name__}: {error}")
        return Read(item, message, result, facts)

    def log(self, read: Read, ahead: maillog.Ahead | None = None) -> Handled:
        """Log, or record why not, one message that was read."""
        item, message, result, facts = read.item, read.message, read.result, read.facts
        if _is_unsubscribe(message.subject, result):
            return self._unsubscribe(item, facts, message.subject)
        if result.kind == Kind.BOUNCE:
            return self._bounce(item, facts, message, result.reason or "delivery report")
        if skip := self._skip_reason(result):
            status = MessageStatus.FAILED if result.refused else MessageStatus.SKIPPED
            return self._file(item, facts, status, skip)
        for attempt in (1, 2):
            try:
                with self._begin() as session:
                    outcome = maillog.log_message(
                        db_session=session,
                        facts=facts,
                        policy=self.config.policy,
                        sender_cap=self.config.sender_cap,
                        known=self._directory,
                        template=self._template,
                        rules=getattr(self._local, "rules", None),
                        ahead=ahead,
                    )
                    report = self._report(outcome, facts, result)
                break
            except _GroupBroken:
                raise
            except IntegrityError:
                # Another worker or instance logged this message, or a copy of its original,
                # at the same moment: once more, and what it logged is seen and not repeated.
                log.info("Mail %s was logged meanwhile (attempt %d)", facts.key, attempt)
            except CrmError as error:
                return self._fail(item, facts, error.message)
            except Exception as error:
                log.exception("Mail %s failed", facts.message_id or facts.key)
                return self._fail(item, facts, f"{type(error).__name__}: {error}")
        else:
            return Handled("replayed")
        if outcome.replayed:
            return Handled("replayed")
        notice = (facts, outcome, report) if report is not None else None
        return Handled(outcome.message.status, notice=notice)

    def file_away(self, item: QueuedMessage, handled: Handled) -> str:
        """Move a handled message to storage or failed, then tell whoever forwarded it."""
        if handled.failed is not None:
            self.mailbox.fail(item.ref, handled.failed)
        else:
            self.mailbox.store(item.ref)
        if handled.notice is not None:
            self._notify(*handled.notice)
        return handled.status

    def facts(
        self, message: ParsedMessage, result: Classification, internal: Internal, key: str
    ) -> MailFacts:
        """Return what the CRM core needs to know about a classified message."""
        found = parties(result, internal)
        original = result.original
        commands = []
        trusted = result.sender is not None and result.sender.email in internal.addresses
        if trusted and not result.automated and not result.refused:
            commands = find_commands(message.subject, result.note, today=self.today())
        return MailFacts(
            key=message.message_id or key,
            message_id=message.message_id,
            dedupe_key=_dedupe_key(result, message.message_id or key),
            kind=result.kind.value,
            direction=found.direction.value if found.direction else None,
            sender=result.sender.email if result.sender else None,
            forwarded=result.kind == Kind.FORWARD,
            internal=[a.email for a in found.internal],
            counterparts=[Party(a.email, a.name) for a in found.counterparts],
            subject=strip_commands(original.subject),
            occurred_at=original.date.astimezone(dt.UTC) if original.date else None,
            attachments=[(a.name, a.size) for a in message.attachments],
            size=message.size,
            commands=commands,
        )

    def _skip_reason(self, result: Classification) -> str | None:
        if result.refused:
            return result.refused
        if result.automated:
            return f"{result.kind.value}: {result.reason}"
        if result.sensitive and not self.config.log_private:
            return "marked private or confidential"
        return None

    def _unsubscribe(self, item: QueuedMessage, facts: MailFacts, subject: str) -> Handled:
        # The recipient answers a campaign's List-Unsubscribe: only the signed token counts,
        # the sender is no salesperson, and the mail is never answered.
        secret = self.config.unsubscribe_secret
        if not secret:
            return self._fail(item, facts, "unsubscribe mail, but no unsubscribe secret is set")

        def suppress(session: Session) -> str:
            address = sends.unsubscribe(db_session=session, secret=secret, text=subject)
            if address is None:
                return "unsubscribe mail with an invalid token: nothing suppressed"
            log.info("Unsubscribed by mail %s", facts.message_id or facts.key)
            return f"unsubscribe: {address} suppressed"

        return self._file(item, facts, MessageStatus.SKIPPED, "unsubscribe mail", suppress)

    def _bounce(
        self, item: QueuedMessage, facts: MailFacts, message: ParsedMessage, reason: str
    ) -> Handled:
        # A bounce quotes the headers of what we sent; a Rapport Message-ID among them names
        # the campaign mail whose address no longer takes mail.
        text = item.raw.decode("utf-8", "replace") + "\n" + message.text

        def mark(session: Session) -> str:
            marked = sends.record_bounces_in(
                db_session=session, text=text, detail=f"bounce: {reason}"
            )
            if marked:
                log.info("Bounce %s marked %d address(es)", facts.key, len(marked))
                return f"bounce: {reason}; marked bounced: {', '.join(marked)}"
            return f"bounce: {reason}"

        return self._file(item, facts, MessageStatus.SKIPPED, f"bounce: {reason}", mark)

    def _file(
        self,
        item: QueuedMessage,
        facts: MailFacts,
        status: MessageStatus,
        reason: str,
        action: Callable[[Session], str] | None = None,
    ) -> Handled:
        try:
            with self._begin() as session:
                if maillog.get_message(db_session=session, key=facts.key) is None:
                    if action is not None:
                        reason = action(session)
                    maillog.record(db_session=session, facts=facts, status=status, reason=reason)
        except _GroupBroken:
            raise
        except Exception:
            log.exception("Could not record mail %s as %s", facts.key, status.value)
        failed = reason if status == MessageStatus.FAILED else None
        return Handled(status.value, failed=failed)

    def _fail(self, item: QueuedMessage, facts: MailFacts, reason: str) -> Handled:
        log.warning("Mail %s moved to failed: %s", facts.message_id or item.ref, reason)
        return self._file(item, facts, MessageStatus.FAILED, reason)

    def _report(self, outcome: Outcome, facts: MailFacts, result: Classification) -> Report | None:
        # Only salespeople who forwarded or tagged a mail hear back; BCC copies stay quiet.
        if outcome.replayed or not (facts.forwarded or facts.commands) or result.automated:
            return None
        if outcome.salesperson is None and not facts.forwarded:
            return None
        lines = []
        for contact, entry in outcome.logged:
            lines.append(f"Logged “{entry.description}” for {contact.no} {contact.name}.")
        lines += [f"Created {what}." for what in outcome.created]
        commands: list[tuple[str, str]] = []
        for pending in outcome.pending:
            if pending.choices:
                lines.append(f"{pending.email} matches several contacts; which one?")
                commands += [
                    (f"log for {no}", f"mail confirm {pending.id} contact={no}")
                    for no in pending.choices.split()
                ]
            else:
                lines.append(f"No contact has {pending.email}; it is held for you.")
                create = f"mail confirm {pending.id} create=yes"
                commands.append((f"create a contact for {pending.email}", create))
            commands.append((f"do not log {pending.email}", f"mail dismiss {pending.id}"))
        lines += [f"Not logged: {note}." for note in outcome.notes]
        return Report(facts.subject or "(no subject)", lines, commands, facts.message_id)

    def _notify(self, facts: MailFacts, outcome: Outcome, report: Report) -> None:
        if self.notifier is None or not facts.sender:
            return
        try:
            self.notifier.notify(
                salesperson=outcome.salesperson.code if outcome.salesperson else None,
                address=facts.sender,
                report=report,
            )
        except Exception:  # a reply that cannot be sent must not undo the logging
            log.warning("Could not tell %s about mail %s", facts.sender, facts.key, exc_info=True)


class _GroupBroken(Exception):
    """A message failed inside a group's transaction: the group is logged one by one."""


UNSUBSCRIBE = re.compile(rf"^\s*{tokens.SUBJECT_WORD}\b", re.IGNORECASE)


def _is_unsubscribe(subject: str, result: Classification) -> bool:
    # A salesperson forwarding one for the record is a forward, not an unsubscribe.
    if result.kind in (Kind.FORWARD, Kind.BOUNCE):
        return False
    return bool(UNSUBSCRIBE.match(subject or "")) and tokens.parse_token(subject) is not None


def _blank(key: str) -> MailFacts:
    return MailFacts(key, None, key, "", None, None, False, [], [], "", None, size=0)


def _dedupe_key(result: Classification, outer: str) -> str:
    original = result.original
    if result.kind != Kind.FORWARD:
        return outer
    if original.message_id:
        return original.message_id
    if original.sender and original.date:
        # An inline forward has no Message-ID; the same original forwarded twice logs once.
        seed = f"{original.sender.email}|{original.subject}|{original.date.isoformat()}"
        return "fwd:" + hashlib.sha256(seed.encode()).hexdigest()[:40]
    return outer


class Watcher:
    """Poll the mailbox every few seconds until stopped; one bad pass never ends it."""

    def __init__(self, pipeline: Pipeline, *, interval: float = 60.0) -> None:
        self.pipeline = pipeline
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        """Poll until stop() is called."""
        log.info("Watching the mailbox every %s s", self.interval)
        while not self.stopping.is_set():
            try:
                self.pipeline.run_once(stop=self.stopping)
            except Exception:
                log.exception("Mailbox pass failed; trying again in %s s", self.interval)
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        """Ask the watcher to stop after the message it is on."""
        self.stopping.set()

    def start_thread(self) -> threading.Thread:
        """Run the watcher in a daemon thread and return it."""
        thread = threading.Thread(target=self.run, name="mail-watcher", daemon=True)
        thread.start()
        return thread

"""Mail logging rules: match a message's counterparts to contacts and log each pair once."""

import datetime as dt
import json
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import cast

from sqlalchemy import (
    Integer,
    Select,
    String,
    Table,
    bindparam,
    func,
    insert,
    null,
    select,
    union_all,
)
from sqlalchemy import cast as cast_
from sqlalchemy.orm import Session, lazyload, load_only

from crm.audit import Actor, Channel
from crm.contacts import service as contact_service
from crm.contacts.models import Contact, ContactAltEmail, ContactType
from crm.db import insert_loaded, utcnow
from crm.errors import Conflict, CrmError, InvalidInput, NotFound
from crm.interactions.models import (
    InformationFlow,
    InitiatedBy,
    InteractionLogEntry,
    InteractionTemplate,
)
from crm.interactions.service import (
    InteractionCreate,
    LogRules,
    log_interaction,
    log_interaction_fast,
)
from crm.maillog import actions
from crm.maillog.actions import MailCommand
from crm.maillog.freemail import is_free_mail
from crm.maillog.models import (
    MailInteraction,
    MailMessage,
    MailPendingSender,
    MessageStatus,
    PendingStatus,
)
from crm.setup.models import InternalDomain, Salesperson
from crm.setup.service import get_marketing_setup
from crm.values import search_email

log = logging.getLogger(__name__)


class UnknownPolicy(StrEnum):
    """What to do with an external address no contact has."""

    IGNORE = "ignore"
    REVIEW = "review"
    CREATE = "create"


@dataclass(frozen=True)
class Party:
    """An address on a message, with the display name it came with."""

    email: str
    name: str = ""

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2]


@dataclass
class MailFacts:
    """What the mail front read from one message, free of any transport."""

    key: str
    message_id: str | None
    dedupe_key: str
    kind: str
    direction: str | None
    sender: str | None
    forwarded: bool
    internal: list[str]
    counterparts: list[Party]
    subject: str
    occurred_at: dt.datetime | None
    attachments: list[tuple[str, int]] = field(default_factory=list)
    size: int = 0
    commands: list[MailCommand] = field(default_factory=list)


@dataclass
class Outcome:
    """What logging one message did, for the reply to the salesperson."""

    message: MailMessage
    logged: list[tuple[Contact, InteractionLogEntry]] = field(default_factory=list)
    pending: list[MailPendingSender] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    salesperson: Salesperson | None = None
    replayed: bool = False
    # The mail_interaction rows of what was logged, written with the message record.
    records: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True)
class Directory:
    """Our own side: internal domains and the salespeople's addresses."""

    domains: frozenset[str]
    salespeople: dict[str, str]


def directory(*, db_session: Session) -> Directory:
    """Return the internal domains and the salespeople's addresses (address -> code)."""
    domains = frozenset(d.lower() for d in db_session.scalars(select(InternalDomain.domain)))
    rows = db_session.execute(
        select(Salesperson.search_email, Salesperson.code).where(
            Salesperson.search_email.is_not(None), Salesperson.blocked.is_(False)
        )
    )
    return Directory(domains, {email: code for email, code in rows if email})


def setup_rows(*, db_session: Session) -> list[object]:
    """Return the salespeople and the e-mail template, for a caller to hold during a batch.

    The session keeps only rows something refers to; holding these spares every message of
    a batch the same lookups.
    """
    rows: list[object] = list(db_session.scalars(select(Salesperson)))
    code = email_template(db_session=db_session)
    if code and (template := db_session.get(InteractionTemplate, code)):
        rows.append(template)
    return rows


def get_message(*, db_session: Session, key: str) -> MailMessage | None:
    """Return the record of a processed message, or None when it was never processed."""
    return db_session.scalars(select(MailMessage).where(MailMessage.key == key)).first()


def email_template(*, db_session: Session) -> str | None:
    """Return the interaction template e-mails are logged with, if one is set."""
    return get_marketing_setup(db_session=db_session).email_template


def record(
    *,
    db_session: Session,
    facts: MailFacts,
    status: MessageStatus,
    reason: str,
) -> MailMessage:
    """Record a message that is not logged (automated, refused, failed) with the reason."""
    message = get_message(db_session=db_session, key=facts.key) or _new_record(facts)
    message.status, message.reason = status.value, reason[:500]
    message.processed_at = utcnow()
    db_session.add(message)
    db_session.flush()
    log.info("Mail %s %s: %s", facts.message_id or facts.key, status.value, reason)
    return message


def _new_record(facts: MailFacts) -> MailMessage:
    return MailMessage(
        key=facts.key,
        message_id=facts.message_id,
        dedupe_key=facts.dedupe_key,
        kind=facts.kind,
        direction=facts.direction or "",
        sender=facts.sender,
        subject=facts.subject[:250],
        occurred_at=facts.occurred_at,
        attachments=json.dumps([{"name": n, "size": s} for n, s in facts.attachments]),
        size=facts.size,
        status=MessageStatus.IGNORED.value,
        processed_at=utcnow(),
    )


def recent_from(*, db_session: Session, sender: str, hours: int = 1) -> int:
    """Return how many messages this sender had processed in the last hours."""
    since = utcnow() - dt.timedelta(hours=hours)
    stmt = select(func.count()).where(
        MailMessage.sender == sender, MailMessage.processed_at >= since
    )
    return int(db_session.scalar(stmt) or 0)


@dataclass
class Ahead:
    """What the database holds for a group of messages, read once for all of them.

    A message whose key or original comes twice in the group is not covered: the first of
    them writes what the second must see, so the second reads for itself.
    """

    seen: dict[str, str]  # message key -> the status it was processed with
    done: dict[str, set[int]]  # dedupe key -> the contacts a copy was logged for
    contacts: dict[str, list[Contact]] | None  # address -> its contacts; None: not read
    repeated: frozenset[str]

    def covers(self, facts: MailFacts) -> bool:
        return facts.key not in self.repeated and facts.dedupe_key not in self.repeated


def look_ahead(*, db_session: Session, facts: Sequence[MailFacts], policy: UnknownPolicy) -> Ahead:
    """Read, for many messages at once, what log_message would read for each of them.

    Contacts are read ahead unless unknown senders are created: then a message may make the
    contact the next one's address belongs to.
    """
    keys = Counter(f.key for f in facts)
    originals = Counter(f.dedupe_key for f in facts if f.dedupe_key != f.key)
    repeated = frozenset(k for k, n in (keys + originals).items() if n > 1)
    seen, done = _processed(db_session, keys, {f.dedupe_key for f in facts})
    contacts = None
    if policy != UnknownPolicy.CREATE:
        emails = [p.email for f in facts for p in f.counterparts]
        contacts = contacts_by_email(db_session=db_session, emails=emails)
    return Ahead(seen, done, contacts, repeated)


def log_message(
    *,
    db_session: Session,
    facts: MailFacts,
    policy: UnknownPolicy = UnknownPolicy.REVIEW,
    sender_cap: int = 0,
    known: Directory | None = None,
    template: str | None = None,
    rules: LogRules | None = None,
    ahead: Ahead | None = None,
) -> Outcome:
    """Log one interaction per counterpart of a message; a replayed message logs nothing.

    A caller that logs many messages passes the directory, the template and the interaction
    rules it read once, and what look_ahead read for a group; each message then costs a few
    statements, or only its INSERTs.
    """
    if ahead is not None and not ahead.covers(facts):
        ahead = None
    seen, done = _seen(db_session, facts, ahead)
    if seen is not None and (existing := get_message(db_session=db_session, key=facts.key)):
        if existing.status != MessageStatus.FAILED.value:
            return Outcome(existing, replayed=True)
        # A failed message put back in the queue (after its cause was fixed) is tried anew.
        db_session.delete(existing)
        db_session.flush()
    capped = facts.sender and sender_cap
    if capped and recent_from(db_session=db_session, sender=facts.sender or "") >= sender_cap:
        reason = f"more than {sender_cap} messages from {facts.sender} within an hour"
        skipped = MessageStatus.SKIPPED
        return Outcome(record(db_session=db_session, facts=facts, status=skipped, reason=reason))

    # The record is written last, with its outcome: one INSERT, no UPDATE. A second instance
    # logging the same message at once fails on the unique key at that INSERT, and rolls back.
    message = _new_record(facts)
    outcome = Outcome(message)
    known = known or directory(db_session=db_session)
    outcome.salesperson = _salesperson(db_session, facts, known)
    message.salesperson = outcome.salesperson.code if outcome.salesperson else None
    if facts.forwarded and (facts.sender or "") not in known.salespeople:
        reason = f"{facts.sender} forwarded it but is not a salesperson"
        return _finish(db_session, outcome, reason)
    template = template or email_template(db_session=db_session)
    if not template:
        raise Conflict(
            "No interaction template is set for e-mails.",
            hint="Set one with `setup template defaults email=<code>`.",
        )

    if ahead is not None and ahead.contacts is not None:
        matches = ahead.contacts
    else:
        emails = [p.email for p in facts.counterparts]
        matches = contacts_by_email(db_session=db_session, emails=emails)
    for party in facts.counterparts:
        contacts = matches.get(party.email.lower(), [])
        _log_party(db_session, facts, party, contacts, template, policy, outcome, done, rules)
    if facts.commands:
        _apply_commands(db_session, facts, outcome)
    return _finish(db_session, outcome, "")


def _seen(
    db_session: Session, facts: MailFacts, ahead: Ahead | None
) -> tuple[str | None, set[int]]:
    # Was this message processed, and which contacts did a copy of it (the same original
    # forwarded again) already log for: one statement answers both, or the group's read.
    if ahead is None:
        seen, done = _processed(db_session, [facts.key], [facts.dedupe_key])
    else:
        seen, done = ahead.seen, ahead.done
    return seen.get(facts.key), set(done.get(facts.dedupe_key, ()))


def _processed(
    db_session: Session, keys: Iterable[str], dedupe_keys: Iterable[str]
) -> tuple[dict[str, str], dict[str, set[int]]]:
    # The status of each message processed under these keys, and the contacts logged for
    # each of these originals.
    seen: dict[str, str] = {}
    done: dict[str, set[int]] = {}
    params = {"keys": sorted(keys), "dedupe_keys": sorted(dedupe_keys)}
    for key, status, contact_id in db_session.connection().execute(_PROCESSED, params):
        if contact_id is None:
            seen[key] = status
        else:
            done.setdefault(key, set()).add(contact_id)
    return seen, done


def _finish(db_session: Session, outcome: Outcome, reason: str) -> Outcome:
    message = outcome.message
    if outcome.logged:
        message.status = MessageStatus.LOGGED.value
    elif outcome.pending:
        message.status = MessageStatus.PENDING.value
    else:
        message.status = MessageStatus.IGNORED.value
    if reason:
        outcome.notes.append(reason)
    if not outcome.logged and not outcome.pending and not outcome.notes:
        outcome.notes.append("it has no external counterpart")
    message.reason = "; ".join(outcome.notes)[:500]
    insert_loaded(db_session, message, along=(_MAIL_INTERACTIONS, outcome.records))
    if outcome.pending:
        for pending in outcome.pending:
            pending.message = message
        db_session.add_all(outcome.pending)
        db_session.flush()
    log.info(
        "Mail %s %s: %d logged, %d pending",
        message.message_id or message.key,
        message.status,
        len(outcome.logged),
        len(outcome.pending),
    )
    return outcome


def _salesperson(db_session: Session, facts: MailFacts, found: Directory) -> Salesperson | None:
    candidates = [*facts.internal, *([facts.sender] if facts.forwarded and facts.sender else [])]
    for address in candidates:
        if code := found.salespeople.get(address.lower()):
            return db_session.get(Salesperson, code)
    return None


def _actor(outcome: Outcome, facts: MailFacts) -> Actor:
    code = outcome.salesperson.code if outcome.salesperson else None
    return Actor(Channel.EMAIL, code, facts.sender)


def contacts_by_email(*, db_session: Session, emails: Sequence[str]) -> dict[str, list[Contact]]:
    """Return the contacts each address belongs to, by primary or alternative e-mail.

    The rule of contact_service.get_by_email, for every counterpart of a message in one
    statement: a message is logged many times a minute and each statement counts.
    """
    keys = sorted({key for key in (search_email(e) for e in emails) if key})
    if not keys:
        return {}
    found: dict[str, list[Contact]] = {}
    for contact, key in db_session.execute(_CONTACTS_BY_EMAIL, {"keys": keys}):
        if contact not in found.setdefault(key, []):
            found[key].append(contact)
    return found


def _contacts_by_email() -> Select[Contact, str]:
    keys = bindparam("keys", type_=String, expanding=True)
    primary = select(Contact.id.label("cid"), Contact.search_email.label("key")).where(
        Contact.search_email.in_(keys)
    )
    alternative = select(
        ContactAltEmail.contact_id.label("cid"), ContactAltEmail.search_email.label("key")
    ).where(ContactAltEmail.search_email.in_(keys))
    matches = union_all(primary, alternative).subquery()
    return (
        select(Contact, matches.c.key)
        .join(matches, matches.c.cid == Contact.id)
        .options(
            # What logging reads; anything else loads when something asks for it.
            load_only(
                Contact.no,
                Contact.name,
                Contact.type,
                Contact.company_id,
                Contact.salesperson,
                Contact.privacy_blocked,
            ),
            lazyload(Contact.alt_emails),
        )
        .order_by(Contact.no)
    )


# Built once: building a statement costs more than running it (the watcher logs many a second).
_CONTACTS_BY_EMAIL = _contacts_by_email()
_PROCESSED = union_all(
    select(MailMessage.key, MailMessage.status, cast_(null(), Integer)).where(
        MailMessage.key.in_(bindparam("keys", expanding=True))
    ),
    select(MailInteraction.dedupe_key, cast_(null(), String), MailInteraction.contact_id).where(
        MailInteraction.dedupe_key.in_(bindparam("dedupe_keys", expanding=True))
    ),
)
_MAIL_INTERACTIONS = cast(Table, MailInteraction.__table__)
_RECORD_MAIL_INTERACTION = insert(_MAIL_INTERACTIONS)


def _log_party(
    db_session: Session,
    facts: MailFacts,
    party: Party,
    contacts: list[Contact],
    template: str,
    policy: UnknownPolicy,
    outcome: Outcome,
    done: set[int],
    rules: LogRules | None = None,
) -> None:
    if len(contacts) > 1:
        _hold(db_session, party, outcome, choices=[c.no for c in contacts])
        outcome.notes.append(f"{party.email} belongs to {len(contacts)} contacts")
        return
    if not contacts:
        if policy == UnknownPolicy.IGNORE:
            outcome.notes.append(f"no contact has {party.email}")
            return
        if policy == UnknownPolicy.REVIEW:
            _hold(db_session, party, outcome, choices=[])
            return
        contacts = [
            create_for_address(db_session=db_session, actor=_actor(outcome, facts), party=party)
        ]
        outcome.created.append(f"contact {contacts[0].no} {contacts[0].name}")
    contact = contacts[0]
    if contact.id in done:
        outcome.notes.append(f"already logged for {contact.no}")
        return
    entry = _log_once(
        db_session, facts, contact, template, outcome, checked=True, rules=rules, deferred=True
    )
    if entry is not None:
        done.add(contact.id)
        outcome.logged.append((contact, entry))


def _log_once(
    db_session: Session,
    facts: MailFacts,
    contact: Contact,
    template: str,
    outcome: Outcome,
    *,
    checked: bool = False,
    rules: LogRules | None = None,
    deferred: bool = False,
) -> InteractionLogEntry | None:
    if not checked:
        done = select(MailInteraction.id).where(
            MailInteraction.dedupe_key == facts.dedupe_key,
            MailInteraction.contact_id == contact.id,
        )
        if db_session.scalar(done) is not None:
            outcome.notes.append(f"already logged for {contact.no}")
            return None
    inbound = facts.direction != InformationFlow.OUTBOUND.value
    data = InteractionCreate(
        template=template,
        description=facts.subject or "(no subject)",
        subject=facts.subject[:250] or None,
        occurred_at=facts.occurred_at,
        salesperson=outcome.salesperson.code if outcome.salesperson else None,
        information_flow=InformationFlow.INBOUND if inbound else InformationFlow.OUTBOUND,
        initiated_by=InitiatedBy.THEM if inbound else InitiatedBy.US,
        email_logged=True,
        message_id=(facts.message_id or facts.key)[:250],
        notes=_attachment_note(facts.attachments),
    )
    actor = _actor(outcome, facts)
    try:
        if rules is None:
            entry = log_interaction(db_session=db_session, actor=actor, contact=contact, data=data)
        else:
            entry = log_interaction_fast(
                db_session=db_session, actor=actor, contact=contact, data=data, rules=rules
            )
    except Conflict as refusal:  # privacy-blocked contacts get no new interactions
        outcome.notes.append(f"{contact.no}: {refusal.message}")
        return None
    except InvalidInput as refusal:  # no salesperson for this contact
        outcome.notes.append(f"{contact.no}: {refusal.message}")
        return None
    row = {"dedupe_key": facts.dedupe_key, "contact_id": contact.id, "interaction_id": entry.id}
    if deferred:
        outcome.records.append(row)  # written with the message record, in _finish
    else:
        # Nothing reads this row back in the same transaction: a plain INSERT.
        db_session.connection().execute(_RECORD_MAIL_INTERACTION, row)
    return entry


def _attachment_note(attachments: Sequence[tuple[str, int]]) -> str | None:
    if not attachments:
        return None
    return "Attachments: " + ", ".join(f"{name} ({size:,} bytes)" for name, size in attachments)


def _hold(
    db_session: Session, party: Party, outcome: Outcome, *, choices: list[str]
) -> MailPendingSender:
    pending = MailPendingSender(
        email=party.email,
        name=party.name[:200],
        salesperson=outcome.salesperson.code if outcome.salesperson else None,
        choices=" ".join(choices)[:500],
        status=PendingStatus.PENDING.value,
        created_at=utcnow(),
    )
    outcome.pending.append(pending)  # written with the message record, in _finish
    return pending


def create_for_address(*, db_session: Session, actor: Actor, party: Party) -> Contact:
    """Create a person for an address, under the company its domain belongs to.

    A free-mail domain never makes a company; another domain makes one when none matches.
    """
    company = None
    if not is_free_mail(party.domain):
        company = company_for_domain(db_session=db_session, domain=party.domain)
        if company is None:
            company = contact_service.create(
                db_session=db_session, actor=actor, name=_company_name(party.domain)
            )
    name = party.name.strip() or party.email.partition("@")[0]
    return contact_service.create(
        db_session=db_session,
        actor=actor,
        name=name,
        type=ContactType.PERSON,
        company=company,
        email=party.email,
    )


def company_for_domain(*, db_session: Session, domain: str) -> Contact | None:
    """Return the company whose address, or whose people's addresses, use this domain."""
    pattern = "%@" + domain.lower().replace("%", "").replace("_", "\\_")
    stmt = (
        select(Contact)
        .where(Contact.type == ContactType.COMPANY.value)
        .where(Contact.search_email.like(pattern, escape="\\"))
        .order_by(Contact.no)
    )
    if company := db_session.scalars(stmt.limit(1)).first():
        return company
    person = (
        select(Contact.company_id)
        .where(Contact.company_id.is_not(None), Contact.search_email.like(pattern, escape="\\"))
        .limit(1)
    )
    company_id = db_session.scalar(person)
    return db_session.get(Contact, company_id) if company_id else None


def _company_name(domain: str) -> str:
    labels = domain.split(".")
    core = labels[-2] if len(labels) >= 2 else labels[0]
    return core.replace("-", " ").title()


def _apply_commands(db_session: Session, facts: MailFacts, outcome: Outcome) -> None:
    if not outcome.logged:
        outcome.notes.append("the commands were not run: nothing was logged to attach them to")
        return
    contact, entry = outcome.logged[0]
    actor = _actor(outcome, facts)
    for command in facts.commands:
        try:
            with db_session.begin_nested():
                outcome.created.append(_run_command(db_session, actor, contact, entry, command))
        except CrmError as refusal:
            outcome.notes.append(f"#{command.kind} was not done: {refusal}")


def _run_command(
    db_session: Session,
    actor: Actor,
    contact: Contact,
    entry: InteractionLogEntry,
    command: MailCommand,
) -> str:
    if command.kind == "opp":
        return actions.create_opportunity(
            db_session=db_session, actor=actor, contact=contact, entry=entry, command=command
        )
    return actions.create_task(
        db_session=db_session, actor=actor, contact=contact, entry=entry, command=command
    )


def list_pending(*, db_session: Session, salesperson: str | None = None) -> list[MailPendingSender]:
    """Return the senders awaiting review, oldest first; one salesperson's when named."""
    stmt = select(MailPendingSender).where(MailPendingSender.status == PendingStatus.PENDING.value)
    if salesperson:
        stmt = stmt.where(MailPendingSender.salesperson == salesperson)
    return list(db_session.scalars(stmt.order_by(MailPendingSender.id).limit(200)))


def get_pending_or_raise(*, db_session: Session, pending_id: int) -> MailPendingSender:
    """Return a pending sender that still awaits a decision."""
    pending = db_session.get(MailPendingSender, pending_id)
    if pending is None:
        raise NotFound(f"There is no pending sender {pending_id}.", hint="See `mail pending`.")
    if pending.status != PendingStatus.PENDING.value:
        raise Conflict(f"Pending sender {pending_id} was already {pending.status}.")
    return pending


def confirm_pending(
    *,
    db_session: Session,
    actor: Actor,
    pending_id: int,
    contact: Contact | None = None,
    create: bool = False,
) -> tuple[Contact, InteractionLogEntry]:
    """Log a held message for a contact the salesperson names or has created."""
    pending = get_pending_or_raise(db_session=db_session, pending_id=pending_id)
    message = db_session.get(MailMessage, pending.message_id)
    if message is None:
        raise NotFound(f"The message of pending sender {pending_id} is gone.")
    if contact is None and not create:
        raise InvalidInput(
            f"Say who {pending.email} is.",
            field="contact",
            hint=f"`mail confirm {pending_id} contact=<contact>` or "
            f"`mail confirm {pending_id} create=yes`.",
        )
    if contact is None:
        contact = create_for_address(
            db_session=db_session, actor=actor, party=Party(pending.email, pending.name)
        )
    elif contact_service.get_by_email(db_session=db_session, email=pending.email) == []:
        db_session.add(
            ContactAltEmail(
                contact_id=contact.id, email=pending.email, search_email=search_email(pending.email)
            )
        )
    template = email_template(db_session=db_session)
    if not template:
        raise Conflict("No interaction template is set for e-mails.")
    facts = _facts_of(message)
    outcome = Outcome(message)
    actor_code = actor.salesperson or pending.salesperson
    outcome.salesperson = db_session.get(Salesperson, actor_code) if actor_code else None
    entry = _log_once(db_session, facts, contact, template, outcome)
    if entry is None:
        raise Conflict(
            f"Nothing was logged for {contact.no}: {'; '.join(outcome.notes)}.",
        )
    pending.status, pending.resolved_at, pending.contact_id = (
        PendingStatus.CONFIRMED.value,
        utcnow(),
        contact.id,
    )
    message.status = MessageStatus.LOGGED.value
    db_session.flush()
    return contact, entry


def dismiss_pending(*, db_session: Session, actor: Actor, pending_id: int) -> MailPendingSender:
    """Drop a held sender: the message stays unlogged for that address."""
    pending = get_pending_or_raise(db_session=db_session, pending_id=pending_id)
    pending.status, pending.resolved_at = PendingStatus.DISMISSED.value, utcnow()
    db_session.flush()
    log.info("Pending sender %s dismissed by %s", pending_id, actor)
    return pending


def _facts_of(message: MailMessage) -> MailFacts:
    attachments = [(a["name"], int(a["size"])) for a in json.loads(message.attachments or "[]")]
    return MailFacts(
        key=message.key,
        message_id=message.message_id,
        dedupe_key=message.dedupe_key or message.key,
        kind=message.kind,
        direction=message.direction or None,
        sender=message.sender,
        forwarded=message.kind == "forward",
        internal=[],
        counterparts=[],
        subject=message.subject,
        occurred_at=message.occurred_at,
        attachments=attachments,
        size=message.size,
    )


@dataclass
class MailStatus:
    """The watcher's state for `mail status`."""

    pending: int
    counts: dict[str, int]
    failures: list[MailMessage]


def status(*, db_session: Session, hours: int = 24) -> MailStatus:
    """Return pending senders, counts by outcome over the last hours, and recent failures."""
    since = utcnow() - dt.timedelta(hours=hours)
    pending = db_session.scalar(
        select(func.count()).where(MailPendingSender.status == PendingStatus.PENDING.value)
    )
    counts = dict(
        db_session.execute(
            select(MailMessage.status, func.count())
            .where(MailMessage.processed_at >= since)
            .group_by(MailMessage.status)
        ).all()
    )
    failures = db_session.scalars(
        select(MailMessage)
        .where(MailMessage.status == MessageStatus.FAILED.value)
        .order_by(MailMessage.processed_at.desc())
        .limit(10)
    )
    return MailStatus(
        int(pending or 0), {str(k): int(v) for k, v in counts.items()}, list(failures)
    )

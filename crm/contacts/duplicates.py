"""Duplicate contacts: the evidence that two look alike, pairs kept separate, and merging."""

import logging
import math
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import (
    Column,
    ColumnElement,
    CompoundSelect,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    union,
    union_all,
    update,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import BindParameter

from crm.audit import Actor, stamp
from crm.contacts import search
from crm.contacts.models import (
    Contact,
    ContactAltEmail,
    ContactDuplicate,
    ContactSearchWord,
    DuplicateSearchString,
)
from crm.db import Base
from crm.errors import Conflict, InvalidInput
from crm.setup.models import InternalDomain, MarketingSetup

log = logging.getLogger(__name__)

# Records one piece of evidence: the other contact's id, its weight and why.
Note = Callable[[int, int, str], None]

# Business Central's default Duplicate Search String Setup: 8 fields, first and last 5 chars.
SEARCH_FIELDS = (
    "name",
    "address",
    "city",
    "phone",
    "vat_registration_no",
    "post_code",
    "email",
    "mobile_phone",
)
PART_LENGTH = 5
STRIPPED = re.compile(r"[\s+\"&/,.;:\-_(){}#!£$\\]")
LEGAL_FORMS = frozenset(
    [
        "ag",
        "bv",
        "co",
        "company",
        "corp",
        "corporation",
        "gmbh",
        "inc",
        "incorporated",
        "kg",
        "llc",
        "llp",
        "ltd",
        "limited",
        "plc",
        "sa",
        "sarl",
        "se",
        "srl",
        "ug",
        "the",
        "und",
        "and",
    ]
)
FREE_MAIL = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.de",
        "yahoo.co.uk",
        "ymail.com",
        "hotmail.com",
        "hotmail.de",
        "outlook.com",
        "outlook.de",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "gmx.de",
        "gmx.net",
        "gmx.com",
        "gmx.at",
        "web.de",
        "t-online.de",
        "freenet.de",
        "proton.me",
        "protonmail.com",
        "mail.com",
        "yandex.ru",
        "mail.ru",
        "qq.com",
        "163.com",
        "zoho.com",
        "fastmail.com",
        "hey.com",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "btinternet.com",
    ]
)
THRESHOLD = 50
RARE_WORD = 2000
# Contacts read for near misses of a name: every one when its rarest word is rarer than this.
NEAR = 50
MAX_SHOWN = 10


@dataclass
class Duplicate:
    """A contact that looks like another, with the reasons and a score out of 100."""

    contact: Contact
    score: int = 0
    evidence: list[str] = field(default_factory=list)

    def add(self, points: int, reason: str) -> None:
        self.score = min(100, self.score + points)
        self.evidence.append(reason)


def search_strings(contact: Contact) -> list[tuple[str, str, str]]:
    """Return Business Central's search strings of a company: first and last 5 of 8 fields."""
    return search_strings_of({name: getattr(contact, name) for name in SEARCH_FIELDS})


def search_strings_of(values: Mapping[str, object]) -> list[tuple[str, str, str]]:
    """Return the search strings of a company given as a mapping of its fields."""
    strings = []
    for name in SEARCH_FIELDS:
        value = STRIPPED.sub("", str(values.get(name) or "")).upper()
        if value:
            strings += [(name, "first", value[:PART_LENGTH]), (name, "last", value[-PART_LENGTH:])]
    return strings


def maintain(
    db_session: Session, contact: Contact, setup: MarketingSetup, *, new: bool = False
) -> None:
    """Store a company's search strings, replacing those it had when they changed.

    Persons are not indexed, as in BC.
    """
    wanted: set[tuple[str, str, str]] = set()
    if contact.is_company and setup.maintain_search_strings:
        wanted = set(search_strings(contact))
    if not new:
        table = DuplicateSearchString
        mine = table.contact_id == contact.id
        stored = select(table.field, table.part, table.value).where(mine)
        if {(field, part, value) for field, part, value in db_session.execute(stored)} == wanted:
            return
        db_session.execute(delete(table).where(mine))
    rows = [{"contact_id": contact.id, "field": f, "part": p, "value": v} for f, p, v in wanted]
    if rows:
        db_session.execute(insert(DuplicateSearchString), rows)


def hits_needed(setup: MarketingSetup) -> int:
    """Return how many search strings two companies must share: ROUNDUP(16 × hit % / 100)."""
    return max(1, math.ceil(len(SEARCH_FIELDS) * 2 * setup.search_hit_pct / 100))


def core_name(name: str) -> str:
    """Return a name without legal forms and punctuation: 'ACME Corp.' becomes 'acme'."""
    return " ".join(w for w in search.words_of(name) if w not in LEGAL_FORMS)


_KIND: BindParameter[Any] = bindparam("kind")
# Built once: composing a statement costs more than running it on an indexed table.
_SAME_EMAIL = union_all(
    *(
        select(found.c.id)
        for found in (
            select(Contact.id)
            .where(Contact.type == _KIND, Contact.search_email == bindparam("email"))
            .limit(MAX_SHOWN)
            .subquery(),
            select(ContactAltEmail.contact_id.label("id"))
            .where(ContactAltEmail.search_email == bindparam("email"))
            .limit(MAX_SHOWN)
            .subquery(),
        )
    )
)
_SAME_DOMAIN = (
    select(ContactSearchWord.contact_id)
    .join(Contact, Contact.id == ContactSearchWord.contact_id)
    .where(
        ContactSearchWord.word == bindparam("word"),
        Contact.type == _KIND,
        ~exists().where(InternalDomain.domain == bindparam("domain")),
    )
    .limit(50)
)
_SAME_PHONE = (
    select(Contact.id)
    .where(Contact.type == _KIND, Contact.search_phone == bindparam("phone"))
    .limit(MAX_SHOWN)
)
_SAME_VAT = (
    select(Contact.id).where(Contact.vat_registration_no == bindparam("vat")).limit(MAX_SHOWN)
)
_SAME_COMPANY = select(Contact.id).where(
    Contact.id.in_(bindparam("ids", expanding=True)), Contact.company_id == bindparam("company")
)
_RECORDS = select(Contact).where(Contact.id.in_(bindparam("ids", expanding=True)))


def check(db_session: Session, contact: Contact, setup: MarketingSetup) -> list[Duplicate]:
    """Return the contacts that look like this one, most alike first, with the evidence."""
    found: dict[int, Duplicate] = {}

    def note(other_id: int, points: int, reason: str) -> None:
        if other_id != contact.id:
            found.setdefault(other_id, Duplicate(contact=contact)).add(points, reason)

    connection = db_session.connection()
    kind = contact.type
    if contact.search_email:
        email = contact.search_email
        for other in set(connection.scalars(_SAME_EMAIL, {"kind": kind, "email": email})):
            note(other, 60, f"same e-mail {contact.email}")
        domain = email.rpartition("@")[2]
        # Colleagues share a domain; only for companies does it hint at a duplicate, and
        # never for a free mail provider or one of our own domains.
        if contact.is_company and domain not in FREE_MAIL:
            params = {"kind": kind, "word": "@" + domain, "domain": domain}
            for other in connection.scalars(_SAME_DOMAIN, params):
                note(other, 20, f"same e-mail domain {domain}")
    if contact.search_phone and not _company_phone(contact):
        params = {"kind": kind, "phone": contact.search_phone}
        for other in connection.scalars(_SAME_PHONE, params):
            note(other, 40, f"same phone {contact.phone}")
    if contact.vat_registration_no:
        for other in connection.scalars(_SAME_VAT, {"vat": contact.vat_registration_no}):
            note(other, 60, f"same VAT no. {contact.vat_registration_no}")
    if contact.is_company and setup.maintain_search_strings:
        _search_string_hits(db_session, contact, setup, note)
    _similar_names(db_session, contact, note)
    if not found:
        return []

    separate = _separate_ids(db_session, contact.id)
    ids = [cid for cid in found if cid not in separate]
    if contact.company_id and ids:
        same_company = {"ids": ids, "company": contact.company_id}
        for cid in connection.scalars(_SAME_COMPANY, same_company):
            found[cid].add(10, "same company")
    ids = [cid for cid in ids if found[cid].score >= THRESHOLD]
    if not ids:
        return []
    result = [
        Duplicate(other, found[other.id].score, found[other.id].evidence)
        for other in db_session.scalars(_RECORDS, {"ids": ids})
    ]
    result.sort(key=lambda d: (-d.score, d.contact.no))
    return result[:MAX_SHOWN]


def _company_phone(contact: Contact) -> bool:
    # Persons inherit the switchboard number: sharing it says nothing about being the same.
    company = contact.company
    return company is not None and company.search_phone == contact.search_phone


_T = DuplicateSearchString
_COUNT = func.count().label("hits")
SLOTS = len(SEARCH_FIELDS) * 2
# A search string shared by more companies than this ("TREET" of every Main Street) is
# common: it is counted when scoring, but never used to find candidates.
COMMON = 200


def _is_slot(i: int) -> ColumnElement[bool]:
    field: BindParameter[Any] = bindparam(f"f{i}")
    part: BindParameter[Any] = bindparam(f"p{i}")
    value: BindParameter[Any] = bindparam(f"v{i}")
    return and_(_T.field == field, _T.part == part, _T.value == value)


# Built once with a slot per search string: an OR of equalities lets both databases combine
# index lookups, where a row-value IN list made PostgreSQL scan the table.
_FREQUENCY = select(
    *(
        select(func.count())
        .select_from(select(_T.contact_id).where(_is_slot(i)).limit(COMMON).subquery())
        .scalar_subquery()
        for i in range(SLOTS)
    )
)
_PROBED = union(
    *(
        select(probe.c.contact_id).select_from(probe)
        for probe in (
            select(_T.contact_id)
            .where(_is_slot(i), bindparam(f"probe{i}") == 1)
            .limit(COMMON)
            .subquery()
            for i in range(SLOTS)
        )
    )
).subquery()
_STRING_HITS = (
    select(_T.contact_id, _COUNT)
    .where(
        _T.contact_id.in_(select(_PROBED.c.contact_id)),
        or_(*(_is_slot(i) for i in range(SLOTS))),
        _T.contact_id != bindparam("me"),
    )
    .group_by(_T.contact_id)
    .having(bindparam("needed") <= _COUNT)
    .order_by(_COUNT.desc())
    .limit(MAX_SHOWN)
)


def _search_string_hits(
    db_session: Session, contact: Contact, setup: MarketingSetup, note: Note
) -> None:
    """Note the companies sharing enough of this one's search strings (BC's hit percentage).

    A company sharing `needed` of the k strings shares at least one of any k - needed + 1 of
    them: only the rarest that many are looked up, so a string every company has costs
    nothing, and then the candidates' hits are counted over all the strings.
    """
    strings = search_strings(contact)
    needed = hits_needed(setup)
    if len(strings) < needed:
        return  # too few fields filled in for any company to reach the hit percentage
    connection = db_session.connection()
    params: dict[str, object] = {"me": contact.id, "needed": needed}
    for index in range(SLOTS):
        # Unused slots get a value no search string has (they are at most 10 characters).
        f, p, v = strings[index] if index < len(strings) else ("", "", "-" * 11)
        params.update({f"f{index}": f, f"p{index}": p, f"v{index}": v, f"probe{index}": 0})
    counts = connection.execute(_FREQUENCY, params).one()
    rarest = sorted(range(len(strings)), key=lambda index: counts[index])
    for index in rarest[: len(strings) - needed + 1]:
        params[f"probe{index}"] = 1
    for other, hits in connection.execute(_STRING_HITS, params):
        note(other, 50, f"{hits} of {SLOTS} search strings alike")


_SAME_NAME = (
    select(Contact.id, Contact.name)
    .where(Contact.search_name == bindparam("name"), Contact.type == _KIND)
    .limit(50)
)


def _word_counts(count: int) -> CompoundSelect[int, int]:
    """Return the statement counting how many contacts have each of count words (w0, w1, ...).

    Counting stops past RARE_WORD, where a word is too common to look for near misses by:
    "Traders" in ten thousand company names costs no more to count than a rare word.
    """
    if (statement := _WORD_COUNTS.get(count)) is None:
        parts = []
        for at in range(count):
            having = (
                select(ContactSearchWord.contact_id)
                .where(ContactSearchWord.word == bindparam(f"w{at}"))
                .limit(RARE_WORD + 1)
                .subquery()
            )
            parts.append(select(literal(at), func.count()).select_from(having))
        statement = _WORD_COUNTS[count] = union_all(*parts)
    return statement


_WORD_COUNTS: dict[int, CompoundSelect[int, int]] = {}
_NEAR = (
    select(Contact.id, Contact.name)
    .join(ContactSearchWord, ContactSearchWord.contact_id == Contact.id)
    .where(ContactSearchWord.word == bindparam("word"), Contact.type == _KIND)
    .limit(NEAR)
)
_SEPARATE = select(ContactDuplicate.contact_id, ContactDuplicate.duplicate_id).where(
    ContactDuplicate.separate.is_(True),
    or_(
        ContactDuplicate.contact_id == bindparam("me"),
        ContactDuplicate.duplicate_id == bindparam("me"),
    ),
)


def _similar_names(db_session: Session, contact: Contact, note: Note) -> None:
    connection = db_session.connection()
    same = {"name": contact.search_name, "kind": contact.type}
    candidates = {cid: name for cid, name in connection.execute(_SAME_NAME, same)}
    # Near misses share the name's most distinctive word: the one fewest other contacts have
    # (this contact is indexed already, so a word only it has, a typo say, counts 1).
    mine = core_name(contact.name)
    words = sorted(set(mine.split()))
    if words:
        counted = connection.execute(
            _word_counts(len(words)), {f"w{at}": w for at, w in enumerate(words)}
        )
        frequency = {words[at]: count for at, count in counted if count > 1}
        rarest = min(frequency, key=frequency.__getitem__, default=None)
        if rarest is not None and frequency[rarest] <= RARE_WORD:
            near = connection.execute(_NEAR, {"word": rarest, "kind": contact.type})
            candidates.update({cid: name for cid, name in near})
    for other_id, name in candidates.items():
        ratio = fuzz.token_sort_ratio(mine, core_name(name))
        # Two persons may share a name; two companies hardly ever do.
        weight = 50 if contact.is_company else 40
        if ratio >= 95:
            note(other_id, weight, f"same name {name}")
        elif ratio >= 85:
            note(other_id, weight - 15, f"similar name {name} ({ratio:.0f}%)")


def _separate_ids(db_session: Session, contact_id: int) -> set[int]:
    pairs = db_session.connection().execute(_SEPARATE, {"me": contact_id})
    return {a if b == contact_id else b for a, b in pairs}


def record(db_session: Session, contact: Contact, duplicates: list[Duplicate]) -> None:
    """Remember the pairs found, so that `contact dupes` lists them later."""
    for dup in duplicates:
        first, second = sorted((contact.id, dup.contact.id))
        pair = db_session.get(ContactDuplicate, (first, second))
        if pair is None:
            pair = ContactDuplicate(contact_id=first, duplicate_id=second, separate=False)
            db_session.add(pair)
        pair.score, pair.evidence = dup.score, "; ".join(dup.evidence)
    db_session.flush()


def pairs(db_session: Session, limit: int = 50) -> list[tuple[Contact, Contact, ContactDuplicate]]:
    """Return the duplicate pairs found so far and not marked separate, most alike first."""
    first, second = aliased(Contact), aliased(Contact)
    stmt = (
        select(first, second, ContactDuplicate)
        .join(first, first.id == ContactDuplicate.contact_id)
        .join(second, second.id == ContactDuplicate.duplicate_id)
        .where(ContactDuplicate.separate.is_(False))
        .order_by(ContactDuplicate.score.desc(), first.no)
        .limit(limit)
    )
    return [(a, b, pair) for a, b, pair in db_session.execute(stmt)]


def separate(db_session: Session, one: Contact, other: Contact) -> ContactDuplicate:
    """Mark two contacts as different: they are never offered as duplicates again."""
    if one.id == other.id:
        raise InvalidInput("Name two different contacts.", field="contact")
    first, second = sorted((one.id, other.id))
    pair = db_session.get(ContactDuplicate, (first, second))
    if pair is None:
        pair = ContactDuplicate(contact_id=first, duplicate_id=second, score=0, evidence="")
        db_session.add(pair)
    pair.separate = True
    db_session.flush()
    return pair


# Merge


MERGE_OWN = {"contact_search_word", "duplicate_search_string", "contact_duplicate"}


def merge(
    db_session: Session, actor: Actor, keep: Contact, duplicate: Contact, take: list[str]
) -> dict[str, int]:
    """Move everything that points at the duplicate onto the kept contact, then delete it.

    Every foreign key to contact.id in the metadata is followed, so tables added by later
    areas move too. Returns how many rows of each table moved.
    """
    _check_mergeable(keep, duplicate)
    db_session.flush()
    for attr in take:
        setattr(keep, attr, getattr(duplicate, attr))
    _fill_blanks(keep, duplicate)
    moved: dict[str, int] = defaultdict(int)
    _move_emails(db_session, keep, duplicate, moved)
    for table, column in contact_references():
        if table.name in MERGE_OWN or table.name == "contact_alt_email":
            continue
        if table.name == "contact" and column.name == "company_id":
            result = db_session.execute(
                update(Contact)
                .where(Contact.company_id == duplicate.id)
                .values(company_id=keep.id, company_name=keep.name)
            )
        else:
            _drop_clashes(db_session, table, column, keep.id, duplicate.id)
            result = db_session.execute(
                update(table).where(column == duplicate.id).values({column.name: keep.id})
            )
        if result.rowcount:  # type: ignore[attr-defined]
            moved[table.name] += result.rowcount  # type: ignore[attr-defined]
    db_session.execute(
        delete(ContactDuplicate).where(
            or_(
                ContactDuplicate.contact_id == duplicate.id,
                ContactDuplicate.duplicate_id == duplicate.id,
            )
        )
    )
    drop_index_rows(db_session, [duplicate.id])
    db_session.execute(delete(Contact).where(Contact.id == duplicate.id))
    db_session.expunge(duplicate)
    db_session.expire(keep, ["alt_emails"])
    stamp(keep, actor)
    db_session.flush()
    log.info("Contact %s merged into %s by %s", duplicate.no, keep.no, actor)
    return dict(moved)


def drop_index_rows(db_session: Session, ids: list[int]) -> None:
    """Delete the search words and search strings of contacts being deleted.

    Those tables are derived and carry no foreign key (bulk imports write them faster), so
    nothing cascades to them: whoever deletes a contact deletes its index rows too.
    """
    for table in (ContactSearchWord, DuplicateSearchString):
        db_session.execute(delete(table).where(table.contact_id.in_(ids)))


def contact_references() -> list[tuple[Table, Column[Any]]]:
    """Return every (table, column) whose foreign key points at contact.id."""
    found: list[tuple[Table, Column[Any]]] = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "contact" and fk.column.name == "id":
                found.append((table, fk.parent))
    return found


def _check_mergeable(keep: Contact, duplicate: Contact) -> None:
    if keep.id == duplicate.id:
        raise InvalidInput("A contact cannot be merged into itself.", field="duplicate")
    if keep.type != duplicate.type:
        raise Conflict(
            f"{keep.no} is a {keep.type} and {duplicate.no} a {duplicate.type}.",
            hint="Merge two companies or two persons; change a type with `contact edit` first.",
        )
    if keep.company_id == duplicate.id:
        raise Conflict(f"{keep.no} belongs to {duplicate.no}; keep the company instead.")


MERGE_FILLED = [
    "name2",
    "first_name",
    "middle_name",
    "surname",
    "job_title",
    "organizational_level",
    "address",
    "address2",
    "city",
    "post_code",
    "county",
    "country",
    "territory",
    "phone",
    "mobile_phone",
    "home_page",
    "salesperson",
    "language",
    "vat_registration_no",
    "currency",
    "external_id",
]


def _fill_blanks(keep: Contact, duplicate: Contact) -> None:
    # The kept record's values win; its empty fields are filled from the duplicate.
    for attr in MERGE_FILLED:
        if not getattr(keep, attr) and getattr(duplicate, attr):
            setattr(keep, attr, getattr(duplicate, attr))
    if not keep.email and duplicate.email:
        keep.email, keep.search_email = duplicate.email, duplicate.search_email
    keep.search_phone = keep.search_phone or duplicate.search_phone


def _move_emails(
    db_session: Session, keep: Contact, duplicate: Contact, moved: dict[str, int]
) -> None:
    have = {keep.search_email, *(a.search_email for a in keep.alt_emails)}
    addresses: list[tuple[str | None, str | None, str | None]] = [
        (duplicate.email, duplicate.search_email, "merged from " + duplicate.no)
    ]
    addresses += [(a.email, a.search_email, a.description) for a in duplicate.alt_emails]
    for email, key, description in addresses:
        if email and key and key not in have:
            db_session.add(
                ContactAltEmail(
                    contact_id=keep.id, email=email, search_email=key, description=description
                )
            )
            have.add(key)
            moved["contact_alt_email"] += 1
    db_session.flush()


def _drop_clashes(
    db_session: Session, table: Table, column: Column[Any], keep: int, dup: int
) -> None:
    # Rows keyed by the contact (classifications) would collide: the kept contact's row wins.
    key_columns = [c for c in table.primary_key.columns if c is not column]
    if column not in list(table.primary_key.columns) or not key_columns:
        return
    other = table.alias("kept")
    same = [other.c[c.name] == c for c in key_columns]
    clash = exists().where(other.c[column.name] == keep, *same)
    db_session.execute(delete(table).where(column == dup, clash))

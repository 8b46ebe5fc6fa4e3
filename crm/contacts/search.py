"""Finding contacts by name, e-mail, phone or company: ranked and tolerant of typos.

Every contact keeps its normalized words in contact_search_word, and every word ever seen
keeps its trigrams in search_gram. A query narrows in SQL (words by prefix, words sharing
trigrams with a misspelt word, then the contacts having those words) and rapidfuzz ranks
the few hundred candidates left, so the cost stays flat as the table grows.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from rapidfuzz import fuzz, process
from rapidfuzz import utils as fuzz_utils
from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Select,
    Table,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from crm.contacts.models import Contact, ContactAltEmail, ContactSearchWord, SearchGram
from crm.db import copy_rows, one_of
from crm.values import search_phone

WORD = re.compile(r"[^\W_]+")
EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_WORD = 60
CANDIDATES = 200
SCANNED = 2000
FUZZY_WORDS = 25


@dataclass(frozen=True)
class Hit:
    """One contact found, with how well it matched (0 to 100)."""

    id: int
    no: str
    name: str
    type: str
    company_name: str | None
    email: str | None
    phone: str | None
    city: str | None
    score: float


def fold(text: str) -> str:
    """Return text without accents, case-folded: Müller and MUELLER compare alike enough."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def words_of(text: str | None) -> list[str]:
    """Return the search words of a piece of text."""
    return list(_words(text)) if text else []


def _split(text: str) -> tuple[str, ...]:
    words = WORD.findall(fold(text))
    if max(map(len, words), default=0) > MAX_WORD:
        words = [word[:MAX_WORD] for word in words]
    return tuple(words)


# Names are remembered: a bulk import splits each company's name once, not once per person.
_words = lru_cache(maxsize=16384)(_split)


def contact_words(
    *,
    no: str,
    name: str,
    name2: str | None = None,
    company_name: str | None = None,
    emails: Iterable[str | None] = (),
    phones: Iterable[str | None] = (),
) -> set[str]:
    """Return the words a contact is found by."""
    found = {no.lower()}
    for text in (name, name2, company_name):
        if text:
            found.update(_words(text))
    for email in emails:
        if email and "@" in email:
            local, _, domain = email.lower().rpartition("@")
            found.update(_split(local))  # addresses are unique: not worth remembering
            found.update(_words(domain.split(".")[0]))
            found.add(("@" + domain)[:MAX_WORD])
    for phone in phones:
        if digits := search_phone(phone):
            found.add(digits)
    found.discard("")
    return found


def grams(word: str) -> set[str]:
    """Return the trigrams of a word, padded so that beginnings and ends weigh in."""
    padded = f" {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _fuzzy_candidate(word: str) -> bool:
    return len(word) >= 3 and word.isalpha()


def words_for(contact: Contact) -> set[str]:
    """Return the search words of a contact record."""
    return contact_words(
        no=contact.no,
        name=contact.name,
        name2=contact.name2,
        company_name=contact.company_name,
        emails=[contact.email, *(alt.email for alt in contact.alt_emails)],
        phones=[contact.phone, contact.mobile_phone],
    )


def index(db_session: Session, contact: Contact, *, new: bool = False) -> None:
    """Store a contact's search words: all of them when it is new, else those that changed.

    Most edits (a city, a job title) leave the words as they were: then one read is all.
    """
    words = words_for(contact)
    if not new:
        mine = ContactSearchWord.contact_id == contact.id
        stored = set(db_session.scalars(select(ContactSearchWord.word).where(mine)))
        if gone := stored - words:
            db_session.execute(
                delete(ContactSearchWord).where(mine, ContactSearchWord.word.in_(gone))
            )
        words -= stored
    store_words(db_session, {contact.id: words})


def store_words(db_session: Session, words: dict[int, set[str]]) -> None:
    """Insert the search words of many contacts, and the trigrams of words new to the index."""
    rows = ((cid, w) for cid, ws in words.items() for w in ws)
    copy_rows(db_session.connection(), _WORDS, ("contact_id", "word"), rows)
    vocabulary = set().union(*words.values())
    store_grams(db_session, {w for w in vocabulary if _fuzzy_candidate(w)})


_WORDS = cast(Table, ContactSearchWord.__table__)
_GRAMS = cast(Table, SearchGram.__table__)


def store_grams(db_session: Session, vocabulary: set[str]) -> None:
    """Add the trigrams of the words the gram index does not know yet."""
    if not vocabulary:
        return
    connection = db_session.connection()
    known: set[str] = set()
    for condition in one_of(connection, SearchGram.word, sorted(vocabulary)):
        known.update(connection.scalars(select(SearchGram.word).where(condition).distinct()))
    rows = [(g, w) for w in vocabulary - known for g in grams(w)]
    copy_rows(connection, _GRAMS, ("gram", "word"), rows)


def find(
    *,
    db_session: Session,
    text: str,
    type: str | None = None,
    company_id: int | None = None,
    salesperson: str | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Return the contacts best matching what the user typed, best first."""
    query = text.strip()
    filters = _filters(type, company_id, salesperson)
    if not query:
        stmt = _columns().where(*filters).order_by(Contact.search_name).limit(limit)
        return [_hit(row, 0.0) for row in db_session.connection().execute(stmt)]

    rows = _candidates(db_session, query, filters)
    if not rows:
        return []
    scores = _scores(rows, query, _exact_keys(query))
    ranked = sorted(zip(scores, rows, strict=True), key=lambda p: (-p[0], p[1].name, p[1].no))
    return [_hit(row, score) for score, row in ranked[:limit]]


# The columns a hit is made of: id, no, name, type, company name, e-mail, phone, city.
_Columns = Select[int, str, str, str, str | None, str | None, str | None, str | None]


def _columns() -> _Columns:
    return select(
        Contact.id,
        Contact.no,
        Contact.name,
        Contact.type,
        Contact.company_name,
        Contact.email,
        Contact.phone,
        Contact.city,
    )


_ROWS = _columns().where(Contact.id.in_(bindparam("ids", expanding=True)))


def _filters(
    type: str | None, company_id: int | None, salesperson: str | None
) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = []
    if type:
        filters.append(Contact.type == type)
    if company_id is not None:
        filters.append(or_(Contact.company_id == company_id, Contact.id == company_id))
    if salesperson:
        filters.append(Contact.salesperson == salesperson)
    return filters


_W = ContactSearchWord
_HITS = func.count().label("hits")
_SHARED = func.count().label("shared")
# Built once: composing statements costs more than running them on an indexed table.
_PREFIX = (
    select(_W.word)
    .where(_W.word >= bindparam("low"), _W.word < bindparam("high"))
    .group_by(_W.word)
    .order_by(_W.word)
    .limit(FUZZY_WORDS)
)
# Words of letters are listed once each in the gram index under their leading trigram: their
# extensions are read from there, without walking every contact a common word has.
_PREFIX_LETTERS = (
    select(SearchGram.word)
    .where(
        SearchGram.gram == bindparam("lead"),
        SearchGram.word >= bindparam("low"),
        SearchGram.word < bindparam("high"),
    )
    .order_by(SearchGram.word)
    .limit(FUZZY_WORDS)
)
_NEAR = (
    select(SearchGram.word, _SHARED)
    .where(SearchGram.gram.in_(bindparam("grams", expanding=True)))
    .group_by(SearchGram.word)
    .having(bindparam("needed") <= _SHARED)
    .order_by(_SHARED.desc())
    .limit(FUZZY_WORDS * 4)
)
_BY_EMAIL = select(Contact.id).where(Contact.search_email == bindparam("email"))
_BY_ALT_EMAIL = select(ContactAltEmail.contact_id).where(
    ContactAltEmail.search_email == bindparam("email")
)


def _candidates(
    db_session: Session, query: str, filters: Sequence[ColumnElement[bool]]
) -> Sequence[Any]:
    """Return the rows of the contacts worth scoring: a few hundred at most."""
    connection = db_session.connection()
    if EMAIL_LIKE.match(query):
        # A whole address names its contacts; only an unknown one is searched loosely.
        key = query.lower()
        ids = list(connection.scalars(_BY_EMAIL, {"email": key}))
        ids += connection.scalars(_BY_ALT_EMAIL, {"email": key})
        if ids:
            return connection.execute(_ROWS, {"ids": ids}).all()
        query = query.partition("@")[0]
    # One group of indexed words per typed word: the word, its extensions and near misses.
    exact = _exact_keys(query)
    groups = [set(exact)] if exact else []
    if not exact or len(exact[0]) < 9:
        for word in words_of(query):
            if similar := _similar_words(connection, word):
                groups.append(similar)
    if not groups:
        return []
    params = {f"words{index}": sorted(words) for index, words in enumerate(groups)}
    statement: _Columns | None
    if filters:
        statement = _ranked(len(groups), filters)
    elif (statement := _RANKED.get(len(groups))) is None:
        # Built once per number of typed words: composing costs more than running it.
        statement = _RANKED[len(groups)] = _ranked(len(groups))
    return connection.execute(statement, params).all()


_RANKED: dict[int, _Columns] = {}


def _ranked(typed: int, filters: Sequence[ColumnElement[bool]] = ()) -> _Columns:
    """Return the statement picking the candidates: contacts having the rarest words first.

    Each typed word (its indexed words are bound as words0, words1, ...) reads at most SCANNED
    contacts, so a word half the table has ("Street", "Traders") costs no more than a rare
    one. A contact scores, for each typed word it has, one over the number of contacts read
    for that word: one match on a rare word outweighs matches on several common ones, as a
    company's number outweighs the words of its name.
    """
    parts = []
    for index in range(typed):
        part = select(literal(index).label("typed"), _W.contact_id).where(
            _W.word.in_(bindparam(f"words{index}", expanding=True))
        )
        if filters:
            part = part.join(Contact, Contact.id == _W.contact_id).where(*filters)
        read = part.limit(SCANNED).subquery()
        parts.append(select(read.c.typed, read.c.contact_id))
    found = union_all(*parts).subquery()
    weighted = select(
        found.c.contact_id,
        # In floating point: PostgreSQL's numeric sums cost more than the rest of the query.
        (literal(1.0) / func.count().over(partition_by=found.c.typed).cast(Float)).label("weight"),
    ).subquery()
    best = (
        select(weighted.c.contact_id)
        .group_by(weighted.c.contact_id)
        .order_by(func.sum(weighted.c.weight).desc(), weighted.c.contact_id)
        .limit(CANDIDATES)
        .subquery()
    )
    return _columns().join(best, best.c.contact_id == Contact.id)


def _exact_keys(query: str) -> list[str]:
    # A phone number matches as one key (its last nine digits), not as loose words.
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) >= 5 and not re.search(r"[a-zA-Z]", query):
        return [digits[-9:]]
    return []


def _similar_words(connection: Connection, word: str) -> set[str]:
    """Return the indexed words this one may mean: the word, its extensions, its near misses."""
    # One letter is too short to widen: only the word itself (words never hold \x01).
    high = word + "\uffff" if len(word) >= 2 else word + "\x01"
    if len(word) >= 2 and word.isalpha():
        lead = {"lead": f" {word[:2]}", "low": word, "high": high}
        found = set(connection.scalars(_PREFIX_LETTERS, lead))
        if len(word) == 2:
            found.add(word)  # too short for the gram index, which lists its extensions only
    else:
        found = set(connection.scalars(_PREFIX, {"low": word, "high": high}))
    # A word the index knows was typed right: its near misses would only add noise.
    if word in found or not _fuzzy_candidate(word):
        return found
    mine = sorted(grams(word))
    rows = connection.execute(_NEAR, {"grams": mine, "needed": max(1, len(mine) // 3)})
    near = [
        (fuzz.ratio(word, other), other) for other, _ in rows if abs(len(other) - len(word)) <= 3
    ]
    near.sort(reverse=True)
    found.update(other for score, other in near[:FUZZY_WORDS] if score >= 70)
    return found


def _scores(rows: Sequence[Any], query: str, exact: list[str]) -> list[float]:
    """Score how well each contact fits, in one pass of rapidfuzz over all of them.

    The contact's own name counts fully, its company and e-mail a little less, so that a
    company ranks above its persons for the company's name.
    """
    typed = fold(query)
    names = [fold(row.name) for row in rows]
    others = [
        fold(f"{row.company_name or ''} {(row.email or '').partition('@')[0]}") for row in rows
    ]
    clean = fuzz_utils.default_process
    own = process.cdist([typed], names, scorer=fuzz.WRatio, processor=clean)[0]
    other = process.cdist([typed], others, scorer=fuzz.WRatio, processor=clean)[0] * 0.9
    scores = []
    for index, row in enumerate(rows):
        whole = query.lower() in {(row.email or "").lower(), row.no.lower()}
        phoned = bool(exact and row.phone and search_phone(row.phone) in exact)
        best = 100.0 if whole or phoned else max(float(own[index]), float(other[index]))
        scores.append(round(best, 1))
    return scores


def _hit(row: Any, score: float) -> Hit:
    return Hit(
        row.id, row.no, row.name, row.type, row.company_name, row.email, row.phone, row.city, score
    )

"""Bulk look-ups and bulk writes: every key found, every value stored as an INSERT would."""

from sqlalchemy import select

from crm import db
from crm.contacts.models import ContactSearchWord, SearchGram

ODD = ["o'brien", 'say "hi"', "back\\slash", "müller", "日本", "tab\tbed", "unit\x1fsep", "x" * 60]


def test_one_of_finds_every_key_however_it_is_written(db_session):
    words = ODD + [f"word{i:05d}" for i in range(db.LOOKUP + 500)]
    connection = db_session.connection()
    db.copy_rows(connection, SearchGram.__table__, ("gram", "word"), [(" ab", w) for w in words])

    found: set[str] = set()
    for condition in db.one_of(connection, SearchGram.word, [*words, "absent", ""]):
        found.update(connection.scalars(select(SearchGram.word).where(condition)))

    assert found == set(words)


def test_one_of_takes_numbers_too(db_session):
    connection = db_session.connection()
    rows = [(cid, f"word{cid}") for cid in range(1, 3001)]
    db.copy_rows(connection, ContactSearchWord.__table__, ("contact_id", "word"), rows)

    found: set[int] = set()
    for condition in db.one_of(connection, ContactSearchWord.contact_id, [7, 2999, 5000]):
        found.update(connection.scalars(select(ContactSearchWord.contact_id).where(condition)))

    assert found == {7, 2999}

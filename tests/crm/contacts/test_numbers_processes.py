"""Two processes creating contacts at once never receive the same number."""

import multiprocessing

import pytest
from sqlalchemy import delete, select, update

from crm import db
from crm.audit import Actor, Channel
from crm.contacts import service
from crm.contacts.models import Contact, ContactSearchWord, DuplicateSearchString
from crm.numbering import NumberSeries

PER_PROCESS = 500


def _create(url: str, tag: str) -> None:
    engine = db.make_engine(url)
    sessions = db.make_sessionmaker(engine)
    actor = Actor(Channel.CONSOLE, None, tag)
    for index in range(PER_PROCESS):
        with sessions.begin() as session:
            service.create(db_session=session, actor=actor, name=f"{tag} {index}")
    engine.dispose()


def test_two_processes_get_a_thousand_distinct_numbers(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the two-process test runs on PostgreSQL")
    engine = db.make_engine(database_url)
    with engine.begin() as connection:
        before = connection.execute(
            select(NumberSeries.last_no).where(NumberSeries.code == "CONTACT")
        ).scalar_one()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_create, args=(database_url, tag)) for tag in ("P1", "P2")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert [w.exitcode for w in workers] == [0, 0]

    try:
        with engine.begin() as connection:
            rows = connection.execute(
                select(Contact.no).where(Contact.created_by.in_(["P1", "P2"]))
            ).all()
            numbers = [row[0] for row in rows]
    finally:
        # This test commits; leave the shared database as the other tests expect it.
        with engine.begin() as connection:
            made = select(Contact.id).where(Contact.created_by.in_(["P1", "P2"]))
            for table in (ContactSearchWord, DuplicateSearchString):
                connection.execute(delete(table).where(table.contact_id.in_(made)))
            connection.execute(delete(Contact).where(Contact.id.in_(made)))
            connection.execute(
                update(NumberSeries).where(NumberSeries.code == "CONTACT").values(last_no=before)
            )
        engine.dispose()
    assert len(numbers) == 2 * PER_PROCESS
    assert len(set(numbers)) == 2 * PER_PROCESS

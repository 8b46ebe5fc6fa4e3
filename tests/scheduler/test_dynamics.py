"""The scheduled Dynamics 365 Sales sync: registered every 30 minutes, one run per tick."""

from collections.abc import Iterator

import pytest

from bot.dataverse import DataverseClient
from crm.contacts import service as contacts
from scheduler.dynamics import synchronize
from scheduler.jobs import static_jobs
from scheduler.ports import Collaborators
from tests.fakes.dataverse import FakeDataverse


@pytest.fixture
def dataverse() -> Iterator[FakeDataverse]:
    fake = FakeDataverse().start()
    yield fake
    fake.stop()


def test_the_job_is_registered_only_with_a_period():
    jobs = {spec.job_id: spec for spec in static_jobs(sync_minutes=30)}

    assert jobs["dynamics-sync"].schedule == "every 30 minutes"
    assert "dynamics-sync" not in {spec.job_id for spec in static_jobs()}


def test_a_tick_synchronizes_and_reports(sessions, dataverse, actor):
    with sessions.begin() as session:
        contacts.create(db_session=session, actor=actor, name="Acme")
    client = DataverseClient(dataverse.url, lambda: "token", sleep=lambda _: None)

    first = synchronize(Collaborators(sessions=sessions, sync=client))
    second = synchronize(Collaborators(sessions=sessions, sync=client))
    idle = synchronize(Collaborators(sessions=sessions))

    assert [row["name"] for row in dataverse.rows("accounts")] == ["Acme"]
    assert first.done == 1 and "1 changed" in first.summary
    assert second.done == 0 and "4 requests" in second.summary
    assert "not configured" in idle.summary
    client.close()

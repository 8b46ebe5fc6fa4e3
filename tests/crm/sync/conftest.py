"""Fixtures for the sync tests: a loopback Dataverse and the real client pointed at it."""

from collections.abc import Iterator

import pytest

from bot.dataverse import DataverseClient
from tests.fakes.dataverse import FakeDataverse


@pytest.fixture
def dataverse() -> Iterator[FakeDataverse]:
    fake = FakeDataverse().start()
    yield fake
    fake.stop()


@pytest.fixture
def waits() -> list[float]:
    """The pauses the client took before retrying."""
    return []


@pytest.fixture
def client(dataverse: FakeDataverse, waits: list[float]) -> Iterator[DataverseClient]:
    client = DataverseClient(dataverse.url, lambda: "token", sleep=waits.append)
    yield client
    client.close()

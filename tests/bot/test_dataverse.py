"""The Dataverse client against the loopback fake: paging, delta links, $batch, limits."""

from collections.abc import Iterator

import pytest

from bot.dataverse import Budget, DataverseClient
from crm.sync.remote import Operation, RemoteError, Verb
from tests.fakes.dataverse import FakeDataverse


@pytest.fixture
def dataverse() -> Iterator[FakeDataverse]:
    fake = FakeDataverse().start()
    yield fake
    fake.stop()


@pytest.fixture
def waits() -> list[float]:
    return []


def make_client(fake: FakeDataverse, waits: list[float], **options) -> DataverseClient:
    return DataverseClient(fake.url, lambda: "token", sleep=waits.append, **options)


def test_pages_are_followed_and_deleted_rows_reported(dataverse, waits):
    client = make_client(dataverse, waits, page_size=2)
    ids = [dataverse.add("accounts", name=f"A{n}") for n in range(5)]

    first = client.changes("accounts", ["accountid", "name"], None)
    dataverse.change("accounts", ids[0], name="A0 renamed")
    dataverse.remove("accounts", ids[1])
    second = client.changes("accounts", ["accountid", "name"], first.delta_link)

    assert sorted(row["name"] for row in first.rows) == ["A0", "A1", "A2", "A3", "A4"]
    assert dataverse.requests["GET accounts"] == 4  # three pages, then one page of changes
    assert [row["name"] for row in second.rows] == ["A0 renamed"]
    assert second.deleted == [ids[1]]
    client.close()


def test_query_filters_by_equal_columns(dataverse, waits):
    client = make_client(dataverse, waits)
    dataverse.add("contacts", firstname="Jane", emailaddress1="jane@acme.com")
    dataverse.add("contacts", firstname="John", emailaddress1="john@acme.com")

    rows = client.query("contacts", ["firstname"], {"emailaddress1": "JANE@acme.com"})

    assert [row["firstname"] for row in rows] == ["Jane"]
    client.close()


def test_a_failing_operation_does_not_hold_back_its_change_set(dataverse, waits):
    client = make_client(dataverse, waits)
    kept = dataverse.add("accounts", name="Kept")
    missing = "00000000-0000-0000-0000-000000000001"
    operations = [
        Operation(Verb.UPSERT, "accounts", "00000000-0000-0000-0000-00000000000a", {"name": "New"}),
        Operation(Verb.UPDATE, "accounts", missing, {"name": "Ghost"}, if_match="*"),
        Operation(Verb.UPDATE, "accounts", kept, {"name": "Stale"}, if_match='W/"1"'),
        Operation(Verb.UPDATE, "accounts", kept, {"name": "Renamed"}, if_match="*"),
    ]

    outcomes = client.write(operations)

    assert [o.status for o in outcomes] == [201, 404, 412, 200]
    assert outcomes[3].etag == dataverse.row("accounts", kept)["@odata.etag"]
    assert dataverse.row("accounts", missing) is None
    assert sorted(row["name"] for row in dataverse.rows("accounts")) == ["New", "Renamed"]
    client.close()


def test_throttling_waits_retry_after_then_gives_up(dataverse, waits):
    client = make_client(dataverse, waits, max_retries=2)
    dataverse.throttle(2, retry_after="0.5")
    assert client.get("accounts", dataverse.add("accounts", name="A"), ["name"])["name"] == "A"
    assert waits == [0.5, 0.5]

    dataverse.throttle(5, retry_after="1")
    with pytest.raises(RemoteError, match="kept refusing"):
        client.query("accounts", ["name"], {"name": "A"})
    client.close()


def test_budget_waits_when_the_window_is_full():
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    budget = Budget(requests=2, clock=lambda: now[0], sleep=sleep)

    class Sent:
        status_code = 204

    for _ in range(3):
        budget.run(lambda: Sent())  # type: ignore[arg-type, return-value]
        now[0] += 1.0

    assert slept == [298.0]  # the first request leaves the 5-minute window at t=300


def test_unreachable_service_is_a_remote_error(waits):
    fake = FakeDataverse().start()
    url = fake.url
    fake.stop()
    client = DataverseClient(url, lambda: "token", sleep=waits.append)
    with pytest.raises(RemoteError, match="unreachable"):
        client.get("accounts", "00000000-0000-0000-0000-000000000001", ["name"])
    client.close()


class EntraFake:
    """Microsoft Entra ID's discovery and token endpoints, as MSAL's injected HTTP client."""

    def __init__(self) -> None:
        self.tokens_issued = 0

    class Answer:
        def __init__(self, body: dict) -> None:
            import json

            self.status_code = 200
            self.text = json.dumps(body)
            self.headers = {"Content-Type": "application/json"}

        def raise_for_status(self) -> None:
            pass

    def get(self, url: str, **_: object) -> "EntraFake.Answer":
        base = "https://login.microsoftonline.com/tenant-1"
        return self.Answer(
            {
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "issuer": f"{base}/v2.0",
            }
        )

    def post(self, url: str, data: dict | None = None, **_: object) -> "EntraFake.Answer":
        assert data and data["grant_type"] == "client_credentials"
        assert data["scope"].endswith("https://org.crm.dynamics.com/.default")
        self.tokens_issued += 1
        return self.Answer(
            {
                "access_token": f"token-{self.tokens_issued}",
                "expires_in": 3600,
                "token_type": "Bearer",
            }
        )


def test_msal_client_credentials_token_is_cached():
    from bot.dataverse import msal_token_provider

    entra = EntraFake()
    token = msal_token_provider(
        tenant_id="tenant-1",
        client_id="client-1",
        client_secret="secret",
        resource="https://org.crm.dynamics.com/",
        http_client=entra,
    )

    assert token() == "token-1"
    assert token() == "token-1"
    assert entra.tokens_issued == 1

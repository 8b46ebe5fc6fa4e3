"""The Dataverse Web API client: httpx, MSAL tokens, paging, delta links, $batch, limits.

It implements crm.sync.remote.DataverseApi; the sync engine in crm never sees HTTP.
"""

import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from crm.sync.remote import Changes, DeltaExpired, Operation, Outcome, RemoteError, Row, Verb

log = logging.getLogger(__name__)

API_PATH = "/api/data/v9.2/"
MAX_PAGE = 5000
MAX_BATCH = 1000
RETRY_STATUSES = {429, 503}
WINDOW_SECONDS = 300.0
# Dataverse's service protection limits per user and web server, per 5-minute window. The
# budget keeps a margin below them so that a scheduled job and an admin's run can share a user.
LIMIT_REQUESTS = 6000
LIMIT_EXECUTION_SECONDS = 1200.0
LIMIT_CONCURRENCY = 52
DELTA_EXPIRED_CODES = {"0x80044352", "0x80072491"}

TokenProvider = Callable[[], str]


def msal_token_provider(
    *, tenant_id: str, client_id: str, client_secret: str, resource: str, http_client: Any = None
) -> TokenProvider:
    """Return a token source for an application user, through MSAL's client credentials.

    One ConfidentialClientApplication per process: MSAL serves repeated calls from its cache
    until the token is about to expire.
    """
    scopes = [resource.rstrip("/") + "/.default"]
    apps: list[Any] = []

    def token() -> str:
        # Built on first use: MSAL reads the tenant's metadata when the app is made, and a
        # console command that never talks to Dataverse should not wait for that.
        if not apps:
            import msal

            apps.append(
                msal.ConfidentialClientApplication(
                    client_id,
                    client_credential=client_secret,
                    authority=f"https://login.microsoftonline.com/{tenant_id}",
                    http_client=http_client,
                )
            )
        try:
            result = apps[0].acquire_token_for_client(scopes=scopes)
        except OSError as error:  # requests' connection errors are OSErrors
            raise RemoteError(f"Entra ID is unreachable: {type(error).__name__}") from error
        if "access_token" not in result:
            raise RemoteError(
                f"Entra ID refused a token: {result.get('error')}: "
                f"{result.get('error_description', '')[:200]}"
            )
        return str(result["access_token"])

    return token


class Budget:
    """Keeps a client inside Dataverse's service protection limits.

    Counts requests and the time they took in a sliding 5-minute window and caps concurrent
    requests; a request that would pass a limit waits until the window makes room.
    """

    def __init__(
        self,
        *,
        requests: int = int(LIMIT_REQUESTS * 0.9),
        execution_seconds: float = LIMIT_EXECUTION_SECONDS * 0.9,
        concurrency: int = 8,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.requests = requests
        self.execution_seconds = execution_seconds
        self._slots = threading.BoundedSemaphore(min(concurrency, LIMIT_CONCURRENCY))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._window: deque[tuple[float, float]] = deque()  # (finished at, seconds taken)
        self.waited = 0.0

    def _wait_needed(self) -> float:
        now = self._clock()
        while self._window and self._window[0][0] <= now - WINDOW_SECONDS:
            self._window.popleft()
        if not self._window:
            return 0.0
        taken = sum(seconds for _, seconds in self._window)
        if len(self._window) < self.requests and taken < self.execution_seconds:
            return 0.0
        return self._window[0][0] + WINDOW_SECONDS - now

    def run(self, send: Callable[[], httpx.Response]) -> httpx.Response:
        """Send one request when the limits allow it, and account for it."""
        with self._slots:
            while True:
                with self._lock:
                    wait = self._wait_needed()
                if wait <= 0:
                    break
                log.warning("Dataverse budget spent; waiting %.1f s", wait)
                self.waited += wait
                self._sleep(wait)
            started = self._clock()
            try:
                return send()
            finally:
                finished = self._clock()
                with self._lock:
                    self._window.append((finished, finished - started))


class DataverseClient:
    """A thin Dataverse Web API client for the sync engine."""

    def __init__(
        self,
        url: str,
        token: TokenProvider,
        *,
        http: httpx.Client | None = None,
        page_size: int = MAX_PAGE,
        max_batch: int = MAX_BATCH,
        max_retries: int = 5,
        max_retry_after: float = 300.0,
        budget: Budget | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base = url.rstrip("/") + API_PATH
        self._token = token
        self._http = http or httpx.Client(timeout=httpx.Timeout(120.0, connect=10.0))
        self.page_size = min(page_size, MAX_PAGE)
        self.max_batch = min(max_batch, MAX_BATCH)
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self.budget = budget or Budget(sleep=sleep)
        self._sleep = sleep
        self._requests = 0
        self._count_lock = threading.Lock()

    @property
    def requests(self) -> int:
        return self._requests

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    # Reading

    def changes(self, entity_set: str, select: Sequence[str], delta_link: str | None) -> Changes:
        """Return the rows changed since delta_link (every row without one) and the next link."""
        prefer = [f"odata.maxpagesize={self.page_size}", "odata.track-changes"]
        url = delta_link or self._url(entity_set, {"$select": ",".join(select)})
        rows: list[Row] = []
        deleted: list[str] = []
        link: str | None = None
        for page in self._pages(url, prefer):
            for item in page.get("value", []):
                if _is_deleted(item):
                    deleted.append(str(item["id"]).lower())
                else:
                    rows.append(item)
            link = page.get("@odata.deltaLink") or link
        if link is None:
            raise RemoteError(
                f"Dataverse sent no delta link for {entity_set}; is change "
                "tracking enabled on the table?"
            )
        log.info("Read %s: %d changed, %d deleted", entity_set, len(rows), len(deleted))
        return Changes(rows, deleted, link)

    def get(self, entity_set: str, row_id: str, select: Sequence[str]) -> Row | None:
        """Return one row, or None when it does not exist."""
        url = self._url(f"{entity_set}({row_id})", {"$select": ",".join(select)})
        response = self._send("GET", url)
        if response.status_code == 404:
            return None
        _raise_for(response)
        row: Row = response.json()
        return row

    def query(self, entity_set: str, select: Sequence[str], where: dict[str, str]) -> list[Row]:
        """Return the rows whose columns equal the given values."""
        condition = " and ".join(
            f"{column} eq {_literal(value)}" for column, value in where.items()
        )
        url = self._url(entity_set, {"$select": ",".join(select), "$filter": condition})
        rows: list[Row] = []
        for page in self._pages(url, [f"odata.maxpagesize={self.page_size}"]):
            rows.extend(page.get("value", []))
        return rows

    def _pages(self, url: str, prefer: list[str]) -> Iterator[dict[str, Any]]:
        next_url: str | None = url
        while next_url:
            response = self._send("GET", next_url, headers={"Prefer": ",".join(prefer)})
            if response.status_code in (400, 410) and "deltatoken" in next_url.lower():
                error = _error(response)
                if response.status_code == 410 or error[0] in DELTA_EXPIRED_CODES:
                    raise DeltaExpired(f"Change-tracking token expired: {error[1]}")
            _raise_for(response)
            page: dict[str, Any] = response.json()
            yield page
            next_url = page.get("@odata.nextLink")

    # Writing

    def write(self, operations: Sequence[Operation]) -> list[Outcome]:
        """Send writes as atomic change sets; return one outcome per operation.

        A change set stops at its first failing operation and rolls back. That operation gets
        its error, and the others are sent again in a new change set, so one bad record never
        holds back the rest.
        """
        if len(operations) > self.max_batch:
            raise ValueError(f"at most {self.max_batch} operations per change set")
        outcomes: dict[int, Outcome] = {}
        pending = list(range(len(operations)))
        while pending:
            answers = self._send_changeset([operations[index] for index in pending])
            failed = [n for n, outcome in enumerate(answers) if outcome and not outcome.ok]
            if not failed:
                for n, index in enumerate(pending):
                    outcomes[index] = answers[n] or Outcome(204)
                break
            for n in failed:
                outcomes[pending[n]] = answers[n] or Outcome(500, error="no answer")
            pending = [index for n, index in enumerate(pending) if n not in failed]
        return [outcomes[index] for index in range(len(operations))]

    def _send_changeset(self, operations: Sequence[Operation]) -> list[Outcome | None]:
        batch, changeset = f"batch_{uuid.uuid4().hex}", f"changeset_{uuid.uuid4().hex}"
        parts = [f"--{batch}", f"Content-Type: multipart/mixed; boundary={changeset}", ""]
        for number, operation in enumerate(operations, start=1):
            parts += [f"--{changeset}", *_request_part(self.base, number, operation)]
        parts += [f"--{changeset}--", f"--{batch}--", ""]
        response = self._send(
            "POST",
            self.base + "$batch",
            headers={"Content-Type": f"multipart/mixed; boundary={batch}"},
            content="\r\n".join(parts).encode(),
        )
        if response.status_code >= 400 and "multipart" not in response.headers.get(
            "content-type", ""
        ):
            code, message = _error(response)
            raise RemoteError(
                f"$batch refused ({response.status_code}): {message}",
                status=response.status_code,
                code=code,
            )
        answers: list[Outcome | None] = [None] * len(operations)
        for content_id, outcome in _parse_batch(response):
            if content_id is None:
                # An error without its Content-ID: blame the whole change set.
                return [outcome] * len(operations)
            answers[content_id - 1] = outcome
        log.info("Wrote %d operations in one change set", len(operations))
        return answers

    # Transport

    def _url(self, path: str, query: dict[str, str]) -> str:
        pairs = "&".join(
            f"{key}={quote(value, safe=',()=')}" for key, value in query.items() if value
        )
        return self.base + path + ("?" + pairs if pairs else "")

    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        all_headers = {
            "Accept": "application/json",
            "OData-MaxVersion": "4.0",
            "OData-Version": "4.0",
            "Authorization": f"Bearer {self._token()}",
            **(headers or {}),
        }
        attempt = 0
        while True:
            with self._count_lock:
                self._requests += 1
            try:
                response = self.budget.run(
                    lambda: self._http.request(method, url, headers=all_headers, content=content)
                )
            except httpx.HTTPError as error:
                raise RemoteError(f"Dataverse is unreachable: {type(error).__name__}") from error
            if response.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
                if response.status_code in RETRY_STATUSES:
                    raise RemoteError(
                        f"Dataverse kept refusing ({response.status_code}) after {attempt} retries",
                        status=response.status_code,
                    )
                return response
            attempt += 1
            wait = _retry_after(response, attempt, self.max_retry_after)
            log.warning(
                "Dataverse answered %s to %s; retry %d in %.1f s",
                response.status_code,
                method,
                attempt,
                wait,
            )
            self._sleep(wait)


def _is_deleted(item: Row) -> bool:
    return str(item.get("@odata.context", "")).endswith("$deletedEntity") or (
        item.get("reason") == "deleted" and "id" in item
    )


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _retry_after(response: httpx.Response, attempt: int, cap: float) -> float:
    header = response.headers.get("Retry-After")
    try:
        wait = float(header) if header is not None else 2.0**attempt
    except ValueError:
        wait = 2.0**attempt
    return max(0.0, min(wait, cap))


def _error(response: httpx.Response) -> tuple[str | None, str]:
    try:
        error = response.json().get("error", {})
        return error.get("code"), str(error.get("message", ""))[:300]
    except (ValueError, AttributeError):
        return None, response.text[:300]


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    code, message = _error(response)
    raise RemoteError(
        f"Dataverse answered {response.status_code}: {message}",
        status=response.status_code,
        code=code,
    )


def _request_part(base: str, number: int, operation: Operation) -> list[str]:
    target = f"{base}{operation.entity_set}({operation.row_id})"
    lines = [
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        f"Content-ID: {number}",
        "",
    ]
    if operation.verb is Verb.DELETE:
        lines.append(f"DELETE {target} HTTP/1.1")
        if operation.if_match:
            lines.append(f"If-Match: {operation.if_match}")
        return [*lines, "", ""]
    lines += [
        f"PATCH {target} HTTP/1.1",
        "Content-Type: application/json",
        # The new ETag comes back in the answer, so the next update can say which version
        # it replaces.
        "Prefer: return=representation",
    ]
    if operation.if_match:
        lines.append(f"If-Match: {operation.if_match}")
    return [*lines, "", json.dumps(operation.body, separators=(",", ":"))]


def _parse_batch(response: httpx.Response) -> Iterator[tuple[int | None, Outcome]]:
    """Yield (Content-ID, outcome) for every answer in a multipart $batch response."""
    content_type = response.headers.get("content-type", "")
    yield from _parse_multipart(response.content.decode(), _boundary(content_type))


def _boundary(content_type: str) -> str:
    for piece in content_type.split(";"):
        key, _, value = piece.strip().partition("=")
        if key.lower() == "boundary":
            return value.strip('"')
    raise RemoteError(f"$batch answer without a boundary: {content_type!r}")


def _parse_multipart(body: str, boundary: str) -> Iterator[tuple[int | None, Outcome]]:
    for part in body.split(f"--{boundary}")[1:]:
        if part.startswith("--"):
            break
        head, _, rest = part.lstrip("\r\n").partition("\r\n\r\n")
        headers = _headers(head)
        if headers.get("content-type", "").startswith("multipart/mixed"):
            yield from _parse_multipart(rest, _boundary(headers["content-type"]))
            continue
        content_id = headers.get("content-id")
        status_line, _, http_rest = rest.partition("\r\n")
        inner_head, _, inner_body = http_rest.partition("\r\n\r\n")
        inner = _headers(inner_head)
        status = int(status_line.split()[1])
        etag = inner.get("etag")
        error = None
        text = inner_body.strip()
        if text:
            try:
                data = json.loads(text)
            except ValueError:
                data = {}
            etag = etag or data.get("@odata.etag")
            if status >= 400:
                error = str(data.get("error", {}).get("message", text))[:300]
        yield (int(content_id) if content_id else None), Outcome(status, etag, error)


def _headers(block: str) -> dict[str, str]:
    headers = {}
    for line in block.split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers

"""A loopback Dataverse Web API fake: entity sets, paging, change tracking, $batch, ETags, 429."""

import json
import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

API = "/api/data/v9.2/"
KEYS = {
    "accounts": "accountid",
    "contacts": "contactid",
    "opportunities": "opportunityid",
    "systemusers": "systemuserid",
}
KEYED = re.compile(r"^(\w+)\(([0-9a-fA-F-]{36})\)$")


@dataclass
class Table:
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)  # row id -> version of last change
    tombstones: dict[str, int] = field(default_factory=dict)  # row id -> version of deletion


class Answer(Exception):
    """An HTTP answer raised from deep inside request handling."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


class FakeDataverse:
    """The state of one Dataverse organization, served over HTTP on 127.0.0.1."""

    def __init__(self) -> None:
        self.tables = {name: Table() for name in KEYS}
        self.version = 1000
        self.lock = threading.RLock()
        self.requests: Counter[str] = Counter()
        self.throttle_left = 0
        self.retry_after = "0"
        self.fail_after: int | None = None  # answer 500 once this many more requests came in
        self.before_batch: Callable[[], None] | None = None  # a Sales user acting mid-run
        self.oldest_token = 0  # delta tokens older than this have expired
        self.refused_columns: set[str] = set()  # writes to these columns answer 400
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        # A short poll interval keeps shutdown (once per test) from costing half a second.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def start(self) -> "FakeDataverse":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # Test helpers: what a Sales user does in the Dynamics 365 web app.

    def add(self, entity_set: str, **values: Any) -> str:
        """Create a row as a Sales user would; return its id."""
        with self.lock:
            row_id = str(values.pop(KEYS[entity_set], None) or uuid.uuid4())
            self._store(entity_set, row_id, values, create=True)
            return row_id

    def change(self, entity_set: str, row_id: str, **values: Any) -> None:
        """Change a row as a Sales user would."""
        with self.lock:
            self._store(entity_set, row_id, values, create=False)

    def remove(self, entity_set: str, row_id: str) -> None:
        """Delete a row as a Sales user would."""
        with self.lock:
            self._delete(entity_set, row_id)

    def row(self, entity_set: str, row_id: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.tables[entity_set].rows.get(row_id)
            return dict(row) if row else None

    def rows(self, entity_set: str) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(row) for row in self.tables[entity_set].rows.values()]

    def expire_tokens(self) -> None:
        """Expire every delta link handed out so far, as ExpireChangeTrackingInDays does."""
        with self.lock:
            self.oldest_token = self.version + 1

    def throttle(self, count: int, retry_after: str = "0") -> None:
        """Answer the next `count` requests with 429 and Retry-After."""
        self.throttle_left, self.retry_after = count, retry_after

    # The store

    def _next_version(self) -> int:
        self.version += 1
        return self.version

    def _store(self, entity_set: str, row_id: str, values: dict[str, Any], *, create: bool) -> None:
        table = self.tables[entity_set]
        row = table.rows.get(row_id)
        if row is None:
            row = {KEYS[entity_set]: row_id}
            table.rows[row_id] = row
            table.tombstones.pop(row_id, None)
        for key, value in values.items():
            if key.endswith("@odata.bind"):
                nav = key.removesuffix("@odata.bind")
                nav = nav.removesuffix("_account").removesuffix("_contact")
                target = KEYED.match(value.strip("/")) if value else None
                row[f"_{nav}_value"] = target.group(2).lower() if target else None
            else:
                row[key] = value
        version = self._next_version()
        row["versionnumber"] = version
        row["@odata.etag"] = f'W/"{version}"'
        table.versions[row_id] = version

    def _delete(self, entity_set: str, row_id: str) -> None:
        table = self.tables[entity_set]
        if table.rows.pop(row_id, None) is None:
            raise Answer(
                404, _error("0x80040217", f"{entity_set} With Id = {row_id} Does Not Exist")
            )
        table.versions.pop(row_id, None)
        table.tombstones[row_id] = self._next_version()

    # Requests

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        with self.lock:
            parts = urlsplit(target)
            path = parts.path.removeprefix(API)
            self.requests[f"{method} {path.split('(')[0]}"] += 1
            if self.fail_after is not None:
                if self.fail_after <= 0:
                    return Answer(500, _error("0x80040216", "An unexpected error occurred."))
                self.fail_after -= 1
            if self.throttle_left > 0:
                self.throttle_left -= 1
                return Answer(
                    429,
                    _error("0x80072322", "Number of requests exceeded the limit."),
                    {"Retry-After": self.retry_after},
                )
            try:
                if path == "$batch":
                    if self.before_batch is not None:
                        hook, self.before_batch = self.before_batch, None
                        hook()
                    return self._batch(headers, body)
                return self._one(method, path, parse_qs(parts.query), headers, body)
            except Answer as answer:
                return answer

    def _one(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> Answer:
        keyed = KEYED.match(path)
        entity_set = keyed.group(1) if keyed else path
        if entity_set not in KEYS:
            raise Answer(404, _error("0x8006088a", f"Resource not found for the segment '{path}'."))
        select = query.get("$select", [""])[0]
        if keyed is None:
            if method == "POST":
                row_id = str(uuid.uuid4())
                self._store(entity_set, row_id, json.loads(body or b"{}"), create=True)
                return Answer(204, None, {"OData-EntityId": f"{API}{entity_set}({row_id})"})
            if method != "GET":
                raise Answer(405, _error("0x80060888", "Method not allowed."))
            return self._list(entity_set, query, headers)
        row_id = keyed.group(2).lower()
        table = self.tables[entity_set]
        row = table.rows.get(row_id)
        if method == "GET":
            if row is None:
                raise Answer(404, _error("0x80040217", "Does Not Exist"))
            return Answer(200, _project(row, select))
        _check_conditions(row, headers)
        if method == "DELETE":
            self._delete(entity_set, row_id)
            return Answer(204)
        if method != "PATCH":
            raise Answer(405, _error("0x80060888", "Method not allowed."))
        payload = json.loads(body or b"{}")
        if refused := sorted(set(payload) & self.refused_columns):
            raise Answer(400, _error("0x80040203", f"Invalid value for {refused[0]}."))
        created = row is None
        self._store(entity_set, row_id, payload, create=created)
        stored = table.rows[row_id]
        answer_headers = {
            "OData-EntityId": f"{API}{entity_set}({row_id})",
            "ETag": stored["@odata.etag"],
        }
        if "return=representation" in headers.get("prefer", ""):
            return Answer(201 if created else 200, _project(stored, select), answer_headers)
        return Answer(204, None, answer_headers)

    def _list(
        self, entity_set: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> Answer:
        prefer = headers.get("prefer", "")
        page_size = 5000
        if match := re.search(r"odata\.maxpagesize=(\d+)", prefer):
            page_size = min(int(match.group(1)), 5000)
        select = query.get("$select", [""])[0]
        table = self.tables[entity_set]
        token = query.get("$deltatoken", [None])[0]
        tracking = token is not None or "odata.track-changes" in prefer
        if tracking and "$filter" in query:
            raise Answer(
                400, _error("0x80048d19", "$filter is not supported with change tracking.")
            )
        snapshot = int(query.get("$snapshot", [str(self.version)])[0])
        offset = int(query.get("$skiptoken", ["0"])[0])
        if token is not None and int(token) < self.oldest_token:
            raise Answer(
                400, _error("0x80044352", "The change tracking token has expired; read again.")
            )
        if token is not None:
            since = int(token)
            changed = [rid for rid, v in table.versions.items() if since < v <= snapshot]
            gone = [rid for rid, v in table.tombstones.items() if since < v <= snapshot]
            items = [_project(table.rows[rid], select) for rid in _by_version(changed, table)]
            items += [
                {
                    "@odata.context": f"$metadata#{entity_set}/$deletedEntity",
                    "id": rid,
                    "reason": "deleted",
                }
                for rid in gone
            ]
        else:
            found = [row for row in table.rows.values() if _matches(row, query)]
            found = [r for r in found if table.versions[r[KEYS[entity_set]]] <= snapshot]
            items = [_project(row, select) for row in found]
        page = items[offset : offset + page_size]
        result: dict[str, Any] = {"@odata.context": f"$metadata#{entity_set}", "value": page}
        base = f"{API}{entity_set}?$select={quote(select, safe=',')}"
        if token is not None:
            base += f"&$deltatoken={token}"
        if offset + page_size < len(items):
            result["@odata.nextLink"] = (
                f"{self.public_url}{base}&$snapshot={snapshot}&$skiptoken={offset + page_size}"
            )
            if "$filter" in query:
                result["@odata.nextLink"] += "&$filter=" + quote(query["$filter"][0])
        elif tracking:
            result["@odata.deltaLink"] = (
                f"{self.public_url}{API}{entity_set}?$select={quote(select, safe=',')}"
                f"&$deltatoken={snapshot}"
            )
        answer_headers = {"Preference-Applied": f"odata.maxpagesize={page_size}"}
        if tracking:
            answer_headers["Preference-Applied"] += ",odata.track-changes"
        return Answer(200, result, answer_headers)

    @property
    def public_url(self) -> str:
        return self.url

    def _batch(self, headers: dict[str, str], body: bytes) -> Answer:
        boundary = _boundary(headers.get("content-type", ""))
        out_boundary = f"batchresponse_{uuid.uuid4()}"
        out: list[str] = []
        parts = _split(body.decode(), boundary)
        if len(_flatten(parts)) > 1000:
            raise Answer(400, _error("0x8006088b", "The batch has more than 1000 requests."))
        for part_headers, part_body in parts:
            out.append(f"--{out_boundary}")
            if part_headers.get("content-type", "").startswith("multipart/mixed"):
                inner = _boundary(part_headers["content-type"])
                out += self._changeset(_split(part_body, inner))
            else:
                answer = self._request_part(part_body)
                out += [
                    "Content-Type: application/http",
                    "Content-Transfer-Encoding: binary",
                    "",
                    *_http_answer(answer),
                ]
        out += [f"--{out_boundary}--", ""]
        return Answer(
            200,
            "\r\n".join(out).encode(),
            {"Content-Type": f"multipart/mixed; boundary={out_boundary}"},
        )

    def _changeset(self, parts: list[tuple[dict[str, str], str]]) -> list[str]:
        saved = _snapshot(self)
        boundary = f"changesetresponse_{uuid.uuid4()}"
        lines = [f"Content-Type: multipart/mixed; boundary={boundary}", ""]
        for part_headers, part_body in parts:
            answer = self._request_part(part_body)
            content_id = part_headers.get("content-id")
            block = [
                f"--{boundary}",
                "Content-Type: application/http",
                "Content-Transfer-Encoding: binary",
            ]
            if content_id:
                block.append(f"Content-ID: {content_id}")
            block += ["", *_http_answer(answer)]
            if answer.status >= 400:
                # A change set is atomic: roll back and answer only the failing operation.
                _restore(self, saved)
                return [
                    f"Content-Type: multipart/mixed; boundary={boundary}",
                    "",
                    *block,
                    f"--{boundary}--",
                ]
            lines += block
        return [*lines, f"--{boundary}--"]

    def _request_part(self, text: str) -> Answer:
        request_line, _, rest = text.partition("\r\n")
        head, _, body = rest.partition("\r\n\r\n")
        method, target, _ = request_line.split(" ", 2)
        parts = urlsplit(target)
        path = parts.path.removeprefix(API)
        self.requests[f"batched {method} {path.split('(')[0]}"] += 1
        try:
            return self._one(method, path, parse_qs(parts.query), _headers(head), body.encode())
        except Answer as answer:
            return answer


def _check_conditions(row: dict[str, Any] | None, headers: dict[str, str]) -> None:
    if_match = headers.get("if-match")
    if if_match and row is None:
        raise Answer(404, _error("0x80040217", "Does Not Exist"))
    if if_match and if_match != "*" and if_match != row["@odata.etag"]:  # type: ignore[index]
        raise Answer(
            412,
            _error(
                "0x80060882",
                "The version of the existing record doesn't "
                "match the RowVersion property provided.",
            ),
        )
    if headers.get("if-none-match") == "*" and row is not None:
        raise Answer(412, _error("0x80040237", "A record with matching key values already exists."))


def _by_version(ids: list[str], table: Table) -> list[str]:
    return sorted(ids, key=lambda rid: table.versions[rid])


def _matches(row: dict[str, Any], query: dict[str, list[str]]) -> bool:
    condition = query.get("$filter", [""])[0]
    if not condition:
        return True
    for clause in condition.split(" and "):
        column, op, literal = clause.strip().split(" ", 2)
        if op != "eq":
            raise Answer(400, _error("0x80060888", f"The fake supports eq only, not {op}."))
        value: Any = literal[1:-1].replace("''", "'") if literal.startswith("'") else literal
        if literal in ("true", "false"):
            value = literal == "true"
        elif literal.isdigit():
            value = int(literal)
        actual = row.get(column)
        if isinstance(actual, str) and isinstance(value, str):
            # Dataverse compares text case-insensitively.
            if actual.lower() != value.lower():
                return False
        elif actual != value:
            return False
    return True


def _project(row: dict[str, Any], select: str) -> dict[str, Any]:
    if not select:
        return dict(row)
    columns = [column for column in select.split(",") if column]
    keep = {column: row.get(column) for column in columns}
    keep["@odata.etag"] = row["@odata.etag"]
    for key in KEYS.values():
        if key in row:
            keep[key] = row[key]
    return keep


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _boundary(content_type: str) -> str:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise Answer(400, _error("0x80060888", "multipart without a boundary"))
    return match.group(1)


def _split(body: str, boundary: str) -> list[tuple[dict[str, str], str]]:
    parts = []
    for chunk in body.split(f"--{boundary}")[1:]:
        if chunk.startswith("--"):
            break
        head, _, rest = chunk.lstrip("\r\n").partition("\r\n\r\n")
        parts.append((_headers(head), rest.rstrip("\r\n") if "multipart" in head else rest))
    return parts


def _flatten(parts: list[tuple[dict[str, str], str]]) -> list[str]:
    flat = []
    for headers, body in parts:
        if headers.get("content-type", "").startswith("multipart/mixed"):
            flat += [b for _, b in _split(body, _boundary(headers["content-type"]))]
        else:
            flat.append(body)
    return flat


def _headers(block: str) -> dict[str, str]:
    headers = {}
    for line in block.split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers


def _http_answer(answer: Answer) -> list[str]:
    reason = {200: "OK", 201: "Created", 204: "No Content"}.get(answer.status, "Error")
    lines = [f"HTTP/1.1 {answer.status} {reason}"]
    lines += [f"{key}: {value}" for key, value in answer.headers.items()]
    if answer.body is None:
        return [*lines, "", ""]
    return [
        *lines,
        "Content-Type: application/json; odata.metadata=minimal",
        "",
        json.dumps(answer.body),
    ]


def _snapshot(fake: FakeDataverse) -> Any:
    return fake.version, {
        name: Table(
            {rid: dict(row) for rid, row in table.rows.items()},
            dict(table.versions),
            dict(table.tombstones),
        )
        for name, table in fake.tables.items()
    }


def _restore(fake: FakeDataverse, saved: Any) -> None:
    fake.version, fake.tables = saved[0], saved[1]


def _handler(fake: FakeDataverse) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {key.lower(): value for key, value in self.headers.items()}
            if not headers.get("authorization", "").startswith("Bearer "):
                answer = Answer(401, _error("0x80072560", "The user is not authenticated."))
            else:
                answer = fake.handle(self.command, self.path, headers, body)
            payload = answer.body
            if payload is None:
                data = b""
            elif isinstance(payload, bytes):
                data = payload
            else:
                data = json.dumps(payload).encode()
            self.send_response(answer.status)
            for key, value in answer.headers.items():
                self.send_header(key, value)
            if payload is not None and not isinstance(payload, bytes):
                self.send_header("Content-Type", "application/json; odata.metadata=minimal")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _serve

    return Handler

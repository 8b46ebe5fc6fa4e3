"""A loopback Microsoft Graph mail server (and token endpoint), recording every request.

It serves the token endpoint, mailFolders and childFolders, folder messages with
@odata.nextLink paging, messages/delta with next and delta links, /$value MIME, move and
sendMail.
"""

import base64
import itertools
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class GraphFolder:
    id: str
    name: str
    parent: str | None
    well_known: str | None = None
    items: list[str] = field(default_factory=list)
    removed: dict[str, int] = field(default_factory=dict)  # message id -> change number


@dataclass
class GraphMessage:
    id: str
    mime: bytes
    change: int


class FakeGraph:
    """One mailbox's folders and messages, the mail sent, and the request log."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.numbers = itertools.count(1)
        self.folders: dict[str, GraphFolder] = {}
        self.messages: dict[str, GraphMessage] = {}
        self.sent: list[bytes] = []
        self.requests: Counter[str] = Counter()
        self.tokens_issued = 0
        self.authorizations: set[str] = set()
        root = self._folder("Top of Information Store", None, "msgfolderroot")
        inbox = self._folder("Inbox", root.id, "inbox")
        rapport = self._folder("Rapport", inbox.id)
        for name in ("Queue", "Storage", "Failed"):
            self._folder(name, rapport.id)

    def _folder(self, name: str, parent: str | None, well_known: str | None = None) -> GraphFolder:
        folder = GraphFolder(f"AAMk{next(self.numbers)}", name, parent, well_known)
        self.folders[folder.id] = folder
        return folder

    def folder_named(self, name: str) -> GraphFolder:
        return next(f for f in self.folders.values() if name in (f.name, f.well_known))

    def deliver(self, mime: bytes, folder: str = "Queue") -> str:
        with self.lock:
            message = GraphMessage(f"AAMkMsg{next(self.numbers)}", mime, next(self.numbers))
            self.messages[message.id] = message
            self.folder_named(folder).items.append(message.id)
            return message.id

    def count(self, folder: str) -> int:
        return len(self.folder_named(folder).items)

    @property
    def total_requests(self) -> int:
        return sum(v for k, v in self.requests.items() if k != "token")

    def _folder_json(self, folder: GraphFolder) -> dict[str, Any]:
        return {
            "id": folder.id,
            "displayName": folder.name,
            "parentFolderId": folder.parent,
            "totalItemCount": len(folder.items),
            "childFolderCount": sum(1 for f in self.folders.values() if f.parent == folder.id),
        }

    def route(
        self, method: str, path: str, query: dict[str, str], body: bytes, base: str, page: int
    ) -> tuple[int, Any]:
        """Answer one request: a status and a JSON document or raw bytes."""
        if method == "POST" and path.endswith("/oauth2/v2.0/token"):
            self.requests["token"] += 1
            self.tokens_issued += 1
            return 200, {"access_token": f"token-{self.tokens_issued}", "expires_in": 3600,
                         "token_type": "Bearer"}  # fmt: skip
        if path.endswith("/.well-known/openid-configuration"):
            self.requests["discovery"] += 1
            # The documents name the real host; LoopbackHttp brings the requests back here.
            login = f"https://login.microsoftonline.com/{path.split('/')[1]}"
            return 200, {
                "token_endpoint": f"{login}/oauth2/v2.0/token",
                "authorization_endpoint": f"{login}/oauth2/v2.0/authorize",
                "issuer": f"{login}/v2.0",
            }
        match = re.match(r"^/v1\.0/users/[^/]+/(.*)$", path)
        if not match:
            return 404, {"error": {"code": "NotFound", "message": path}}
        rest = match.group(1)
        with self.lock:
            return self._mail(method, rest, query, body, base, page)

    def _mail(
        self, method: str, rest: str, query: dict[str, str], body: bytes, base: str, page: int
    ) -> tuple[int, Any]:
        if m := re.fullmatch(r"mailFolders/([^/]+)", rest):
            self.requests["mailFolders"] += 1
            folder = self._find(m.group(1))
            return (200, self._folder_json(folder)) if folder else (404, _error("folder"))
        if m := re.fullmatch(r"mailFolders/([^/]+)/childFolders", rest):
            self.requests["childFolders"] += 1
            parent = self._find(m.group(1))
            wanted = re.search(r"displayName eq '(.*)'", query.get("$filter", ""))
            children = [
                self._folder_json(f)
                for f in self.folders.values()
                if parent
                and f.parent == parent.id
                and (not wanted or f.name == wanted.group(1).replace("''", "'"))
            ]
            return 200, {"value": children}
        if m := re.fullmatch(r"mailFolders/([^/]+)/messages", rest):
            self.requests["messages"] += 1
            folder = self._find(m.group(1))
            if folder is None:
                return 404, _error("folder")
            top = int(query.get("$top", "10"))
            skip = int(query.get("$skip", "0"))
            ids = folder.items[skip : skip + top]
            result: dict[str, Any] = {"value": [{"id": i} for i in ids]}
            if skip + top < len(folder.items):
                result["@odata.nextLink"] = (
                    f"{base}/v1.0/users/x/mailFolders/{folder.id}/messages?$top={top}"
                    f"&$skip={skip + top}"
                )
            return 200, result
        if m := re.fullmatch(r"mailFolders/([^/]+)/messages/delta", rest):
            self.requests["delta"] += 1
            return self._delta(m.group(1), query, base, page)
        if m := re.fullmatch(r"messages/([^/]+)/\$value", rest):
            self.requests["value"] += 1
            message = self.messages.get(m.group(1))
            return (200, message.mime) if message else (404, _error("message"))
        if method == "POST" and (m := re.fullmatch(r"messages/([^/]+)/move", rest)):
            self.requests["move"] += 1
            return self._move(m.group(1), json.loads(body or b"{}"))
        if method == "POST" and rest == "sendMail":
            self.requests["sendMail"] += 1
            self.sent.append(base64.b64decode(body) if not body.startswith(b"{") else body)
            return 202, None
        return 404, _error(rest)

    def _find(self, key: str) -> GraphFolder | None:
        return self.folders.get(key) or next(
            (f for f in self.folders.values() if f.well_known == key.lower()), None
        )

    def _delta(self, key: str, query: dict[str, str], base: str, page: int) -> tuple[int, Any]:
        folder = self._find(key)
        if folder is None:
            return 404, _error("folder")
        since = int(query.get("$deltatoken", "0"))
        after = int(query.get("$skiptoken", "0"))
        changes: list[tuple[int, dict[str, Any]]] = [
            (self.messages[i].change, {"id": i}) for i in folder.items
        ]
        changes += [
            (n, {"id": i, "@removed": {"reason": "deleted"}}) for i, n in folder.removed.items()
        ]
        changes = sorted((c for c in changes if c[0] > max(since, after)), key=lambda c: c[0])
        chunk = changes[:page]
        link = f"{base}/v1.0/users/x/mailFolders/{folder.id}/messages/delta"
        result: dict[str, Any] = {"value": [entry for _, entry in chunk]}
        if len(changes) > page:
            result["@odata.nextLink"] = f"{link}?$skiptoken={chunk[-1][0]}&$deltatoken={since}"
        else:
            newest = max([since, *(n for n, _ in chunk)])
            result["@odata.deltaLink"] = f"{link}?$deltatoken={newest}"
        return 200, result

    def _move(self, message_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        message = self.messages.pop(message_id, None)
        target = self._find(str(body.get("destinationId", "")))
        if message is None or target is None:
            return 404, _error("message")
        for folder in self.folders.values():
            if message_id in folder.items:
                folder.items.remove(message_id)
                folder.removed[message_id] = next(self.numbers)
        # Exchange Online gives a moved message a new id, as EWS does.
        moved = GraphMessage(f"AAMkMsg{next(self.numbers)}", message.mime, next(self.numbers))
        self.messages[moved.id] = moved
        target.items.append(moved.id)
        return 201, {"id": moved.id, "parentFolderId": target.id}


def _error(what: str) -> dict[str, Any]:
    return {"error": {"code": "ErrorItemNotFound", "message": f"{what} not found"}}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "GraphServer"

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        graph = self.server.graph
        if "/v1.0/" in url.path:
            graph.authorizations.add(self.headers.get("Authorization", ""))
            if not self.headers.get("Authorization", "").startswith("Bearer "):
                self._send(401, {"error": {"code": "InvalidAuthenticationToken"}})
                return
        prefer = re.search(r"odata\.maxpagesize=(\d+)", self.headers.get("Prefer", ""))
        page = int(prefer.group(1)) if prefer else 10
        status, payload = graph.route(
            method, unquote(url.path), query, body, self.server.base_url, page
        )
        self._send(status, payload)

    def _send(self, status: int, payload: Any) -> None:
        if isinstance(payload, bytes):
            data, kind = payload, "message/rfc822"
        elif payload is None:
            data, kind = b"", "application/json"
        else:
            data, kind = json.dumps(payload).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self._answer("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._answer("POST")

    def log_message(self, format: str, *args: object) -> None:
        return


class GraphServer(ThreadingHTTPServer):
    """The fake on 127.0.0.1 and a free port; base_url stands for graph.microsoft.com."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.graph = FakeGraph()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def graph_url(self) -> str:
        return f"{self.base_url}/v1.0"

    def __enter__(self) -> "GraphServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=5)


class LoopbackHttp:
    """An http_client for MSAL that sends login.microsoftonline.com requests to the fake.

    MSAL insists on an https authority; this client keeps the authority real and only
    changes where the bytes go, as a proxy would.
    """

    def __init__(self, server: GraphServer) -> None:
        import httpx

        self.base = server.base_url
        self.client = httpx.Client()

    def _url(self, url: str) -> str:
        return re.sub(r"^https://login\.microsoftonline\.com", self.base, url)

    def get(self, url: str, params: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        return _MsalResponse(self.client.get(self._url(url), params=params, headers=headers))

    def post(
        self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kwargs: Any
    ) -> Any:
        return _MsalResponse(
            self.client.post(self._url(url), params=params, data=data, headers=headers)
        )

    def close(self) -> None:
        self.client.close()


class _MsalResponse:
    def __init__(self, response: Any) -> None:
        self.status_code = response.status_code
        self.text = response.text
        self.headers = response.headers

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}")

"""A local Slack Web API on loopback that answers like Slack and records every call."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_TOKEN = "xoxb-valid"
RATE_LIMITED_TOKEN = "xoxb-ratelimited"  # the first call of each method answers 429
FAILING_TOKEN = "xoxb-fatal_error"  # every call but auth.test answers ok:false


@dataclass
class Call:
    method: str  # "chat.postMessage", or "respond" (a response_url), or "upload" (file bytes)
    args: dict[str, Any]
    token: str | None
    status: int = 200
    path: str = ""
    at: float = field(default_factory=time.monotonic)  # when it arrived, for benchmarks


@dataclass
class SlackState:
    emails: dict[str, str] = field(default_factory=dict)  # Slack user id -> profile e-mail
    threads: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)


class FakeSlack:
    """The Slack Web API, response URLs and file upload URLs, served from one local port."""

    def __init__(self) -> None:
        self.state = SlackState()
        self.calls: list[Call] = []
        self.socket_url = ""  # where apps.connections.open sends Socket Mode clients
        self._changed = threading.Condition()
        self._limited: set[str] = set()
        self._files = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.url}/respond/{name}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def of(self, method: str) -> list[Call]:
        """Return the calls of one method so far."""
        with self._changed:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Return the calls of a method once there are `count`, polling until a deadline."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [call for call in self.calls if call.method == method]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    break
                self._changed.wait(remaining)
        assert len(found) >= count, f"expected {count} {method} calls, got {self.methods()}"
        return found

    def methods(self) -> list[str]:
        with self._changed:
            return [call.method for call in self.calls]

    def answer(self, method: str, args: dict[str, Any], token: str | None) -> tuple[int, Any]:
        """Return the status and JSON body Slack would answer a Web API call with."""
        if not token or not token.startswith(("xoxb-", "xoxp-", "xapp-")):
            return 200, {"ok": False, "error": "not_authed"}
        if token.endswith("ratelimited") and method not in self._limited:
            self._limited.add(method)
            return 429, {"ok": False, "error": "ratelimited"}
        if token.endswith("fatal_error") and method != "auth.test":
            return 200, {"ok": False, "error": "fatal_error"}
        return 200, {"ok": True, **self._data(method, args)}

    def _data(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"team_id": "T0001", "user_id": "UBOT", "bot_id": "BBOT", "team": "Acme"}
        if method == "apps.connections.open":
            return {"url": self.socket_url}
        if method == "users.info":
            user = args.get("user", "")
            profile = {"email": self.state.emails[user]} if user in self.state.emails else {}
            return {"user": {"id": user, "profile": profile}}
        if method == "conversations.replies":
            key = (args.get("channel", ""), args.get("ts", ""))
            return {"messages": self.state.threads.get(key, []), "has_more": False}
        if method == "chat.getPermalink":
            channel, ts = args.get("channel", ""), str(args.get("message_ts", ""))
            return {
                "permalink": f"https://acme.slack.com/archives/{channel}/p{ts.replace('.', '')}"
            }
        if method == "conversations.open":
            return {"channel": {"id": "D" + str(args.get("users", "")).lstrip("U")}}
        if method == "files.getUploadURLExternal":
            self._files += 1
            file_id = f"F{self._files:05d}"
            return {"file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = json.loads(args.get("files") or "[]")
            return {"files": [{"id": item["id"], "title": item.get("title")} for item in files]}
        if method.startswith("views."):
            return {"view": {"id": "V0001", "type": "modal"}}
        if method.startswith("chat.post") or method == "chat.update":
            return {"channel": args.get("channel"), "ts": f"{time.time():.6f}"}
        return {}


def _handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            self._api(parts.path, dict(parse_qsl(parts.query)))

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if parts.path.startswith("/respond/"):
                fake.record(Call("respond", json.loads(raw or b"{}"), None, path=parts.path))
                return self._send(200, "ok", "text/plain")
            if parts.path.startswith("/upload/"):
                fake.record(Call("upload", {"file_id": parts.path[8:], "bytes": len(raw)}, None))
                return self._send(200, "OK - 123", "text/plain")
            text = raw.decode("utf-8")
            args = json.loads(text) if text.startswith("{") else dict(parse_qsl(text))
            args |= dict(parse_qsl(parts.query))
            self._api(parts.path, args)

        def _api(self, path: str, args: dict[str, Any]) -> None:
            if not path.startswith("/api/"):
                return self._send(404, "not found", "text/plain")
            method = path[5:]
            auth = self.headers.get("Authorization") or ""
            token = auth.removeprefix("Bearer ").strip() or args.get("token")
            status, body = fake.answer(method, args, token)
            fake.record(Call(method, args, token, status))
            headers = {"Retry-After": "1"} if status == 429 else {}
            self._send(status, json.dumps(body), "application/json", headers)

        def _send(
            self, status: int, body: str, kind: str, headers: dict[str, str] | None = None
        ) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler

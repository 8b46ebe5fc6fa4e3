"""A small loopback Slack Web API: conversations.open, chat.postMessage and chat.update.

Enough for the scheduler's direct messages and progress messages, spoken to by the real
slack_sdk WebClient; each call is recorded with its arguments.
"""

import itertools
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class Posted:
    method: str
    args: dict[str, Any]


class SlackDmServer(ThreadingHTTPServer):
    """The fake on 127.0.0.1 and a free port; `api_url` is the WebClient's base_url."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.calls: list[Posted] = []
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.failing = False  # answer ok:false to postMessage, as Slack does when it refuses
        self.lock = threading.Lock()
        self._ts = itertools.count(1)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/"

    def of(self, method: str) -> list[dict[str, Any]]:
        with self.lock:
            return [call.args for call in self.calls if call.method == method]

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.calls.append(Posted(method, args))
            if method == "auth.test":
                return {"ok": True, "user_id": "UBOT", "team_id": "T1"}
            if method == "conversations.open":
                return {"ok": True, "channel": {"id": "D" + str(args.get("users", ""))}}
            if method == "chat.postMessage":
                if self.failing:
                    return {"ok": False, "error": "channel_not_found"}
                ts = f"{next(self._ts)}.000100"
                self.messages[(args["channel"], ts)] = args
                return {"ok": True, "channel": args["channel"], "ts": ts}
            if method == "chat.update":
                key = (args["channel"], args["ts"])
                if key not in self.messages:
                    return {"ok": False, "error": "message_not_found"}
                self.messages[key] = args
                return {"ok": True, "channel": args["channel"], "ts": args["ts"]}
            return {"ok": False, "error": "unknown_method"}

    def __enter__(self) -> "SlackDmServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SlackDmServer

    def do_POST(self) -> None:  # noqa: N802  (the name http.server calls)
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length).decode()
        args = json.loads(raw) if raw.startswith("{") else dict(parse_qsl(raw))
        body = json.dumps(self.server.answer(self.path.rsplit("/", 1)[-1], args)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, format: str, *args: object) -> None:
        return

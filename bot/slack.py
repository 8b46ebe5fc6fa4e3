"""Build the Slack app from the settings and run it: HTTP endpoint or Socket Mode."""

import logging
import os
import sys
from concurrent.futures import Executor, ThreadPoolExecutor
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.http_retry import default_retry_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.app import Rapport
from bot.web import WSGIApp, route, unsubscribe_endpoint
from handlers.slack import SlackRuntime, register

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
RATE_LIMIT_RETRIES = 3
# Work after the ack is mostly CPU (queries, rendering): more workers than cores only take
# turns from the threads that ack. Measured on 2 cores: 4 workers doubled the p99 of acks.
WORKERS = max(2, os.cpu_count() or 2)
# Work after the ack holds the GIL in slices of the switch interval (5 ms by default); a
# shorter one lets the threads that only read a request and ack it get their turn sooner.
SWITCH_INTERVAL = 0.001


def slack_client(rapport: Rapport, *, base_url: str | None = None) -> WebClient:
    """Return the Web API client: the bot token, and retries on 429 after Retry-After."""
    settings = rapport.settings
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    handlers = default_retry_handlers() + [
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
    ]
    url = base_url or settings.slack_api_url or WebClient.BASE_URL
    return WebClient(token=token, base_url=url, retry_handlers=handlers)


def build_slack_app(
    rapport: Rapport,
    *,
    client: WebClient | None = None,
    verify_token: bool = True,
    executor: Executor | None = None,
) -> App:
    """Return the Bolt app with Rapport's middleware, error handler and listeners.

    Listeners ack from the request thread (process_before_response) and hand slow work to
    lazy listeners on a pool of their own, so a busy pool never delays an ack.
    """
    settings = rapport.settings
    secret = settings.slack_signing_secret
    app = App(
        client=client or slack_client(rapport),
        signing_secret=secret.get_secret_value() if secret else "",
        process_before_response=True,
        token_verification_enabled=verify_token,
        listener_executor=executor or ThreadPoolExecutor(WORKERS, thread_name_prefix="slack"),
        logger=logging.getLogger("slack_bolt"),
    )
    runtime = SlackRuntime(
        registry=rapport.registry,
        sessions=rapport.sessions,
        output_dir=settings.output_dir,
        command=settings.slack_command,
    )
    register(app, runtime)
    return app


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128


class _QuietRequestHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("HTTP %s", format % args)


def http_server(
    app: App, *, host: str = "0.0.0.0", port: int = 3000, unsubscribe: WSGIApp | None = None
) -> WSGIServer:
    """Return a threaded HTTP server answering Slack's requests at /slack/events.

    With an unsubscribe app it also serves the one-click links of campaign mail.
    """
    handler = route(SlackRequestHandler(app, path=EVENTS_PATH), unsubscribe)
    return make_server(
        host,
        port,
        handler,
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietRequestHandler,
    )


def tune_for_acks() -> None:
    """Favour short request threads over long work in this process (see SWITCH_INTERVAL)."""
    sys.setswitchinterval(SWITCH_INTERVAL)


def socket_mode(app: App, app_token: str) -> "SocketModeHandler":
    """Return the Socket Mode connection of the app: Slack's requests over a WebSocket."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    return SocketModeHandler(app, app_token)


def run_slack(rapport: Rapport) -> int:
    """Run the Slack front until interrupted: Socket Mode with an app token, else HTTP."""
    settings = rapport.settings
    tune_for_acks()
    app = build_slack_app(rapport)
    if settings.slack_app_token:
        log.info("Slack: connecting in Socket Mode")
        handler = socket_mode(app, settings.slack_app_token.get_secret_value())
        handler.start()  # type: ignore[no-untyped-call]
        return 0
    unsubscribe = None
    if settings.unsubscribe_secret is not None:
        secret = settings.unsubscribe_secret.get_secret_value()
        unsubscribe = unsubscribe_endpoint(rapport.sessions, secret)
    server = http_server(app, port=settings.slack_port, unsubscribe=unsubscribe)
    log.info("Slack: listening on port %d at %s", settings.slack_port, EVENTS_PATH)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("Slack: stopped")
    finally:
        server.server_close()
    return 0

"""Rapport's public HTTP pages beside Slack's endpoint: the one-click unsubscribe link."""

import html
import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from crm.sends import service as send_service

log = logging.getLogger(__name__)

PREFIX = "/unsubscribe/"
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family: sans-serif; max-width: 32em; margin: 4em auto">
<h1>{title}</h1><p>{text}</p>{form}</body></html>"""
FORM = """<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button></form>"""


def unsubscribe_endpoint(sessions: sessionmaker[Session], secret: str) -> WSGIApp:
    """Return the WSGI app of /unsubscribe/<token>.

    A POST unsubscribes (RFC 8058 one-click, sent by the mail client without the person
    seeing a page). A GET only shows a button: link scanners and previews fetch every URL in
    a message, and must not unsubscribe anybody by doing so.
    """

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        token = environ.get("PATH_INFO", "").removeprefix(PREFIX)
        if environ.get("REQUEST_METHOD") != "POST":
            page = PAGE.format(title="Unsubscribe", text="Stop receiving these e-mails?", form=FORM)
            return _reply(start_response, "200 OK", page)
        with sessions.begin() as session:
            address = send_service.unsubscribe(db_session=session, secret=secret, text=token)
        if address is None:
            text = "This unsubscribe link is not valid. Reply to the e-mail to unsubscribe."
            return _reply(
                start_response,
                "404 Not Found",
                PAGE.format(title="Unknown link", text=text, form=""),
            )
        log.info("Unsubscribed an address through the one-click link")
        text = f"{html.escape(address)} will receive no more campaign e-mail from us."
        return _reply(
            start_response, "200 OK", PAGE.format(title="Unsubscribed", text=text, form="")
        )

    return app


def route(slack: WSGIApp, unsubscribe: WSGIApp | None) -> WSGIApp:
    """Send /unsubscribe/... to the unsubscribe app and everything else to Slack's handler."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if unsubscribe is not None and environ.get("PATH_INFO", "").startswith(PREFIX):
            return unsubscribe(environ, start_response)
        return slack(environ, start_response)

    return app


def _reply(start_response: Callable[..., Any], status: str, page: str) -> Iterable[bytes]:
    body = page.encode()
    start_response(
        status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]

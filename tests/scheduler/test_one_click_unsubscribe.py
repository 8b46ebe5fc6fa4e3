"""The one-click unsubscribe link of campaign mail, served beside Slack's endpoint."""

import threading
import urllib.error
import urllib.request

import pytest

from bot.web import unsubscribe_endpoint
from crm.campaigns import suppression
from scheduler.sends import run_due_sends
from tests.scheduler.campaign_data import build_campaign
from tests.scheduler.test_sends import SECRET, _mails, _schedule, maildir, sending  # noqa: F401


def _serve(app):
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = make_server("127.0.0.1", 0, app, handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _one_click_url(sending, maildir, clock):  # noqa: F811
    with sending.sessions.begin() as session:
        data = build_campaign(session, size=2)
    _schedule(sending.sessions, data.campaign_no, clock())
    run_due_sends(sending)
    mail = _mails(maildir)[0]
    header = str(mail["List-Unsubscribe"])
    url = header.split("<https://crm.example.com", 1)[1].split(">", 1)[0]
    return url, str(mail["To"])


def test_a_one_click_post_unsubscribes_and_a_get_only_asks(sending, maildir, clock):  # noqa: F811
    path, address = _one_click_url(sending, maildir, clock)
    server = _serve(unsubscribe_endpoint(sending.sessions, SECRET))
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with urllib.request.urlopen(base + path) as response:
            page = response.read().decode()
        with sending.sessions() as session:
            assert suppression.get(db_session=session, address=address) is None
        assert "Unsubscribe" in page

        body = b"List-Unsubscribe=One-Click"
        with urllib.request.urlopen(urllib.request.Request(base + path, data=body)) as response:
            done = response.read()
        with sending.sessions() as session:
            assert suppression.get(db_session=session, address=address).reason == "unsubscribed"
        assert address in done.decode()

        forged = urllib.request.Request(base + "/unsubscribe/u1.AAAAAAAAAAAAAAAA", data=body)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged)
        assert refused.value.code == 404
        refused.value.close()
    finally:
        server.shutdown()
        server.server_close()

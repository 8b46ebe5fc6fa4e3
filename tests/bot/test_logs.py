"""Secrets never reach the log, whoever logs them."""

import logging

from bot.logs import ScrubSecrets


def _scrubbed(message: str, *args: object) -> str:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, message, args, None)
    ScrubSecrets().filter(record)
    return record.getMessage()


def test_slack_tokens_are_masked():
    text = _scrubbed("calling with %s", "xoxb-1234-abcd-EFGH")

    assert "xoxb-1234" not in text
    assert "[redacted]" in text


def test_bearer_tokens_and_passwords_are_masked():
    text = _scrubbed("Authorization: Bearer eyJ.abc.def and password=hunter2&x=1")

    assert "eyJ" not in text and "hunter2" not in text
    assert "password=[redacted]" in text


def test_ordinary_messages_are_untouched():
    assert _scrubbed("Contact %s created", "CT000001") == "Contact CT000001 created"

"""Make user data safe inside Slack mrkdwn: no mentions, links or broken markup from input."""

import re

# A zero-width space after the @ keeps a typed "@channel" from ever becoming a broadcast,
# even if a client or link_names=1 would turn it into one; e-mail addresses are untouched.
_BROADCAST = re.compile(r"(?<![\w.])@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)


def escape(text: str) -> str:
    """Return text with &, < and > escaped as Slack requires, and bare mentions defused."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@\u200b", text)


def clip(text: str, limit: int) -> str:
    """Return text cut to at most limit characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = 75) -> dict[str, object]:
    """Return a plain_text object (Slack never parses mentions in plain text)."""
    return {"type": "plain_text", "text": clip(text or " ", limit), "emoji": True}


def md(text: str, limit: int = 3000) -> dict[str, object]:
    """Return a mrkdwn text object from text that is already escaped."""
    return {"type": "mrkdwn", "text": clip(text or " ", limit), "verbatim": True}

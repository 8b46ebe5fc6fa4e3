"""Unsubscribe tokens and Message-IDs of campaign mail: signed, transport-free.

The mailbox watcher and the HTTP endpoint both call these: a token names one outbox row and
is signed with the secret over that row's address, so it cannot be forged or moved to
another address.
"""

import base64
import hashlib
import hmac
import re

TOKEN = re.compile(r"\bu([0-9]+)\.([A-Za-z0-9_-]{16})\b")
SUBJECT_WORD = "unsubscribe"


def _signature(secret: str, outbox_id: int, address: str) -> str:
    digest = hmac.new(
        secret.encode(), f"{outbox_id}:{address.lower()}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


def make_token(secret: str, outbox_id: int, address: str) -> str:
    """Return the unsubscribe token of one outbox row."""
    return f"u{outbox_id}.{_signature(secret, outbox_id, address)}"


def parse_token(text: str) -> tuple[int, str] | None:
    """Return (outbox id, signature) of the first token found in a text, or None."""
    match = TOKEN.search(text or "")
    return (int(match.group(1)), match.group(2)) if match else None


def verify(secret: str, outbox_id: int, signature: str, address: str) -> bool:
    """Tell whether a token's signature is the one made for this row and address."""
    return hmac.compare_digest(signature, _signature(secret, outbox_id, address))


def message_id(send_id: int, outbox_id: int, domain: str) -> str:
    """Return the Message-ID of one outbox row: the same on every attempt (idempotency key)."""
    return f"<rapport.{send_id}.{outbox_id}@{domain}>"


MESSAGE_ID = re.compile(r"<rapport\.([0-9]+)\.([0-9]+)@[^>\s]+>")


def outbox_id_of(message_id_text: str) -> int | None:
    """Return the outbox row a Rapport Message-ID names, or None for anyone else's."""
    match = MESSAGE_ID.search(message_id_text or "")
    return int(match.group(2)) if match else None


def list_unsubscribe(*, token: str, mailbox: str, public_url: str | None) -> tuple[str, str | None]:
    """Return the List-Unsubscribe header, and List-Unsubscribe-Post when one-click works."""
    mailto = f"<mailto:{mailbox}?subject={SUBJECT_WORD}%20{token}>"
    if not public_url or not public_url.startswith("https://"):
        return mailto, None
    link = f"<{public_url.rstrip('/')}/unsubscribe/{token}>"
    return f"{mailto}, {link}", "List-Unsubscribe=One-Click"

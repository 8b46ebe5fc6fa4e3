"""Describe one message as the watcher would see it, without a database."""

from typing import Any

from mail.classify import Internal, classify, parties
from mail.parse import parse_message


def inspect_message(raw: bytes, internal: Internal) -> dict[str, Any]:
    """Return kind, direction, counterparts, original subject and date of a raw message."""
    result = classify(parse_message(raw), internal)
    found = parties(result, internal)
    date = result.original.date
    return {
        "kind": result.kind.value,
        "direction": found.direction.value if found.direction else None,
        "counterparts": [] if result.automated else [a.email for a in found.counterparts],
        "subject": result.original.subject,
        "occurred_at": date.isoformat() if date else None,
    }

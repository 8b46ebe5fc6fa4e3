"""The corpus: every client, language and case, classified as the table next to it says."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mail.classify import Internal, strip_forward_prefixes
from mail.inspect import inspect_message
from mail.parse import parse_message

CORPUS = Path(__file__).parent / "corpus"
ROWS = list(csv.DictReader((CORPUS / "expected.csv").read_text(encoding="utf-8").splitlines()))
INTERNAL = Internal(
    domains=frozenset({"northwind.example"}), mailboxes=frozenset({"crm@northwind.example"})
)


def expected(row: dict[str, str]) -> dict[str, object]:
    return {
        "kind": row["kind"],
        "direction": row["direction"] or None,
        "counterparts": row["counterparts"].split(),
        "subject": row["subject"],
        "occurred_at": row["occurred_at"] or None,
    }


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_corpus_message_is_read_as_the_table_says(row: dict[str, str]) -> None:
    raw = (CORPUS / row["file"]).read_bytes()
    assert inspect_message(raw, INTERNAL) == expected(row)


def test_corpus_covers_every_client_language_and_kind() -> None:
    names = " ".join(row["file"] for row in ROWS)
    for client in (
        "outlook_desktop",
        "outlook_web",
        "gmail",
        "apple_mail",
        "thunderbird",
        "ios_mail",
        "android",
        "outlook_mobile",
        "attached_message",
    ):
        assert client in names
    for lang in ("en", "de", "fr", "es", "nl", "it", "pt", "sv"):
        assert f"gmail_{lang}" in names and f"apple_mail_{lang}" in names
    assert {row["kind"] for row in ROWS} == {"forward", "direct", "auto_reply", "bounce"}


@pytest.mark.parametrize(
    ("subject", "stripped"),
    [
        ("Fwd: Offer", "Offer"),
        ("FW: FW: Offer", "Offer"),
        ("WG: Angebot", "Angebot"),
        ("TR: Devis", "Devis"),
        ("RV: Oferta", "Oferta"),
        ("I: Offerta", "Offerta"),
        ("VS: Tarjous", "Tarjous"),
        ("Doorst: Offerte", "Offerte"),
        ("ENC: Proposta", "Proposta"),
        ("Fwd: RE: Offer", "RE: Offer"),
        ("AW: Angebot", "AW: Angebot"),
        ("Re: x", "Re: x"),
        ("[Fwd: Offer]", "Offer"),
        ("Information", "Information"),
    ],
)
def test_only_forward_prefixes_are_stripped(subject: str, stripped: str) -> None:
    assert strip_forward_prefixes(subject) == stripped


def test_headers_that_break_the_modern_parser_are_read_with_the_old_one() -> None:
    raw = (
        b'From: Jane <jane@acme.example>\r\nTo: "\r\nMessage-ID: <[b378@microsoft.com]>\r\n'
        b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\r\nHi\r\n"
    )
    message = parse_message(raw)
    assert message.subject == "Grüße"
    assert message.message_id == "[b378@microsoft.com]"
    assert message.to == []


def test_garbage_never_raises() -> None:
    for raw in (b"", b"\x00\xff" * 50, b"Content-Type: multipart/mixed\r\n\r\n--", b": :\r\n"):
        inspect_message(raw, INTERNAL)


def test_inspect_command_prints_exactly_the_five_keys(tmp_path: Path) -> None:
    path = CORPUS / "outlook_desktop_de.eml"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from bot.cli import main; sys.exit(main())",
            "mail",
            "inspect",
            str(path),
            "--internal-domain",
            "northwind.example",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
        timeout=60,
    )
    data = json.loads(done.stdout)
    assert data == {
        "kind": "forward",
        "direction": "inbound",
        "counterparts": ["jane@acme.example"],
        "subject": "Angebot",
        "occurred_at": "2026-12-01T10:15:00+01:00",
    }
    assert not (tmp_path / "rapport.db").exists()  # no database was opened

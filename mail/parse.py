"""Read raw RFC 5322 bytes into a small, safe structure; no header may crash the reader."""

import datetime as dt
import email.utils
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from html.parser import HTMLParser

log = logging.getLogger(__name__)

PARSER = BytesParser(policy=policy.default)
MAX_BODY_CHARS = 200_000


@dataclass(frozen=True)
class Address:
    """One mailbox: a display name and a lower-case address."""

    name: str
    email: str

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass(frozen=True)
class Attachment:
    """An attachment as recorded: its name and size, never its content."""

    name: str
    size: int
    content_type: str


@dataclass
class ParsedMessage:
    """What Rapport reads from one message; headers are fetched safely on demand."""

    message: Message
    size: int
    sender: Address | None
    to: list[Address]
    cc: list[Address]
    subject: str
    date: dt.datetime | None
    message_id: str | None
    text: str
    attachments: list[Attachment] = field(default_factory=list)
    inner: list["ParsedMessage"] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        """Return a header decoded to text, or None when it is absent."""
        return header(self.message, name)

    @property
    def content_type(self) -> str:
        return self.message.get_content_type()

    @property
    def recipients(self) -> list[Address]:
        return self.to + self.cc


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse raw message bytes; bad headers and bodies degrade to text, never to an error."""
    message = PARSER.parsebytes(raw)
    return _read(message, len(raw))


def _read(message: Message, size: int) -> ParsedMessage:
    inner: list[ParsedMessage] = []
    attachments: list[Attachment] = []
    for part in _attachments(message):
        if part.get_content_type() == "message/rfc822" and (nested := _nested(part)):
            inner.append(_read(nested, _size(part)))
            continue
        attachments.append(_attachment(part))
    return ParsedMessage(
        message=message,
        size=size,
        sender=_first(addresses(message, "From")) or _first(addresses(message, "Sender")),
        to=addresses(message, "To"),
        cc=addresses(message, "Cc"),
        subject=" ".join((header(message, "Subject") or "").split()),
        date=parse_rfc_date(header(message, "Date")),
        message_id=_message_id(header(message, "Message-ID")),
        text=body_text(message),
        attachments=attachments,
        inner=inner,
    )


def header(message: Message, name: str) -> str | None:
    """Return a header as text; fall back to compat32 decoding when policy.default breaks."""
    try:
        value = message.get(name)
        return None if value is None else str(value)
    except Exception:  # the modern header parser raises IndexError and others on odd input
        log.debug("Header %s unreadable with policy.default; using compat32", name)
    raw = next((v for k, v in message.raw_items() if k.lower() == name.lower()), None)
    if raw is None:
        return None
    return _decode_compat(str(raw))


def _decode_compat(raw: str) -> str:
    try:
        return str(make_header(decode_header(raw)))
    except Exception:
        return raw


def addresses(message: Message, name: str) -> list[Address]:
    """Return the addresses of every header called name, read with the tolerant parser."""
    values = []
    for key, raw in message.raw_items():
        if key.lower() == name.lower():
            values.append(_decode_compat(str(raw)))
    return parse_addresses(", ".join(values)) if values else []


def parse_addresses(text: str) -> list[Address]:
    """Return the mailboxes in a header-like text, skipping what is not an address."""
    found: list[Address] = []
    seen: set[str] = set()
    for name, address in email.utils.getaddresses([text.replace("\n", " ")]):
        address = address.strip().strip("<>'\"").lower()
        if "@" not in address or " " in address or address in seen:
            continue
        seen.add(address)
        found.append(Address(" ".join(name.split()).strip("'\""), address))
    return found


def _first(found: list[Address]) -> Address | None:
    return found[0] if found else None


def _message_id(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().split()[0] if value.strip() else ""
    return value.strip("<>")[:250] or None


def parse_rfc_date(value: str | None) -> dt.datetime | None:
    """Return an RFC 5322 date as an aware datetime, or None when it cannot be read."""
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # "-0000" means the zone is unknown; RFC 5322 says read it as UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _attachments(message: Message) -> Iterator[Message]:
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        return
    try:
        yield from message.iter_attachments()
    except Exception:  # a broken multipart structure: fall back to walking every part
        for part in message.walk():
            if part.get_content_disposition() == "attachment":
                yield part


def _nested(part: Message) -> Message | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    raw = part.get_payload(decode=True)
    if isinstance(raw, bytes) and raw.strip():
        return PARSER.parsebytes(raw)
    return None


def _size(part: Message) -> int:
    try:
        return len(part.as_bytes(policy=policy.compat32))
    except Exception:
        return 0


def _attachment(part: Message) -> Attachment:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    payload = part.get_payload(decode=True)
    size = len(payload) if isinstance(payload, bytes) else len(str(part.get_payload()))
    return Attachment(name=name or "unnamed", size=size, content_type=part.get_content_type())


def body_text(message: Message) -> str:
    """Return the readable text of a message: its plain part, or its HTML turned to text."""
    part: Message | None = message
    if isinstance(message, EmailMessage):
        try:
            part = message.get_body(preferencelist=("plain", "html"))
        except Exception:
            part = None
    if part is None or part.get_content_maintype() != "text":
        return ""
    text = _decode_text(part)[:MAX_BODY_CHARS]
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload())
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name
        return payload.decode("utf-8", errors="replace")


BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "blockquote", "hr"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"style", "script", "head", "title"}:
            self.skip += 1
        elif tag in BLOCKS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"style", "script", "head", "title"}:
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCKS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    """Return the text of an HTML body, one line per block, tags and styles dropped."""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:
        return re.sub(r"<[^>]+>", " ", html)
    lines = ("".join(extractor.chunks)).replace("\xa0", " ").split("\n")
    text = "\n".join(" ".join(line.split()) for line in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()

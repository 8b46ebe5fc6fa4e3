"""Tell direct mail from forwards, auto-replies and bounces, and find the original message."""

import datetime as dt
import email.utils
import re
from dataclasses import dataclass, field
from enum import StrEnum

from mail.parse import Address, ParsedMessage, parse_addresses, parse_rfc_date


class Kind(StrEnum):
    DIRECT = "direct"
    FORWARD = "forward"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


# Forward prefixes of the clients and languages we read: en Fwd/FW, de WG, fr TR, es RV/ENC,
# it I/Inoltro, nl Doorst/FW, pt ENC/Enc, sv VB/VS/Fwd; RE/AW/SV (replies) are kept.
FORWARD_PREFIX = re.compile(
    r"^\s*(?:\[\s*)?"
    r"(?:fwd?|fw|wg|tr|rv|i|vs|vb|vl|doorst|enc|inoltro|reenv|ref)"
    r"\s*(?:\[\d+\])?\s*[:：]\s*",
    re.IGNORECASE,
)
OUT_OF_OFFICE = re.compile(
    r"^\s*(?:automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|out of (?:the )?office"
    r"|abwesenheitsnotiz|automatische antwort|abwesend|r[ée]ponse automatique|absence"
    r"|absent(?:e)?\b|respuesta autom[áa]tica|fuera de la oficina|automatisch antwoord"
    r"|afwezig|risposta automatica|fuori sede|fuori ufficio|resposta autom[áa]tica|ausente"
    r"|automatiskt svar|fr[åa]nvaro|autosvar|ooo\b)",
    re.IGNORECASE,
)
AUTO_SUBMITTED_NO = {"", "no"}
PRECEDENCE_BULK = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
DAEMONS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}
AUTH_FAILED = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*(fail|softfail|permerror)\b", re.IGNORECASE)
SENSITIVE = {"private", "personal", "company-confidential", "confidential"}

FORWARD_WORDS = (
    "forwarded|weitergeleitete?|transf[ée]r[ée]|r[ée]exp[ée]di[ée]|reenviado|doorgestuurd"
    "|inoltrato|encaminhada|reencaminhada|vidarebefordrat|videresendt"
)
ORIGINAL_WORDS = (
    "original message|urspr[üu]ngliche nachricht|message d'origine|mensaje original"
    "|oorspronkelijk bericht|messaggio originale|mensagem original|ursprungligt meddelande"
    "|original message"
)
DASH_MARKER = re.compile(
    rf"^\s*[-–—_=]{{2,}}[^\n]{{0,30}}(?:{FORWARD_WORDS}|{ORIGINAL_WORDS})[^\n]*?[-–—_=]{{2,}}\s*$",
    re.IGNORECASE,
)
COLON_MARKER = re.compile(
    r"^\s*(?:begin|anfang|d[ée]but|inicio|inizio|in[íi]cio|come[çc]o|b[öo]rjan|start)?"
    r"[^\n]{0,30}"
    rf"(?:{FORWARD_WORDS})[^\n]{{0,30}}:\s*$",
    re.IGNORECASE,
)
RULE_MARKER = re.compile(r"^\s*_{10,}\s*$")

HEADER_KEYS = {
    "from": "from", "von": "from", "de": "from", "van": "from", "från": "from", "fran": "from",
    "da": "from", "expéditeur": "from", "remitente": "from", "afzender": "from",
    "sent": "date", "date": "date", "gesendet": "date", "datum": "date", "envoyé": "date",
    "envoye": "date", "enviado": "date", "enviado el": "date", "enviada": "date", "fecha": "date",
    "verzonden": "date", "inviato": "date", "data": "date", "skickat": "date", "sendt": "date",
    "to": "to", "an": "to", "à": "to", "a": "to", "para": "to", "aan": "to", "till": "to",
    "pour": "to", "destinatario": "to", "destinatari": "to", "mottagare": "to",
    "cc": "cc", "kopie": "cc", "copie à": "cc", "copia": "cc", "kopia": "cc", "cco": "cc",
    "subject": "subject", "betreff": "subject", "objet": "subject", "sujet": "subject",
    "asunto": "subject", "onderwerp": "subject", "oggetto": "subject", "assunto": "subject",
    "ämne": "subject", "amne": "subject",
}  # fmt: skip
ENGLISH_DATE_KEYS = {"sent", "date"}
HEADER_LINE = re.compile(
    r"^\s*\*?\s*(?P<key>[^\W\d_][\w .'-]{0,14}?)\s*\*?\s*[:：]\s*\*?(?P<value>.*)$"
)
QUOTE = re.compile(r"^(?:\s*>)+ ?")


@dataclass(frozen=True)
class Internal:
    """What counts as our own side: internal domains, salespeople's and the bot's addresses."""

    domains: frozenset[str] = frozenset()
    addresses: frozenset[str] = frozenset()
    mailboxes: frozenset[str] = frozenset()

    @property
    def known(self) -> bool:
        return bool(self.domains or self.addresses)

    def is_internal(self, address: Address) -> bool:
        """Tell whether an address belongs to our organization."""
        if address.email in self.addresses or address.email in self.mailboxes:
            return True
        domain = address.domain
        return any(domain == d or domain.endswith("." + d) for d in self.domains)

    def is_mailbox(self, address: Address) -> bool:
        return address.email in self.mailboxes


@dataclass
class Original:
    """The message a forward carries, or the message itself when it was not forwarded."""

    sender: Address | None
    to: list[Address]
    cc: list[Address]
    subject: str
    date: dt.datetime | None
    message_id: str | None


@dataclass
class Classification:
    """What a message is, whose it is, and what its sender wrote on top of it."""

    kind: Kind
    original: Original
    sender: Address | None
    note: str = ""
    reason: str | None = None
    refused: str | None = None
    sensitive: bool = False
    structural_forward: bool = False

    @property
    def automated(self) -> bool:
        return self.kind in (Kind.AUTO_REPLY, Kind.BOUNCE)


@dataclass
class Parties:
    """The direction of the original message, its external counterparts and our side."""

    direction: Direction | None
    counterparts: list[Address] = field(default_factory=list)
    internal: list[Address] = field(default_factory=list)


def strip_forward_prefixes(subject: str) -> str:
    """Return the subject without leading forward prefixes (Fwd:, FW:, WG:, TR:, RV: ...)."""
    subject = " ".join(subject.split())
    while match := FORWARD_PREFIX.match(subject):
        subject = subject[match.end() :]
        if match.group(0).lstrip().startswith("[") and subject.endswith("]"):
            subject = subject[:-1].rstrip()
    return subject.strip()


def classify(message: ParsedMessage, internal: Internal | None = None) -> Classification:
    """Classify a parsed message and find its original message."""
    internal = internal or Internal()
    own = Original(
        sender=message.sender,
        to=message.to,
        cc=message.cc,
        subject=strip_forward_prefixes(message.subject),
        date=message.date,
        message_id=message.message_id,
    )
    result = Classification(Kind.DIRECT, own, message.sender, note=message.text[:2000])
    result.sensitive = (message.header("Sensitivity") or "").strip().lower() in SENSITIVE
    if reason := bounce_reason(message):
        result.kind, result.reason = Kind.BOUNCE, reason
        return result
    if reason := automated_reason(message):
        result.kind, result.reason = Kind.AUTO_REPLY, reason
        return result

    forward = _structural_forward(message) or _inline_forward(message, internal)
    if forward is not None:
        original, note = forward
        sender = message.sender
        if internal.known and (sender is None or not internal.is_internal(sender)):
            result.reason = "forwarded by someone outside the organization: treated as direct"
        elif sender is not None and internal.is_internal(sender) and auth_failed(message):
            result.refused = "the sender's authentication (SPF, DKIM or DMARC) failed"
        else:
            result.kind, result.original, result.note = Kind.FORWARD, original, note
            result.structural_forward = bool(message.inner)
            return result

    if OUT_OF_OFFICE.match(message.subject):
        result.kind, result.reason = Kind.AUTO_REPLY, "out-of-office subject"
        return result
    if message.sender is not None and internal.is_internal(message.sender) and auth_failed(message):
        result.refused = "the sender's authentication (SPF, DKIM or DMARC) failed"
    return result


def bounce_reason(message: ParsedMessage) -> str | None:
    """Return why a message is a delivery report, or None."""
    content_type = message.content_type
    report = (message.message.get_param("report-type") or "") if content_type else ""
    if content_type == "multipart/report" and str(report).lower() == "delivery-status":
        return "delivery status notification (multipart/report)"
    if message.header("X-Failed-Recipients"):
        return "X-Failed-Recipients header"
    sender = message.sender
    if sender and sender.email.partition("@")[0] in DAEMONS:
        return f"sent by {sender.email}"
    if sender is None and (message.header("Return-Path") or "").strip() == "<>":
        return "no sender and a null return path"
    return None


def automated_reason(message: ParsedMessage) -> str | None:
    """Return why a message was sent by a machine (RFC 3834 and common headers), or None."""
    auto = (message.header("Auto-Submitted") or "").split(";")[0].strip().lower()
    if auto not in AUTO_SUBMITTED_NO:
        return f"Auto-Submitted: {auto}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if (message.header(name) or "no").strip().lower() not in {"no", "false", "0"}:
            return f"{name} header"
    for name in ("Precedence", "X-Precedence"):
        if (message.header(name) or "").strip().lower() in PRECEDENCE_BULK:
            return f"{name}: {message.header(name)}"
    if message.content_type == "multipart/report":
        return "a report (read receipt or notification)"
    if message.header("List-Id") or message.header("List-Unsubscribe"):
        return "mailing-list mail (List-Id or List-Unsubscribe)"
    if (message.header("Return-Path") or "").strip() == "<>":
        return "a null return path"
    suppress = (message.header("X-Auto-Response-Suppress") or "").strip().lower()
    if suppress and OUT_OF_OFFICE.match(message.subject):
        # Alone the header only asks others not to answer; with an OOF subject it is an OOF.
        return "out-of-office subject with X-Auto-Response-Suppress"
    return None


def auth_failed(message: ParsedMessage) -> bool:
    """Tell whether the receiving server recorded a failed SPF, DKIM or DMARC check."""
    results = [v for k, v in message.message.raw_items() if k.lower() == "authentication-results"]
    return any(AUTH_FAILED.search(str(value)) for value in results)


def _structural_forward(message: ParsedMessage) -> tuple[Original, str] | None:
    if not message.inner:
        return None
    inner = message.inner[0]
    original = Original(
        sender=inner.sender,
        to=inner.to,
        cc=inner.cc,
        subject=strip_forward_prefixes(inner.subject),
        date=inner.date,
        message_id=inner.message_id,
    )
    return original, message.text.strip()


def _inline_forward(message: ParsedMessage, internal: Internal) -> tuple[Original, str] | None:
    lines = message.text.split("\n")
    marked = False
    start = None
    for index, line in enumerate(lines):
        plain = QUOTE.sub("", line)
        if DASH_MARKER.match(plain) or COLON_MARKER.match(plain) or RULE_MARKER.match(plain):
            marked = marked or not _is_reply_marker(plain)
            start = index
            block = _header_block(lines, index + 1)
        elif _header_key(plain) == "from":
            start = index
            block = _header_block(lines, index)
        else:
            continue
        if block is not None:
            break
    else:
        return None
    fields, body_start = block
    prefixed = FORWARD_PREFIX.match(message.subject) is not None
    only_us = all(internal.is_internal(a) for a in message.recipients) and internal.known
    if not (marked or prefixed or only_us):
        return None  # a quoted reply (RE: ... with an Outlook header block) is not a forward
    default_zone = (message.date.tzinfo if message.date else None) or dt.UTC
    month_first = fields.get("date_key", "") in ENGLISH_DATE_KEYS
    original = Original(
        sender=_first(parse_addresses(_address_text(fields.get("from", "")))),
        to=parse_addresses(_address_text(fields.get("to", ""))),
        cc=parse_addresses(_address_text(fields.get("cc", ""))),
        subject=strip_forward_prefixes(fields.get("subject", "")),
        date=parse_loose_date(fields.get("date", ""), default_zone, month_first=month_first),
        message_id=None,
    )
    note = "\n".join(lines[:start]).strip()
    del body_start
    return original, note


def _is_reply_marker(line: str) -> bool:
    return bool(re.search(ORIGINAL_WORDS, line, re.IGNORECASE)) or bool(RULE_MARKER.match(line))


def _first(found: list[Address]) -> Address | None:
    return found[0] if found else None


def _header_key(line: str) -> str | None:
    match = HEADER_LINE.match(line)
    if not match:
        return None
    return HEADER_KEYS.get(match.group("key").strip().lower().rstrip(" *"))


def _header_block(lines: list[str], start: int) -> tuple[dict[str, str], int] | None:
    fields: dict[str, str] = {}
    last: str | None = None
    index = start
    while index < len(lines) and not QUOTE.sub("", lines[index]).strip() and not fields:
        index += 1  # Apple Mail leaves a blank line between its marker and the headers
    while index < len(lines) and index < start + 40:
        line = QUOTE.sub("", lines[index])
        match = HEADER_LINE.match(line)
        key = _header_key(line) if match else None
        if key and match and key not in fields:
            fields[key] = match.group("value").strip().strip("*").strip()
            if key == "date":
                fields["date_key"] = match.group("key").strip().lower()
            last = key
        elif not line.strip():
            if not _next_is_header(lines, index + 1):
                break
        elif last in ("to", "cc") and "@" in line:
            fields[last] += ", " + line.strip()
        else:
            break
        index += 1
    if "from" in fields and ("subject" in fields or "date" in fields):
        return fields, index
    return None


def _next_is_header(lines: list[str], index: int) -> bool:
    while index < len(lines) and not QUOTE.sub("", lines[index]).strip():
        index += 1
    return index < len(lines) and _header_key(QUOTE.sub("", lines[index])) is not None


def _address_text(value: str) -> str:
    value = re.sub(r"\[mailto:([^\]]+)\]", r"<\1>", value)
    value = re.sub(r"<mailto:([^>]+)>", r"<\1>", value)
    value = value.replace("*", "")
    # Outlook separates recipients with ';', and HTML bodies repeat the address after the name.
    value = re.sub(r"(\S+@\S+)\s*<\1>", r"\1", value.replace(";", ","))
    return value


MONTHS = {
    1: "january januar janvier enero januari gennaio janeiro jan janv ene gen",
    2: "february februar février febrero februari febbraio fevereiro feb févr fevr fév fev",
    3: "march märz mars marzo maart mars março mar mär mrt",
    4: "april avril abril aprile apr avr abr",
    5: "may mai mayo mei maggio maio maj mag",
    6: "june juni juin junio giugno junho jun juin giu",
    7: "july juli juillet julio luglio julho jul juil lug",
    8: "august août agosto augusti aug ago aoû",
    9: "september septembre septiembre settembre setembro sep sept set",
    10: "october oktober octobre octubre oktober ottobre outubro oct okt ott out",
    11: "november novembre noviembre novembre novembro nov",
    12: "december dezember décembre diciembre dicembre dezembro dec dez déc dic",
}
MONTH_WORDS = {word: number for number, words in MONTHS.items() for word in words.split()}
ZONES = {
    "utc": 0, "gmt": 0, "z": 0, "wet": 0, "west": 60, "cet": 60, "cest": 120, "mez": 60,
    "mesz": 120, "eet": 120, "eest": 180, "bst": 60, "est": -300, "edt": -240, "cst": -360,
    "cdt": -300, "mst": -420, "mdt": -360, "pst": -480, "pdt": -420,
}  # fmt: skip
TIME = re.compile(
    r"(?<!\d)(\d{1,2})[:.h](\d{2})(?:[:.](\d{2}))?\s*(a\.?\s?m\.?|p\.?\s?m\.?)?", re.I
)
OFFSET = re.compile(r"(?:\(?\s*(?:gmt|utc)\s*)?([+-])(\d{1,2}):?(\d{2})?\s*\)?", re.I)
NUMERIC_DATE = re.compile(r"(\d{1,4})[./-](\d{1,2})[./-](\d{2,4})")


def parse_loose_date(
    text: str, default_zone: dt.tzinfo, *, month_first: bool = False
) -> dt.datetime | None:
    """Read a date as mail clients write it in a forward header, in any of our languages."""
    if not text.strip():
        return None
    parts = email.utils.parsedate_tz(text.strip())
    if parts is not None and parts[9] is not None and re.search(r"[+-]\d{4}|gmt|ut", text, re.I):
        return parse_rfc_date(text)
    low = text.lower()
    hour = minute = second = 0
    if time := TIME.search(low):
        hour, minute, second = int(time.group(1)), int(time.group(2)), int(time.group(3) or 0)
        meridian = (time.group(4) or "").replace(".", "").replace(" ", "")
        if meridian == "pm" and hour < 12:
            hour += 12
        elif meridian == "am" and hour == 12:
            hour = 0
        low = low[: time.start()] + " " + low[time.end() :]
    zone = _zone(low) or default_zone
    low = OFFSET.sub(" ", low)
    date = _calendar_date(low, month_first)
    if date is None:
        return None
    try:
        return dt.datetime(*date, hour, minute, second, tzinfo=zone)
    except ValueError:
        return None


def _zone(low: str) -> dt.tzinfo | None:
    if match := OFFSET.search(low):
        sign = -1 if match.group(1) == "-" else 1
        minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
        if minutes <= 14 * 60:
            return dt.timezone(dt.timedelta(minutes=sign * minutes))
    for word in re.findall(r"[a-z]+", low):
        if word in ZONES:
            return dt.timezone(dt.timedelta(minutes=ZONES[word]))
    return None


def _calendar_date(low: str, month_first: bool) -> tuple[int, int, int] | None:
    if match := NUMERIC_DATE.search(low):
        a, b, c = (int(g) for g in match.groups())
        if len(match.group(1)) == 4:
            return a, b, c
        year = c + 2000 if c < 100 else c
        if month_first and a <= 12 or b > 12:
            return year, a, b
        return year, b, a
    month = None
    for word in re.findall(r"[^\W\d_]+", low):
        if word in MONTH_WORDS:
            month = MONTH_WORDS[word]
            break
    numbers = [int(n) for n in re.findall(r"\d+", low)]
    years = [n for n in numbers if n >= 1000]
    days = [n for n in numbers if 1 <= n <= 31]
    if month is None or not years or not days:
        return None
    return years[0], month, days[0]


def parties(result: Classification, internal: Internal) -> Parties:
    """Return the direction and the external counterparts of the original message."""
    if result.automated or result.refused:
        return Parties(None)
    original = result.original
    everyone = [a for a in [original.sender, *original.to, *original.cc] if a is not None]
    seen: set[str] = set()
    unique = []
    for address in everyone:
        if address.email not in seen and not internal.is_mailbox(address):
            seen.add(address.email)
            unique.append(address)
    external = [a for a in unique if not internal.is_internal(a)]
    ours = [a for a in unique if internal.is_internal(a)]
    if result.kind == Kind.FORWARD and result.sender is not None:
        ours = ours or [result.sender]
    external.sort(key=lambda a: a.email)
    if not internal.known or not external:
        return Parties(None, external)
    sender = original.sender
    if sender is not None and internal.is_internal(sender):
        return Parties(Direction.OUTBOUND, external, [sender, *[a for a in ours if a != sender]])
    return Parties(Direction.INBOUND, external, ours)

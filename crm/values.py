"""Typed values from what people type: dates, amounts, percentages, e-mails, phones, flags."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from crm.errors import InvalidInput

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$"
)
PHONE = re.compile(r"^\+?[0-9 ()./-]{3,30}$")
NOT_DIGIT = re.compile(r"\D")
RELATIVE = re.compile(r"^([+-]?\d+)\s*([dwm])$")
TRUE = {"yes", "y", "true", "1", "on"}
FALSE = {"no", "n", "false", "0", "off"}


def parse_date(text: str, *, today: dt.date, field: str = "date") -> dt.date:
    """Read a date: 2026-12-24, 24.12.2026, today, tomorrow, yesterday, friday, +3d, 2w."""
    word = text.strip().lower()
    if word == "today":
        return today
    if word == "tomorrow":
        return today + dt.timedelta(days=1)
    if word == "yesterday":
        return today - dt.timedelta(days=1)
    if word in WEEKDAYS or word[:3] in {d[:3] for d in WEEKDAYS} and len(word) == 3:
        target = [d[:3] for d in WEEKDAYS].index(word[:3])
        return today + dt.timedelta(days=(target - today.weekday() - 1) % 7 + 1)
    if match := RELATIVE.match(word):
        count, unit = int(match.group(1)), match.group(2)
        days = {"d": 1, "w": 7, "m": 30}[unit] * count
        return today + dt.timedelta(days=days)
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(word, fmt).date()
        except ValueError:
            continue
    raise InvalidInput(
        f"'{text}' is not a date.",
        field=field,
        hint="Write it as 2026-12-24, 24.12.2026, today, tomorrow, friday or +3d.",
    )


def parse_decimal(text: str, *, field: str) -> Decimal:
    """Read an amount such as 20000, 20,000.50 or 20k."""
    raw = text.strip().lower().replace(",", "").replace("_", "")
    factor = Decimal(1)
    if raw.endswith("k"):
        raw, factor = raw[:-1], Decimal(1000)
    elif raw.endswith("m"):
        raw, factor = raw[:-1], Decimal(1_000_000)
    try:
        value = Decimal(raw) * factor
    except InvalidOperation:
        raise InvalidInput(
            f"{field} must be a number, not '{text}'.",
            field=field,
            hint="For example 20000 or 20k.",
        ) from None
    if not value.is_finite():
        raise InvalidInput(f"{field} must be a finite number.", field=field)
    return value


def parse_percent(text: str, *, field: str) -> Decimal:
    """Read a percentage from 0 to 100, with or without the % sign."""
    value = parse_decimal(text.strip().removesuffix("%"), field=field)
    if not Decimal(0) <= value <= Decimal(100):
        raise InvalidInput(f"{field} must be between 0 and 100, not {text}.", field=field)
    return value


def parse_int(text: str, *, field: str) -> int:
    """Read a whole number."""
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput(f"{field} must be a whole number, not '{text}'.", field=field) from None


def parse_bool(text: str, *, field: str) -> bool:
    """Read yes/no, true/false, on/off or 1/0."""
    word = text.strip().lower()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise InvalidInput(f"{field} takes yes or no, not '{text}'.", field=field)


def normalize_email(text: str, *, field: str = "email") -> str:
    """Return the address as typed, refusing what is not an e-mail address."""
    address = text.strip()
    if not EMAIL.match(address) or len(address) > 200:
        raise InvalidInput(
            f"'{text}' is not a valid e-mail address.",
            field=field,
            hint="An address looks like name@example.com.",
        )
    return address


def search_email(address: str | None) -> str | None:
    """Return the form addresses are compared in."""
    return address.strip().lower() if address else None


def normalize_phone(text: str, *, field: str = "phone") -> str:
    """Return the phone number as typed, refusing letters and stray characters."""
    number = text.strip()
    if not PHONE.match(number) or sum(ch.isdigit() for ch in number) < 3:
        raise InvalidInput(
            f"'{text}' is not a phone number.",
            field=field,
            hint="Use digits, spaces and + ( ) - / . only, for example +49 30 1234567.",
        )
    return number


def search_phone(number: str | None) -> str | None:
    """Return the digits a phone number is compared by (the last nine, ignoring prefixes)."""
    if not number:
        return None
    return NOT_DIGIT.sub("", number)[-9:] or None

"""Reading the options the interaction, opportunity and task commands share."""

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from crm.errors import InvalidInput
from crm.values import parse_date, parse_decimal, parse_int, parse_percent
from handlers.context import Context
from handlers.grammar import Args

E = TypeVar("E", bound=StrEnum)


def choice(kind: type[E], text: str, field: str) -> E:
    """Return the enum member a user typed, or list the words allowed."""
    word = text.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return kind(word)
    except ValueError:
        allowed = ", ".join(member.value for member in kind if member.value)
        raise InvalidInput(
            f"'{text}' is not a {field}.", field=field, hint=f"Use {allowed}."
        ) from None


def date_option(context: Context, args: Args, key: str) -> dt.date | None:
    """Return the date given as key=, in the user's calendar."""
    text = args.get(key)
    return parse_date(text, today=context.today(), field=key) if text else None


def moment_option(context: Context, args: Args, key: str) -> dt.datetime | None:
    """Return the moment given as key=: a date (at the current time of day) or a date and time."""
    text = args.get(key)
    if not text:
        return None
    if "T" in text.upper() or ":" in text:
        try:
            moment = dt.datetime.fromisoformat(text.replace(" ", "T"))
        except ValueError:
            raise InvalidInput(
                f"'{text}' is not a date and time.",
                field=key,
                hint="Write 2026-03-02T14:30, or a date alone.",
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=context.time_zone)
        return moment.astimezone(dt.UTC)
    day = parse_date(text, today=context.today(), field=key)
    now = dt.datetime.now(context.time_zone)
    return dt.datetime.combine(day, now.time(), tzinfo=context.time_zone).astimezone(dt.UTC)


def time_option(args: Args, key: str) -> dt.time | None:
    """Return the time of day given as key=, such as 14:30."""
    text = args.get(key)
    if not text:
        return None
    try:
        return dt.time.fromisoformat(text.strip().zfill(5))
    except ValueError:
        raise InvalidInput(
            f"'{text}' is not a time of day.", field=key, hint="Write 14:30."
        ) from None


def money_option(args: Args, key: str) -> Decimal | None:
    text = args.get(key)
    return parse_decimal(text, field=key) if text else None


def percent_option(args: Args, key: str) -> Decimal | None:
    text = args.get(key)
    return parse_percent(text, field=key) if text else None


def int_option(args: Args, key: str) -> int | None:
    text = args.get(key)
    return parse_int(text, field=key) if text else None


def salesperson_filter(context: Context, args: Args) -> str | None:
    """Return the salesperson a list is for: salesperson=, or yours with mine=yes."""
    mine = args.get("mine", "no") or "no"
    if mine.strip().lower() in {"yes", "y", "true", "1", "on"}:
        if not context.actor.salesperson:
            raise InvalidInput(
                "mine=yes needs to know who you are.",
                field="mine",
                hint="Run with --as <code> or set RAPPORT_USER to your salesperson code.",
            )
        return context.actor.salesperson
    return args.get("salesperson")


def money(value: Decimal) -> str:
    """Return an amount as people read it: 12,345.00."""
    return f"{value:,.2f}"


def percent(value: Decimal) -> str:
    """Return a percentage without trailing zeros: 12.5 %."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} %"

"""Read the tags salespeople write in mail: `#opp 20000 "Renewal 2027"`, `#task call friday`."""

import datetime as dt
import re
import shlex

from crm.errors import InvalidInput
from crm.maillog.actions import MailCommand
from crm.values import parse_date, parse_decimal

TAG = re.compile(r"#(opp|task)\b(.*?)(?=#(?:opp|task)\b|$)", re.IGNORECASE)


def find_commands(subject: str, note: str, *, today: dt.date) -> list[MailCommand]:
    """Return the tags in the subject and in the first line of the salesperson's note."""
    first_line = next((line.strip() for line in note.splitlines() if line.strip()), "")
    found = []
    for text in (subject, first_line):
        for match in TAG.finditer(text):
            found.append(_command(match.group(1).lower(), match.group(2).strip(), today))
    return found


def strip_commands(subject: str) -> str:
    """Return the subject without its tags."""
    return " ".join(TAG.sub("", subject).split())


def _command(kind: str, text: str, today: dt.date) -> MailCommand:
    words = _words(text)
    due = None
    if words:
        try:
            due = parse_date(words[-1].removeprefix("close=").removeprefix("due="), today=today)
            words = words[:-1] if kind == "opp" else words
        except InvalidInput:
            due = None
    if kind == "opp":
        value = None
        if words:
            try:
                value = parse_decimal(words[0], field="value")
                words = words[1:]
            except InvalidInput:
                value = None
        return MailCommand("opp", " ".join(words), value=value, due=due)
    return MailCommand("task", " ".join(words), due=due)


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text.replace("“", '"').replace("”", '"'))
    except ValueError:  # an unbalanced quote: take the words as they are
        return text.replace('"', " ").split()

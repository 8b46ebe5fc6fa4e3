"""Run one command line: parse, resolve, run inside one transaction, turn errors into views."""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from sqlalchemy.orm import Session, sessionmaker

from crm.errors import Ambiguous, CrmError, Forbidden, InvalidInput
from handlers.context import Context
from handlers.grammar import Parsed, Registry, parse
from handlers.help import help_view
from handlers.views import ChoiceItem, Choices, Message, Tone, View

log = logging.getLogger(__name__)


class Status(IntEnum):
    """Exit status of a command, as the console reports it."""

    DONE = 0
    REFUSED = 1
    FAILED = 2


@dataclass
class Result:
    view: View
    status: Status


ContextFactory = Callable[[Session], Context]


def execute(
    text: str,
    *,
    registry: Registry,
    sessions: sessionmaker[Session],
    make_context: ContextFactory,
) -> Result:
    """Run one command in its own transaction; a refused or failed command writes nothing."""
    try:
        parsed = parse(text)
        if parsed.area == "help":
            return Result(help_view(registry, parsed.verb), Status.DONE)
        spec = registry.resolve(parsed)
    except CrmError as error:
        return Result(error_view(error), Status.REFUSED)

    try:
        with sessions.begin() as session:
            context = make_context(session)
            if spec.admin and not context.is_admin:
                raise Forbidden(
                    f"`{spec.area} {spec.verb}` is for admins.",
                    hint="Ask an admin to run it, or to make you an admin with "
                    "`setup salesperson edit <code> role=admin`.",
                )
            view = spec.run(context, parsed.args)
    except CrmError as error:
        log.info("Refused %s %s: %s", spec.area, spec.verb, error.message)
        return Result(error_view(error, parsed), Status.REFUSED)
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log.exception("Command %s %s failed (reference %s)", spec.area, spec.verb, reference)
        return Result(unexpected_view(reference), Status.FAILED)
    return Result(view, Status.DONE)


def error_view(error: CrmError, parsed: Parsed | None = None) -> View:
    """Turn a refusal into what the user reads: what was wrong and how to fix it."""
    if isinstance(error, Ambiguous):
        return Choices(
            prompt=error.message + (f" {error.hint}" if error.hint else ""),
            choices=[ChoiceItem(choice.key, choice.label) for choice in error.choices],
        )
    data = {"error": type(error).__name__}
    if isinstance(error, InvalidInput) and error.field:
        data["field"] = error.field
    return Message(error.message, tone=Tone.ERROR, hint=error.hint, data=data)


def unexpected_view(reference: str) -> View:
    """Apologise for a failure on our side, with a reference to find it in the log."""
    return Message(
        "Sorry, something went wrong on our side and nothing was saved.",
        tone=Tone.ERROR,
        hint=f"Tell your admin the reference {reference}; it is in Rapport's log.",
        data={"error": "unexpected", "reference": reference},
    )

"""The errors the CRM core raises, each saying which rule was broken.

    CrmError
     ├── NotFound        a record named by the user does not exist
     ├── Ambiguous       a name matches several records; carries the choices
     ├── InvalidInput    a value breaks a rule (format, range, a business rule)
     ├── Conflict        the state of the data forbids the change
     └── Forbidden       the acting salesperson may not do this

The fronts turn these into friendly replies; anything else is a bug.
"""

from collections.abc import Sequence
from dataclasses import dataclass


class CrmError(Exception):
    """Base class of every error the CRM core raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} {self.hint}"


class NotFound(CrmError):
    """A record named by the user does not exist."""


@dataclass(frozen=True)
class Choice:
    """One candidate offered when a name is ambiguous."""

    key: str
    label: str


class Ambiguous(CrmError):
    """A name matches several records; the user must choose one."""

    def __init__(self, message: str, *, choices: Sequence[Choice], hint: str | None = None):
        super().__init__(message, hint=hint)
        self.choices = list(choices)


class InvalidInput(CrmError):
    """A value breaks a rule: its format, its range or a business rule."""

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.field = field


class Conflict(CrmError):
    """The current state of the data forbids the change."""


class Forbidden(CrmError):
    """The acting salesperson may not do this."""

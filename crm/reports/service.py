"""Run a report by name with the filters a user typed."""

import datetime as dt
import difflib
import importlib
from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session

from crm.errors import InvalidInput
from crm.reports.base import Filters, Report
from crm.reports.catalog import BY_NAME, ReportSpec


def get_spec(name: str) -> ReportSpec:
    """Return the report with this name, or list the names there are."""
    spec = BY_NAME.get(name.strip().lower())
    if spec is None:
        close = difflib.get_close_matches(name, list(BY_NAME), n=1)
        hint = f"Did you mean '{close[0]}'? " if close else ""
        raise InvalidInput(
            f"There is no report '{name}'.",
            field="name",
            hint=hint + f"Reports: {', '.join(BY_NAME)}.",
        )
    return spec


def run(*, db_session: Session, name: str, filters: Mapping[str, str], today: dt.date) -> Report:
    """Return the named report's data; refuse filters it does not take."""
    spec = get_spec(name)
    unknown = sorted(set(filters) - set(spec.filters))
    if unknown:
        raise InvalidInput(
            f"Report {spec.name} does not take {', '.join(unknown)}=.",
            field=unknown[0],
            hint=f"Filters it takes: {', '.join(spec.filters) or 'none'}.",
        )
    module, _, function = spec.target.partition(":")
    builder: Callable[..., Report] = getattr(importlib.import_module(module), function)
    return builder(db_session=db_session, filters=Filters(filters, today))

"""Setup services: the marketing setup row and salespeople."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.errors import NotFound
from crm.setup.models import MarketingSetup, Role, Salesperson


def get_marketing_setup(*, db_session: Session) -> MarketingSetup:
    """Return the marketing setup, which the first migration creates."""
    setup = db_session.get(MarketingSetup, 1)
    if setup is None:
        raise NotFound("The marketing setup is missing.", hint="Run `rapport db upgrade`.")
    return setup


def get_salesperson(*, db_session: Session, code: str) -> Salesperson | None:
    """Return the salesperson with this code (any case), or None."""
    return db_session.get(Salesperson, code.strip().upper())


def get_salesperson_or_raise(*, db_session: Session, code: str) -> Salesperson:
    """Return the salesperson with this code, or say which codes exist."""
    salesperson = get_salesperson(db_session=db_session, code=code)
    if salesperson is None:
        known = db_session.scalars(select(Salesperson.code).order_by(Salesperson.code).limit(10))
        raise NotFound(
            f"There is no salesperson '{code}'.",
            hint=f"Known codes: {', '.join(known) or 'none yet'}. "
            "Add one with `setup salesperson add <code> <name> email=...`.",
        )
    return salesperson


def is_admin(salesperson: Salesperson | None) -> bool:
    """Tell whether a salesperson may run setup commands."""
    return (
        salesperson is not None and salesperson.role == Role.ADMIN.value and not salesperson.blocked
    )

"""Number series (CT000001, OP000001, ...), allocated safely by concurrent processes."""

from sqlalchemy import Boolean, Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm.db import Base
from crm.errors import InvalidInput, NotFound


class NumberSeries(Base):
    """A counter that hands out the numbers of one kind of record."""

    __tablename__ = "number_series"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    description: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(10))
    width: Mapped[int] = mapped_column(Integer)
    last_no: Mapped[int] = mapped_column(Integer, default=0)
    allow_manual: Mapped[bool] = mapped_column(Boolean, default=False)


def next_number(session: Session, series: str) -> str:
    """Draw the next number of a series.

    One UPDATE ... RETURNING increments and reads in a single statement: PostgreSQL locks the
    row until the caller's transaction ends, SQLite holds its write lock, so two processes
    never receive the same number.
    """
    stmt = (
        update(NumberSeries)
        .where(NumberSeries.code == series)
        .values(last_no=NumberSeries.last_no + 1)
        .returning(NumberSeries.prefix, NumberSeries.width, NumberSeries.last_no)
    )
    row = session.execute(stmt).one_or_none()
    if row is None:
        raise NotFound(f"Number series {series} does not exist.", hint="Run `rapport db upgrade`.")
    prefix, width, last_no = row
    return f"{prefix}{last_no:0{width}d}"


def check_manual(session: Session, series: str, number: str) -> str:
    """Accept a typed number only where the series allows manual numbers."""
    row = session.scalars(select(NumberSeries).where(NumberSeries.code == series)).one_or_none()
    if row is None or not row.allow_manual:
        raise InvalidInput(
            f"Number series {series} does not allow manual numbers.",
            field="no",
            hint="Leave the number out and Rapport assigns the next one.",
        )
    number = number.strip().upper()
    if not number or len(number) > 20:
        raise InvalidInput("A number has 1 to 20 characters.", field="no")
    return number


def next_numbers(session: Session, series: str, count: int) -> list[str]:
    """Draw a block of consecutive numbers of a series in one statement, for bulk imports."""
    if count <= 0:
        return []
    stmt = (
        update(NumberSeries)
        .where(NumberSeries.code == series)
        .values(last_no=NumberSeries.last_no + count)
        .returning(NumberSeries.prefix, NumberSeries.width, NumberSeries.last_no)
    )
    row = session.execute(stmt).one_or_none()
    if row is None:
        raise NotFound(f"Number series {series} does not exist.", hint="Run `rapport db upgrade`.")
    prefix, width, last_no = row
    return [f"{prefix}{number:0{width}d}" for number in range(last_no - count + 1, last_no + 1)]

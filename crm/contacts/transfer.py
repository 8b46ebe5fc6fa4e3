"""CSV import and export of contacts: checked, matched and written piece by piece."""

import csv
import functools
import io
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.audit import Actor
from crm.contacts import bulk, service
from crm.contacts.models import Contact, ContactAltEmail, ContactType
from crm.contacts.schemas import ADDRESS_FIELDS, COMMUNICATION_ON_CREATE, CSV_COLUMNS, INHERITED
from crm.db import one_of, utcnow
from crm.errors import CrmError, InvalidInput
from crm.progress import NoProgress, Progress
from crm.setup.models import MarketingSetup, Salesperson, Territory
from crm.setup.service import get_marketing_setup
from crm.values import EMAIL, NOT_DIGIT, PHONE, search_email, search_phone

log = logging.getLogger(__name__)

# Contacts written together: long streams for the server, a progress bar that still moves.
PIECE = 10_000
ERRORS_SHOWN = 10
ALIASES = {
    "e-mail": "email",
    "e_mail": "email",
    "mail": "email",
    "company_name": "company",
    "mobile_phone": "mobile",
    "vat_registration_no": "vat",
    "zip": "post_code",
    "postcode": "post_code",
    "number": "no",
}
# CSV column -> contact attribute, for the columns that are plain text.
ATTRS = {
    "first_name": "first_name",
    "surname": "surname",
    "job_title": "job_title",
    "address": "address",
    "address2": "address2",
    "city": "city",
    "post_code": "post_code",
    "county": "county",
    "home_page": "home_page",
    "external_id": "external_id",
}
# The columns an import with dedupe=update changes on an existing contact.
UPDATED = (*ATTRS, "phone", "mobile")
TYPES = frozenset(t.value for t in ContactType)
# CSV column -> contact attribute, for every column an export writes.
COLUMN_ATTRS = {
    "no": "no",
    "type": "type",
    "name": "name",
    "company": "company_name",
    "mobile": "mobile_phone",
    "vat": "vat_registration_no",
    "email": "email",
    "phone": "phone",
    "salesperson": "salesperson",
    "territory": "territory",
    "country": "country",
    "language": "language",
    **ATTRS,
}
# The longest text each column may hold, as its database column says.
SIZES = {
    column: length
    for column, attr in COLUMN_ATTRS.items()
    if (length := getattr(Contact.__table__.c[attr].type, "length", None))
}
DEDUPE = ("skip", "update", "create")
ON_ERROR = ("skip", "abort")


@dataclass
class RowError:
    """A row that cannot be imported, by its line in the file."""

    line: int
    message: str


@dataclass
class ImportReport:
    """What an import did, or would do in a dry run."""

    rows: int = 0
    created: int = 0
    companies_added: int = 0
    updated: int = 0
    duplicates_skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False


@dataclass
class _Row:
    line: int
    values: dict[str, str | None]
    type: str
    company: str | None  # name of the company this person belongs to
    existing_id: int | None = None


def _name(row: _Row) -> str:
    """Return the row's name as names are compared: upper case (checked rows all have one)."""
    return (row.values.get("name") or "").upper()


def import_csv(
    *,
    db_session: Session,
    actor: Actor,
    path: Path,
    dry_run: bool = False,
    on_error: str = "abort",
    dedupe: str = "skip",
    progress: Progress | None = None,
) -> ImportReport:
    """Import contacts from a CSV file: all rows or none, or the good rows when asked.

    Rows matching an existing contact (by e-mail, then by name and company) are skipped,
    update that contact, or are created anyway, as dedupe= says. The file is checked, matched
    and written piece by piece, so the database stores one piece while the next is read; a
    refusal takes back everything this import wrote.
    """
    if on_error not in ON_ERROR:
        raise InvalidInput(f"on_error takes skip or abort, not '{on_error}'.", field="on_error")
    if dedupe not in DEDUPE:
        raise InvalidInput(f"dedupe takes skip, update or create, not '{dedupe}'.", field="dedupe")
    progress = progress or NoProgress()
    header, lines = _read(path)
    setup = get_marketing_setup(db_session=db_session)
    report = ImportReport(dry_run=dry_run)
    planner = _Planner(
        db_session,
        actor=actor,
        dedupe=dedupe,
        report=report,
        typed=_typed_numbers(header, lines),
        writing=not dry_run,
        stop_on_error=on_error == "abort" and not dry_run,
        progress=progress,
    )
    maker = _Maker(_base(actor, setup), setup)
    check = functools.partial(_check, header=header, known=_Known.load(db_session))
    batches = [lines[at : at + PIECE] for at in range(0, len(lines), PIECE)]

    def write(plan: _Plan, piece: bulk.Piece) -> None:
        bulk.write_piece(db_session, piece)
        progress.advance(plan.done)

    progress.start(len(lines), "Checking contacts" if dry_run else "Importing contacts")
    try:
        with db_session.begin_nested(), bulk.Ahead(db_session) as ahead:
            bulk.pipeline(ahead, planner.plans(batches, check, ahead), maker.make, write)
            if planner.stopped:
                raise InvalidInput(_refusal(report), field="file", hint=_error_hint())
    finally:
        progress.finish()
    if not dry_run:
        log.info(
            "Imported %s: %d created, %d updated, %d skipped by %s",
            path.name,
            report.created,
            report.updated,
            report.duplicates_skipped,
            actor,
        )
    return report


_Line = tuple[int, list[str]]  # a row of the file: its line number and its cells


def _read(path: Path) -> tuple[list[str], list[_Line]]:
    """Return the file's column names and its rows, by line number."""
    text = _decode(path)
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text))
    header = _header(next(reader, None), path)
    return header, [(reader.line_num, cells) for cells in reader if any(cells)]


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"There is no file {path}.", field="file") from None
    except OSError as error:
        raise InvalidInput(f"{path} cannot be read: {error.strerror}.", field="file") from None
    for encoding in ("utf-8", "utf-8-sig"):
        try:
            return data.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError as error:
            problem = error
    line = data[: problem.start].count(b"\n") + 1
    raise InvalidInput(
        f"{path.name} is not UTF-8 text: byte {data[problem.start]:#04x} on line {line} "
        "cannot be read.",
        field="file",
        hint="Save the file as UTF-8 (in Excel: Save As, 'CSV UTF-8') and import it again.",
    )


def _dialect(text: str) -> type[csv.Dialect]:
    first = text.split("\n", 1)[0]
    return csv.excel if first.count(",") >= first.count(";") else _Semicolon


class _Semicolon(csv.excel):
    delimiter = ";"


def _header(row: list[str] | None, path: Path) -> list[str]:
    expected = ", ".join(CSV_COLUMNS)
    if not row or not any(cell.strip() for cell in row):
        raise InvalidInput(
            f"{path.name} is empty.",
            field="file",
            hint=f"The first line names the columns: {expected}.",
        )
    names = [re.sub(r"[\s.]+", "_", cell.strip().lower()) for cell in row]
    names = [ALIASES.get(name, name) for name in names]
    unknown = [cell for cell, name in zip(row, names, strict=True) if name not in CSV_COLUMNS]
    twice = sorted({name for name in names if names.count(name) > 1})
    if unknown or twice or "name" not in names:
        problem = (
            f"unknown columns {', '.join(repr(c) for c in unknown)}"
            if unknown
            else f"columns given twice: {', '.join(twice)}"
            if twice
            else "no 'name' column"
        )
        raise InvalidInput(
            f"The header of {path.name} does not fit: {problem}.",
            field="file",
            hint=f"Expected columns (name is required, the others optional): {expected}.",
        )
    return names


@dataclass
class _Known:
    salespeople: set[str]
    territories: set[str]

    @classmethod
    def load(cls, db_session: Session) -> "_Known":
        blocked = Salesperson.blocked.is_(False)
        return cls(
            set(db_session.scalars(select(Salesperson.code).where(blocked))),
            set(db_session.scalars(select(Territory.code))),
        )


def _typed_numbers(header: list[str], lines: list[_Line]) -> set[str]:
    """Return the contact numbers the file gives, which the series must not hand out."""
    if "no" not in header:
        return set()
    at = header.index("no")
    return {cells[at].strip().upper() for _, cells in lines if len(cells) > at} - {""}


def _check(
    lines: list[_Line], *, header: list[str], known: _Known
) -> tuple[list[_Row], list[RowError]]:
    """Return the rows of these lines that can be imported, and what is wrong with the others."""
    rows: list[_Row] = []
    errors: list[RowError] = []
    width = len(header)
    for line, cells in lines:
        if len(cells) != width:
            if "".join(cells).strip():
                errors.append(RowError(line, f"has {len(cells)} fields, the header has {width}"))
            continue
        values = dict(zip(header, [cell.strip() or None for cell in cells], strict=True))
        if not any(values.values()):
            continue
        try:
            rows.append(_row(line, values, known))
        except InvalidInput as error:
            errors.append(RowError(line, error.message))
    return rows, errors


def _row(line: int, values: dict[str, str | None], known: _Known) -> _Row:
    name = values.get("name")
    if not name:
        raise InvalidInput("has no name")
    for column, value in values.items():
        size = SIZES.get(column)
        if value and size and len(value) > size:
            raise InvalidInput(f"{column} is longer than {size} characters")
    company = values.get("company")
    kind = (values.get("type") or "").lower() or ("person" if company else "company")
    if kind not in TYPES:
        raise InvalidInput(f"type '{values['type']}' is neither company nor person")
    if kind == "company" and company:
        raise InvalidInput("a company cannot belong to a company; leave company empty")
    email = values.get("email")
    if email and not EMAIL.match(email):
        raise InvalidInput(f"'{email}' is not a valid e-mail address")
    for column in ("phone", "mobile"):
        number = values.get(column)
        if number and (not PHONE.match(number) or len(NOT_DIGIT.sub("", number)) < 3):
            raise InvalidInput(f"{column} '{number}' is not a phone number")
    code = (values.get("salesperson") or "").upper()
    if code and code not in known.salespeople:
        raise InvalidInput(f"salesperson '{code}' does not exist or is blocked")
    territory = (values.get("territory") or "").upper()
    if territory and territory not in known.territories:
        raise InvalidInput(f"territory '{territory}' does not exist")
    for column in ("country", "language"):
        value = values.get(column)
        if value and not re.fullmatch(r"[A-Za-z0-9-]{1,10}", value):
            raise InvalidInput(f"{column} '{value}' is not a code of up to 10 letters")
    return _Row(line, values, kind, company)


def _refusal(report: ImportReport) -> str:
    lines = [f"line {e.line}: {e.message}" for e in report.errors[:ERRORS_SHOWN]]
    more = len(report.errors) - ERRORS_SHOWN
    if more > 0:
        lines.append(f"… and {more} more")
    return (
        f"{len(report.errors)} of {report.rows} rows cannot be imported, so nothing was:\n  "
        + "\n  ".join(lines)
    )


def _error_hint() -> str:
    return "Fix those lines, or add on_error=skip to import the other rows; dry_run=yes checks."


@dataclass
class _Plan:
    """New contacts of one piece, numbered, companies first, and what they need to be made."""

    new: list[tuple[int, str, _Row]]  # id, number, row
    companies: dict[str, dict[str, object]]  # companies in Rapport their persons join, by name
    done: int  # rows of the file this piece finishes, for the progress bar


class _Planner:
    """Decide, piece by piece, which rows are new, which update a contact, which are skipped.

    Runs where the database connection is: every look-up and number is taken here, between
    the writes of the pieces before.
    """

    def __init__(
        self,
        db_session: Session,
        *,
        actor: Actor,
        dedupe: str,
        report: ImportReport,
        typed: set[str],
        writing: bool,
        stop_on_error: bool,
        progress: Progress,
    ) -> None:
        self.db_session = db_session
        self.progress = progress
        self.actor = actor
        self.dedupe = dedupe
        self.report = report
        self.typed = typed
        self.writing = writing
        self.stop_on_error = stop_on_error
        self.seen: set[tuple[str, ...]] = set()  # e-mails and names met earlier in the file
        # Only contacts in Rapport before the import are matched: this import's come after.
        self.before = db_session.scalar(select(func.max(Contact.id))) or 0
        self.last_id = 0  # the highest id this import took
        self.numbered: dict[str, int] = {}  # numbers the file gives, by the line taking them
        self.found: dict[str, dict[str, object] | None] = {}  # companies in Rapport, by name
        self.planned: set[str] = set()  # names of the companies this import creates
        self.waiting: list[_Row] = []  # persons of companies the file has not shown yet

    @property
    def stopped(self) -> bool:
        """Say whether a broken row refused the whole import."""
        return self.stop_on_error and bool(self.report.errors)

    def plans(
        self,
        batches: list[list[_Line]],
        check: Callable[[list[_Line]], tuple[list[_Row], list[RowError]]],
        ahead: bulk.Ahead,
    ) -> Iterator[_Plan]:
        """Yield a plan per batch of lines, checked one batch ahead, then the persons who waited."""
        for batch, (rows, errors) in zip(batches, ahead.map(check, batches), strict=True):
            self.report.rows += len(rows) + len(errors)
            self.report.errors += errors
            # Once refused, the rest of the file is still checked, to report every broken row.
            yield _Plan([], {}, len(batch)) if self.stopped else self._plan(rows, len(batch))
        if not self.stopped:
            yield from self._rest()

    def _plan(self, rows: list[_Row], lines: int) -> _Plan:
        kept = self._match(rows)
        updates = [r for r in kept if r.existing_id is not None]
        self._update(updates)
        new = [r for r in kept if r.existing_id is None]
        companies = [r for r in new if r.type == "company"]
        self.planned.update(map(_name, companies))
        persons = [r for r in new if r.type == "person"]
        self._look_up([r.company for r in persons if r.company])
        ready: list[_Row] = []
        for person in persons:
            (ready if self._ready(person) else self.waiting).append(person)
        self.report.created += len(new)
        # The bar has moved for each update already; the rest move once the piece is written.
        done = lines - len(persons) + len(ready) - (len(updates) if self.writing else 0)
        return self._numbered(companies + ready, done)

    def _rest(self) -> Iterator[_Plan]:
        """Yield the companies the file only names, then the persons who waited for them."""
        missing = {
            r.company.upper(): r.company for r in self.waiting if r.company and not self._ready(r)
        }
        extras = [_Row(0, {"name": name}, "company", None) for name in sorted(missing.values())]
        self.planned.update(missing)
        self.report.companies_added = len(extras)
        rows = extras + self.waiting
        for at in range(0, len(rows), PIECE):
            part = rows[at : at + PIECE]
            yield self._numbered(part, sum(1 for r in part if r.line))

    def _match(self, rows: list[_Row]) -> list[_Row]:
        """Return the rows to import: new ones, and existing contacts' when they are updated.

        A row is a contact already in Rapport by its e-mail, then by name, type and company; a
        row repeating an earlier one of the file is a duplicate too.
        """
        emails = sorted({search_email(r.values.get("email")) or "" for r in rows} - {""})
        by_email = self._existing(Contact.id, Contact.search_email, emails)
        by_email.update(
            self._existing(ContactAltEmail.contact_id, ContactAltEmail.search_email, emails)
        )
        by_name: dict[tuple[str, str, str], int] = {}
        found = select(Contact.search_name, Contact.type, Contact.company_name, Contact.id)
        connection = self.db_session.connection()
        for condition in one_of(connection, Contact.search_name, sorted(set(map(_name, rows)))):
            stmt = found.where(condition, Contact.id <= self.before)
            for key, kind, company, cid in connection.execute(stmt):
                by_name[(key, kind, (company or "").upper())] = cid
        kept = []
        for row in rows:
            email = search_email(row.values.get("email"))
            name_key = (_name(row), row.type, (row.company or "").upper())
            existing = (by_email.get(email) if email else None) or by_name.get(name_key)
            in_file = (email and ("@", email) in self.seen) or name_key in self.seen
            if email:
                self.seen.add(("@", email))
            self.seen.add(name_key)
            if (existing is None and not in_file) or self.dedupe == "create":
                kept.append(row)
            elif self.dedupe == "update" and existing is not None:
                row.existing_id = existing
                kept.append(row)
            else:
                self.report.duplicates_skipped += 1
        return kept

    def _existing(self, id_column: Any, email_column: Any, emails: list[str]) -> dict[str, int]:
        """Return the contacts in Rapport before this import, by these e-mail addresses."""
        found: dict[str, int] = {}
        connection = self.db_session.connection()
        for condition in one_of(connection, email_column, emails):
            stmt = select(email_column, id_column).where(condition, id_column <= self.before)
            found.update({key: cid for key, cid in connection.execute(stmt)})
        return found

    def _update(self, rows: list[_Row]) -> None:
        """Update existing contacts with the rows' values, by the rules of an edit.

        The company's changes flow to its persons and the contact is found by its new values,
        as after `contact edit`.
        """
        self.report.updated += len(rows)
        if not self.writing:
            return
        ids = sorted({row.existing_id for row in rows if row.existing_id is not None})
        contacts: dict[int | None, Contact] = {}
        for condition in one_of(self.db_session.connection(), Contact.id, ids):
            contacts.update(
                (c.id, c) for c in self.db_session.scalars(select(Contact).where(condition))
            )
        for row in rows:
            values = {key: value for key in UPDATED if (value := row.values.get(key))}
            contact = contacts[row.existing_id]
            try:
                if values:
                    service.update(
                        db_session=self.db_session,
                        actor=self.actor,
                        contact=contact,
                        values=values,
                        check_duplicates=False,
                    )
            except CrmError as error:
                raise InvalidInput(
                    f"Line {row.line} cannot update {contact.no}: {error.message}",
                    field="file",
                    hint=error.hint,
                ) from None
            self.progress.advance()

    def _look_up(self, names: list[str]) -> None:
        """Learn which of these companies are in Rapport already; they win over the file's."""
        wanted = {name.upper() for name in names} - self.found.keys()
        self.found.update(dict.fromkeys(wanted))
        columns = [getattr(Contact, c) for c in COMPANY_COLUMNS]
        connection = self.db_session.connection()
        for condition in one_of(connection, Contact.search_name, sorted(wanted)):
            stmt = (
                select(*columns)
                .where(condition, Contact.type == "company", Contact.id <= self.before)
                .order_by(Contact.id)
            )
            for row in connection.execute(stmt):
                # Of namesakes in Rapport, persons join the oldest.
                if self.found.get(key := row.name.upper()) is None:
                    self.found[key] = dict(zip(COMPANY_COLUMNS, row, strict=True))

    def _ready(self, row: _Row) -> bool:
        key = row.company.upper() if row.company else None
        return key is None or self.found.get(key) is not None or key in self.planned

    def _numbered(self, rows: list[_Row], done: int) -> _Plan:
        """Return the plan of these new rows, each with its id and number."""
        typed = self._typed(rows)
        if not self.writing:
            return _Plan([], {}, done)
        keys = {r.company.upper() for r in rows if r.company}
        companies = {k: c for k in keys if (c := self.found.get(k)) is not None}
        free = iter(bulk.series_numbers(self.db_session, typed.count(""), skip=self.typed))
        numbers = [number or next(free) for number in typed]
        # Ids run on past those of pieces planned but not written yet.
        ids = bulk.new_ids(self.db_session, len(rows), after=self.last_id)
        self.last_id = max(ids, default=self.last_id)
        return _Plan(list(zip(ids, numbers, rows, strict=True)), companies, done)

    def _typed(self, rows: list[_Row]) -> list[str]:
        """Return the numbers the rows give (or ""), refused if taken or given twice."""
        numbers = [(r.values.get("no") or "").upper() for r in rows]
        for row, number in zip(rows, numbers, strict=True):
            if number and self.numbered.setdefault(number, row.line) != row.line:
                raise InvalidInput(
                    f"Contact number {number} is given twice, on lines "
                    f"{self.numbered[number]} and {row.line}.",
                    field="file",
                    hint="Give each contact its own number, or leave the no column empty.",
                )
        if clashes := sorted(bulk.taken(self.db_session, set(numbers) - {""})):
            raise InvalidInput(
                f"Contact number {clashes[0]} is already taken.",
                field="file",
                hint="Clear the no column.",
            )
        return numbers


class _Maker:
    """Make the records and rows of planned contacts, in plan order, off the connection's thread.

    A person takes what its company passes on: a company in Rapport's, or the record made
    here of a company new in this import.
    """

    def __init__(self, base: dict[str, object], setup: MarketingSetup) -> None:
        self.base = base
        # Read here, on the connection's thread: the helper never touches the ORM.
        self.switches = _switches(setup)
        self.strings = setup.maintain_search_strings
        self.made: dict[str, dict[str, object]] = {}  # companies made here, by name
        self.inherited: dict[str, dict[str, object]] = {}  # what persons take, by company name

    def make(self, plan: _Plan) -> bulk.Piece:
        """Return the piece of a plan's contacts."""
        records = []
        for cid, no, row in plan.new:
            record = _record(row, self.base, self._taken_from(row.company, plan.companies))
            record["id"], record["no"] = cid, no
            if row.type == "company":
                self.made.setdefault(_name(row), {c: record.get(c) for c in COMPANY_COLUMNS})
            records.append(record)
        return bulk.make_piece(records, strings=self.strings)

    def _taken_from(
        self, name: str | None, companies: dict[str, dict[str, object]]
    ) -> dict[str, object] | None:
        if not name:
            return None
        key = name.upper()
        if key not in self.inherited:
            company = companies.get(key) or self.made.get(key)
            if company is None:
                return None
            # Persons of one company inherit alike: what they take is worked out once.
            self.inherited[key] = _inherited(company, self.switches)
        return self.inherited[key]


def _base(actor: Actor, setup: MarketingSetup) -> dict[str, object]:
    now, who = utcnow(), actor.salesperson or actor.user
    return dict.fromkeys(bulk.RECORD_KEYS) | {
        "salesperson": actor.salesperson or setup.default_salesperson,
        "territory": setup.default_territory,
        "country": setup.default_country,
        "language": setup.default_language,
        "correspondence_type": setup.default_correspondence or "",
        "exclude_from_segments": False,
        "privacy_blocked": False,
        "minor": False,
        "parental_consent": False,
        "created_at": now,
        "modified_at": now,
        "created_by": who,
        "modified_by": who,
        "created_via": actor.channel.value,
        "modified_via": actor.channel.value,
    }


def _record(
    row: _Row, base: dict[str, object], inherited: dict[str, object] | None = None
) -> dict[str, object]:
    """Return the contact row to insert: the setup's defaults, the company's, then the file's.

    It holds every column, as base does.
    """
    values = row.values
    record = dict(base)
    if inherited is not None:
        record.update(inherited)
    elif row.company:
        record["company_name"] = row.company
    name = values["name"] or ""
    for column, attr in ATTRS.items():
        if value := values.get(column):
            record[attr] = value
    record["type"] = row.type
    record["name"] = name
    record["search_name"] = name.upper()
    if email := values.get("email"):
        record["email"] = email
    if phone := values.get("phone"):
        record["phone"] = phone
    record["mobile_phone"] = values.get("mobile")
    vat = values.get("vat")
    record["vat_registration_no"] = re.sub(r"[\s.-]", "", vat).upper() or None if vat else None
    for column in ("salesperson", "territory", "country", "language"):
        if value := values.get(column):
            record[column] = value.upper()
    if row.type == "person" and not values.get("surname"):
        parts = name.split()
        record["surname"] = parts[-1][:60]
        record["first_name"] = values.get("first_name") or (
            parts[0][:60] if len(parts) > 1 else None
        )
    record["search_email"] = search_email(record.get("email"))  # type: ignore[arg-type]
    record["search_phone"] = search_phone(record.get("phone"))  # type: ignore[arg-type]
    return record


def _switches(setup: MarketingSetup) -> dict[str, bool]:
    """Return the setup's inheritance switches, by name."""
    names = (*INHERITED, "inherit_address", "inherit_communication")
    return {name: bool(getattr(setup, name)) for name in names}


def _inherited(company: Mapping[str, object], switches: Mapping[str, bool]) -> dict[str, object]:
    """Return what a new person takes from its company: the same rule as creating one."""
    taken: dict[str, object] = {"company_id": company["id"], "company_name": company["name"]}
    # The company's values beat the setup's defaults.
    for switch, attrs in INHERITED.items():
        if switches[switch]:
            for attr in attrs:
                if company.get(attr):
                    taken[attr] = company[attr]
    if switches["inherit_address"]:
        taken.update({attr: company.get(attr) for attr in ADDRESS_FIELDS})
    if switches["inherit_communication"]:
        for attr in COMMUNICATION_ON_CREATE:
            if company.get(attr):
                taken[attr] = company[attr]
    return taken


COMPANY_COLUMNS = (
    "id",
    "name",
    "salesperson",
    "territory",
    "country",
    "language",
    *ADDRESS_FIELDS,
    *COMMUNICATION_ON_CREATE,
)


def export_csv(
    *, db_session: Session, path: Path, type: str | None = None, progress: Progress | None = None
) -> int:
    """Write contacts to a CSV file the import reads back; return how many were written."""
    if type is not None and type not in {t.value for t in ContactType}:
        raise InvalidInput(f"'{type}' is not a type.", field="type", hint="Use company or person.")
    progress = progress or NoProgress()
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = [getattr(Contact, COLUMN_ATTRS[c]) for c in CSV_COLUMNS]
    stmt = select(*columns).order_by(Contact.no)
    if type:
        stmt = stmt.where(Contact.type == type)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for row in db_session.execute(stmt.execution_options(yield_per=2000)):
            writer.writerow(["" if value is None else value for value in row])
            count += 1
    log.info("Exported %d contacts to %s", count, path)
    return count

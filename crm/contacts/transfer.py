"""CSV import and export of contacts, in bulk: checked first, then written all at once."""

import csv
import io
import logging
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from crm.audit import Actor
from crm.contacts import duplicates as dupes
from crm.contacts import search
from crm.contacts.models import Contact, ContactAltEmail, ContactType, DuplicateSearchString
from crm.contacts.schemas import ADDRESS_FIELDS, COMMUNICATION_ON_CREATE, CSV_COLUMNS, INHERITED
from crm.db import copy_rows, one_of, reserve_ids, utcnow
from crm.errors import InvalidInput
from crm.numbering import next_numbers
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
TYPES = frozenset(t.value for t in ContactType)
SIZES = {"name": 200, "first_name": 60, "surname": 60, "city": 60, "post_code": 20, "county": 60}
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
    update that contact, or are created anyway, as dedupe= says.
    """
    if on_error not in ON_ERROR:
        raise InvalidInput(f"on_error takes skip or abort, not '{on_error}'.", field="on_error")
    if dedupe not in DEDUPE:
        raise InvalidInput(f"dedupe takes skip, update or create, not '{dedupe}'.", field="dedupe")
    progress = progress or NoProgress()
    text = _decode(path)
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text))
    header = _header(next(reader, None), path)
    setup = get_marketing_setup(db_session=db_session)
    known = _Known.load(db_session)
    report = ImportReport(dry_run=dry_run)
    rows = list(_rows(reader, header, known, report))
    report.rows = len(rows) + len(report.errors)
    if report.errors and on_error == "abort" and not dry_run:
        raise InvalidInput(_refusal(report), field="file", hint=_error_hint())
    _match_existing(db_session, rows, dedupe, report)
    if dry_run:
        report.created = sum(1 for r in rows if r.existing_id is None)
        report.companies_added = len(_missing_companies(db_session, rows))
        return report
    try:
        _write(db_session, actor, rows, setup, report, progress)
    finally:
        progress.finish()
    log.info(
        "Imported %s: %d created, %d updated, %d skipped by %s",
        path.name,
        report.created,
        report.updated,
        report.duplicates_skipped,
        actor,
    )
    return report


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


def _rows(
    reader: Iterator[list[str]], header: list[str], known: _Known, report: ImportReport
) -> Iterator[_Row]:
    width = len(header)
    for cells in reader:
        line = reader.line_num  # type: ignore[attr-defined]
        if len(cells) != width:
            if "".join(cells).strip():
                problem = f"has {len(cells)} fields, the header has {width}"
                report.errors.append(RowError(line, problem))
            continue
        values = dict(zip(header, [cell.strip() or None for cell in cells], strict=True))
        if not any(values.values()):
            continue
        try:
            yield _row(line, values, known)
        except InvalidInput as error:
            report.errors.append(RowError(line, error.message))


def _row(line: int, values: dict[str, str | None], known: _Known) -> _Row:
    name = values.get("name")
    if not name:
        raise InvalidInput("has no name")
    for column, size in SIZES.items():
        value = values.get(column)
        if value and len(value) > size:
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


def _match_existing(
    db_session: Session, rows: list[_Row], dedupe: str, report: ImportReport
) -> None:
    """Find rows that are already contacts (or earlier rows), by e-mail, then name and company."""
    connection = db_session.connection()
    emails = sorted({search_email(r.values.get("email")) or "" for r in rows} - {""})
    by_email: dict[str, int] = {}
    for condition in one_of(connection, Contact.search_email, emails):
        stmt = select(Contact.search_email, Contact.id).where(condition)
        by_email.update({key: cid for key, cid in connection.execute(stmt) if key})
    for condition in one_of(connection, ContactAltEmail.search_email, emails):
        alt = select(ContactAltEmail.search_email, ContactAltEmail.contact_id).where(condition)
        by_email.update({key: cid for key, cid in connection.execute(alt)})
    names = sorted({_name(r) for r in rows if r.values.get("name")})
    by_name: dict[tuple[str, str, str], int] = {}
    for condition in one_of(connection, Contact.search_name, names):
        found = select(Contact.search_name, Contact.type, Contact.company_name, Contact.id)
        for key, kind, company, cid in connection.execute(found.where(condition)):
            by_name[(key, kind, (company or "").upper())] = cid
    seen: set[tuple[str, ...]] = set()
    kept = []
    for row in rows:
        email = search_email(row.values.get("email"))
        name_key = (_name(row), row.type, (row.company or "").upper())
        existing = (by_email.get(email) if email else None) or by_name.get(name_key)
        in_file = (email and ("@", email) in seen) or name_key in seen
        if email:
            seen.add(("@", email))
        seen.add(name_key)
        if (existing is None and not in_file) or dedupe == "create":
            kept.append(row)
        elif dedupe == "update" and existing is not None:
            row.existing_id = existing
            kept.append(row)
        else:
            report.duplicates_skipped += 1
    rows[:] = kept


def _missing_companies(db_session: Session, rows: list[_Row]) -> set[str]:
    named = {r.company.upper(): r.company for r in rows if r.company}
    in_file = {_name(r) for r in rows if r.type == "company"}
    existing: set[str] = set()
    connection = db_session.connection()
    for condition in one_of(connection, Contact.search_name, sorted(named)):
        stmt = select(Contact.search_name).where(condition, Contact.type == "company")
        existing.update(connection.scalars(stmt))
    return {named[k] for k in named if k not in existing and k not in in_file}


def _write(
    db_session: Session,
    actor: Actor,
    rows: list[_Row],
    setup: MarketingSetup,
    report: ImportReport,
    progress: Progress,
) -> None:
    updates = [r for r in rows if r.existing_id is not None]
    new = [r for r in rows if r.existing_id is None]
    extra = [
        _Row(0, {"name": name}, "company", None)
        for name in sorted(_missing_companies(db_session, new))
    ]
    # The companies that the file only names are written too, and counted.
    progress.start(len(rows) + len(extra), "Importing contacts")
    for row in updates:
        _update(db_session, row)
        progress.advance()
    report.updated = len(updates)
    report.companies_added = len(extra)
    companies = [r for r in new if r.type == "company"] + extra
    persons = [r for r in new if r.type == "person"]
    base = _base(actor, setup)
    # Companies already in Rapport win over namesakes in the file; they are read before the
    # insert, while the table's statistics still describe it.
    wanted = {r.company.upper() for r in persons if r.company}
    company_rows = _companies(db_session, wanted)
    written = _insert(
        db_session, companies, lambda row: _record(row, base), setup, progress, keep=True
    )
    for record in written:
        key = str(record["name"]).upper()
        if key in wanted and key not in company_rows:
            company_rows[key] = {c: record.get(c) for c in COMPANY_COLUMNS}
    # Persons of one company inherit alike: what they take is worked out once per company.
    inherited = {key: _inherited(company, setup) for key, company in company_rows.items()}

    def person(row: _Row) -> dict[str, object]:
        return _record(row, base, inherited.get(row.company.upper()) if row.company else None)

    _insert(db_session, persons, person, setup, progress)
    report.created = len(companies) + len(persons) - len(extra)


def _base(actor: Actor, setup: MarketingSetup) -> dict[str, object]:
    now, who = utcnow(), actor.salesperson or actor.user
    return {
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
    """Return the contact row to insert: the setup's defaults, the company's, then the file's."""
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


def _inherited(company: dict[str, object], setup: MarketingSetup) -> dict[str, object]:
    """Return what a new person takes from its company: the same rule as creating one."""
    taken: dict[str, object] = {"company_id": company["id"], "company_name": company["name"]}
    # The company's values beat the setup's defaults.
    for switch, attrs in INHERITED.items():
        if getattr(setup, switch):
            for attr in attrs:
                if company.get(attr):
                    taken[attr] = company[attr]
    if setup.inherit_address:
        taken.update({attr: company.get(attr) for attr in ADDRESS_FIELDS})
    if setup.inherit_communication:
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


def _companies(db_session: Session, names: set[str]) -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    columns = [getattr(Contact, c) for c in COMPANY_COLUMNS]
    connection = db_session.connection()
    for condition in one_of(connection, Contact.search_name, sorted(names)):
        stmt = select(*columns).where(condition, Contact.type == "company").order_by(Contact.id)
        for row in connection.execute(stmt):
            found.setdefault(row.name.upper(), dict(zip(COMPANY_COLUMNS, row, strict=True)))
    return found


def _insert(
    db_session: Session,
    rows: list[_Row],
    make: Callable[[_Row], dict[str, object]],
    setup: MarketingSetup,
    progress: Progress,
    *,
    keep: bool = False,
) -> list[dict[str, object]]:
    """Insert new contacts in pieces, with their search words and strings.

    make() turns a row into its record. The records written are returned when kept; else they
    are let go piece by piece, which spares the garbage collector on a large file.
    """
    numbers = _numbers(db_session, rows)
    connection = db_session.connection()
    ids = reserve_ids(connection, CONTACTS, len(rows))
    numbered = list(zip(ids, numbers, rows, strict=True))
    pieces = [numbered[at : at + PIECE] for at in range(0, len(numbered), PIECE)]
    made_pieces = _made(pieces, make, setup.maintain_search_strings, connection.dialect.name)
    written: list[dict[str, object]] = []
    for made in made_pieces:
        _write_piece(db_session, made)
        progress.advance(len(made.contacts))
        if keep:
            written += made.records
    return written


def _made(
    pieces: list[list[tuple[int, str, _Row]]],
    make: Callable[[_Row], dict[str, object]],
    strings_wanted: bool,
    dialect: str,
) -> Iterator["_Piece"]:
    """Yield the pieces made, one by one.

    On PostgreSQL a helper thread makes the next piece while the server stores this one, so
    each waits less for the other. SQLite works in this process: a helper would only contend
    with it for the interpreter, and measured slower.
    """
    if dialect != "postgresql":
        for piece in pieces:
            yield _Piece.make(piece, make, strings_wanted)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import") as helper:
        upcoming = [helper.submit(_Piece.make, pieces[0], make, strings_wanted)] if pieces else []
        for at in range(len(pieces)):
            made = upcoming.pop().result()
            if at + 1 < len(pieces):
                upcoming.append(helper.submit(_Piece.make, pieces[at + 1], make, strings_wanted))
            yield made


def _write_piece(db_session: Session, made: "_Piece") -> None:
    connection = db_session.connection()
    copy_rows(connection, CONTACTS, ("id", *RECORD_KEYS), made.contacts)
    search.store_words(db_session, made.words)
    copy_rows(connection, SEARCH_STRINGS, STRING_KEYS, made.strings)


@dataclass
class _Piece:
    """Some new contacts: their records, and the rows of them, their words and search strings."""

    records: list[dict[str, object]] = field(default_factory=list)
    contacts: list[tuple[object, ...]] = field(default_factory=list)
    words: dict[int, set[str]] = field(default_factory=dict)
    strings: list[tuple[object, ...]] = field(default_factory=list)

    @classmethod
    def make(
        cls,
        piece: list[tuple[int, str, _Row]],
        make: Callable[[_Row], dict[str, object]],
        strings_wanted: bool,
    ) -> "_Piece":
        made = cls()
        for cid, no, row in piece:
            record = make(row)
            record["id"], record["no"] = cid, no
            made.records.append(record)
            made.contacts.append((cid, *map(record.get, RECORD_KEYS)))
            made.words[cid] = _words(record)
            if strings_wanted and row.type == "company":
                made.strings.extend((cid, *found) for found in dupes.search_strings_of(record))
        return made


def _words(record: dict[str, object]) -> set[str]:
    return search.contact_words(
        no=str(record["no"]),
        name=str(record["name"]),
        company_name=record.get("company_name"),  # type: ignore[arg-type]
        emails=[record.get("email")],  # type: ignore[list-item]
        phones=[record.get("phone"), record.get("mobile_phone")],  # type: ignore[list-item]
    )


CONTACTS = cast(Table, Contact.__table__)
SEARCH_STRINGS = cast(Table, DuplicateSearchString.__table__)
RECORD_KEYS = (*(c.key for c in CONTACTS.columns if c.key != "id"),)
STRING_KEYS = ("contact_id", "field", "part", "value")


def _numbers(db_session: Session, rows: list[_Row]) -> list[str]:
    """Return the new contacts' numbers: its own where the file has one, else the next free."""
    numbers = [str(r.values.get("no") or "").upper() for r in rows]
    typed = set(numbers) - {""}
    if clashes := sorted(_taken(db_session, typed)):
        raise InvalidInput(
            f"Contact number {clashes[0]} is already taken.",
            field="file",
            hint="Clear the no column.",
        )
    wanted = [at for at, number in enumerate(numbers) if not number]
    while wanted:
        # Numbers typed in earlier may sit inside the block: skip them, as one create does.
        block = next_numbers(db_session, "CONTACT", len(wanted))
        # One range read: the block's numbers share prefix and width, so they sort as text.
        in_block = select(Contact.no).where(Contact.no >= block[0], Contact.no <= block[-1])
        taken = set(db_session.connection().scalars(in_block)) | typed
        free = [number for number in block if number not in taken]
        for at, number in zip(wanted, free, strict=False):
            numbers[at] = number
        wanted = wanted[len(free) :]
    return numbers


def _taken(db_session: Session, numbers: set[str]) -> set[str]:
    taken: set[str] = set()
    connection = db_session.connection()
    for condition in one_of(connection, Contact.no, sorted(numbers)):
        taken.update(connection.scalars(select(Contact.no).where(condition)))
    return taken


def _update(db_session: Session, row: _Row) -> None:
    values: dict[str, object] = {}
    for column, attr in ATTRS.items():
        if row.values.get(column):
            values[attr] = row.values[column]
    for column, attr in (("phone", "phone"), ("mobile", "mobile_phone")):
        if row.values.get(column):
            values[attr] = row.values[column]
    if row.values.get("phone"):
        values["search_phone"] = search_phone(row.values["phone"])
    if values:
        values["modified_at"] = utcnow()
        db_session.execute(update(Contact).where(Contact.id == row.existing_id).values(values))


def export_csv(
    *, db_session: Session, path: Path, type: str | None = None, progress: Progress | None = None
) -> int:
    """Write contacts to a CSV file the import reads back; return how many were written."""
    if type is not None and type not in {t.value for t in ContactType}:
        raise InvalidInput(f"'{type}' is not a type.", field="type", hint="Use company or person.")
    progress = progress or NoProgress()
    path.parent.mkdir(parents=True, exist_ok=True)
    attrs = {
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
    columns = [getattr(Contact, attrs[c]) for c in CSV_COLUMNS]
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

"""CSV import and export: header, encoding, broken rows, dry runs, de-duplication."""

import csv

import pytest
from sqlalchemy import func, select

from crm.contacts import service, transfer
from crm.contacts.models import Contact, ContactType
from crm.errors import InvalidInput

GOOD = (
    "name,type,company,email,phone,city\n"
    "Acme Corp,company,,info@acme.com,+49 30 1234,Berlin\n"
    "Jane Roe,person,Acme Corp,jane@acme.com,,\n"
    "John Doe,,Initech,john@initech.com,,\n"
)


def write(tmp_path, text, encoding="utf-8", name="contacts.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def count(db_session):
    return db_session.scalar(select(func.count()).select_from(Contact))


def run_import(db_session, actor, path, **options):
    return transfer.import_csv(db_session=db_session, actor=actor, path=path, **options)


class Recorder:
    def __init__(self):
        self.total, self.done, self.finished = None, 0, False

    def start(self, total, label):
        self.total = total

    def advance(self, done=1):
        self.done += done

    def finish(self):
        self.finished = True


def test_import_creates_companies_persons_and_missing_companies(db_session, actor, tmp_path):
    progress = Recorder()

    report = run_import(db_session, actor, write(tmp_path, GOOD), progress=progress)

    assert (report.rows, report.created, report.companies_added) == (3, 3, 1)
    jane = service.resolve(db_session=db_session, name="jane@acme.com")
    acme = service.resolve(db_session=db_session, name="info@acme.com")
    assert (jane.company_id, jane.city, jane.surname) == (acme.id, "Berlin", "Roe")
    assert service.resolve(db_session=db_session, name="initech").is_company
    assert service.find(db_session=db_session, text="jane roe")[0].name == "Jane Roe"
    assert progress.finished and progress.done >= 3
    numbers = set(db_session.scalars(select(Contact.no)))
    assert len(numbers) == 4


def test_semicolons_and_a_byte_order_mark_are_read(db_session, actor, tmp_path):
    path = write(tmp_path, "\ufeffName;E-Mail\nAcme;info@acme.com\n")

    assert run_import(db_session, actor, path).created == 1


def test_wrong_header_lists_the_expected_columns(db_session, actor, tmp_path):
    with pytest.raises(InvalidInput, match="unknown columns 'colour'") as error:
        run_import(db_session, actor, write(tmp_path, "name,colour\nAcme,red\n"))
    assert "email" in error.value.hint and "name is required" in error.value.hint
    with pytest.raises(InvalidInput, match="no 'name' column"):
        run_import(db_session, actor, write(tmp_path, "email\na@b.com\n"))
    with pytest.raises(InvalidInput, match="twice"):
        run_import(db_session, actor, write(tmp_path, "name,name\na,b\n"))
    with pytest.raises(InvalidInput, match="empty"):
        run_import(db_session, actor, write(tmp_path, ""))


def test_bad_encoding_names_the_line(db_session, actor, tmp_path):
    path = write(tmp_path, "name,city\nAcme,Berlin\nMüller GmbH,Köln\n", encoding="latin-1")

    with pytest.raises(InvalidInput, match="not UTF-8 text.*line 3") as error:
        run_import(db_session, actor, path)
    assert "CSV UTF-8" in error.value.hint
    assert count(db_session) == 0


def test_missing_file_is_explained(db_session, actor, tmp_path):
    with pytest.raises(InvalidInput, match="no file"):
        run_import(db_session, actor, tmp_path / "nope.csv")


BROKEN = (
    "name,email,phone,type\n"
    "Good One,good@one.com,,\n"
    ",nobody@x.com,,\n"
    "Bad Mail,not-an-address,,\n"
    "Bad Phone,,call me,\n"
    "Too,many,fields,here,extra\n"
    "Bad Type,,,robot\n"
    "Good Two,good@two.com,,\n"
)


def test_broken_rows_abort_everything_with_their_lines(db_session, actor, tmp_path):
    with pytest.raises(InvalidInput) as error:
        run_import(db_session, actor, write(tmp_path, BROKEN))

    message = error.value.message
    assert "5 of 7 rows cannot be imported, so nothing was" in message
    for line in (
        "line 3: has no name",
        "line 4: 'not-an-address'",
        "line 5: phone",
        "line 6: has 5 fields",
        "line 7: type 'robot'",
    ):
        assert line in message
    assert count(db_session) == 0


def test_broken_rows_can_be_skipped(db_session, actor, tmp_path):
    report = run_import(db_session, actor, write(tmp_path, BROKEN), on_error="skip")

    assert report.created == 2 and [e.line for e in report.errors] == [3, 4, 5, 6, 7]
    assert count(db_session) == 2


def test_dry_run_reports_and_writes_nothing(db_session, actor, tmp_path):
    report = run_import(db_session, actor, write(tmp_path, BROKEN), dry_run=True)

    assert report.dry_run and report.created == 2 and len(report.errors) == 5
    assert count(db_session) == 0


def test_existing_contacts_are_skipped_updated_or_created_again(db_session, actor, tmp_path):
    service.create(db_session=db_session, actor=actor, name="Acme Corp", email="INFO@acme.com")
    text = "name,email,city\nAcme Corp,info@acme.com,Bonn\nAcme Corp,,Bonn\nNew Co,,\n"

    skipped = run_import(db_session, actor, write(tmp_path, text))
    assert (skipped.created, skipped.duplicates_skipped) == (1, 2)

    updated = run_import(db_session, actor, write(tmp_path, text), dedupe="update")
    assert updated.updated >= 1
    db_session.expire_all()
    assert service.resolve(db_session=db_session, name="info@acme.com").city == "Bonn"

    created = run_import(db_session, actor, write(tmp_path, text), dedupe="create")
    assert created.created == 3
    with pytest.raises(InvalidInput, match="dedupe"):
        run_import(db_session, actor, write(tmp_path, text), dedupe="merge")


def test_numbers_in_the_file_are_kept_and_skipped_by_the_series(db_session, actor, tmp_path):
    path = write(tmp_path, "no,name\nCT000002,Typed In\n,Numbered\n,Numbered Too\n")

    run_import(db_session, actor, path)

    assert set(db_session.scalars(select(Contact.no))) == {"CT000001", "CT000002", "CT000003"}


def test_a_number_already_taken_refuses_the_import(db_session, actor, tmp_path):
    run_import(db_session, actor, write(tmp_path, "no,name\nCT000007,First\n"))
    path = write(tmp_path, "no,name\n,Numbered\nct000007,Typed Again\n")

    with pytest.raises(InvalidInput, match="CT000007 is already taken") as refused:
        run_import(db_session, actor, path)

    assert "no column" in refused.value.hint
    assert count(db_session) == 1


def test_export_writes_what_import_reads(db_session, actor, tmp_path):
    run_import(db_session, actor, write(tmp_path, GOOD))
    out = tmp_path / "out" / "contacts.csv"

    written = transfer.export_csv(db_session=db_session, path=out)
    persons = transfer.export_csv(db_session=db_session, path=tmp_path / "p.csv", type="person")

    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert written == 4 and persons == 2
    assert {r["name"] for r in rows} == {"Acme Corp", "Jane Roe", "John Doe", "Initech"}
    assert next(r for r in rows if r["name"] == "Jane Roe")["company"] == "Acme Corp"
    with pytest.raises(InvalidInput):
        transfer.export_csv(db_session=db_session, path=out, type="robot")


def test_bulk_rows_read_back_as_single_creates_do(db_session, actor, tmp_path):
    # The import writes with COPY or executemany and ids of its own: what lands must be what
    # the ORM would have stored, and the next single create must get a fresh id.
    run_import(db_session, actor, write(tmp_path, GOOD))
    single = service.create(
        db_session=db_session, actor=actor, name="Umbrella Corp", type=ContactType.COMPANY
    )
    db_session.expire_all()
    imported = service.resolve(db_session=db_session, name="jane@acme.com")

    assert single.id > max(db_session.scalars(select(Contact.id).where(Contact.id != single.id)))
    assert imported.created_at.tzinfo is not None
    assert abs((single.created_at - imported.created_at).total_seconds()) < 60
    assert (imported.privacy_blocked, imported.exclude_from_segments) == (False, False)


def test_lookups_in_bulk_span_many_keys(db_session, actor, tmp_path):
    # More rows than one IN list takes on SQLite: the existing ones are still all found.
    rows = [f"Person {i},person,Big Co,p{i}@big.example,," for i in range(2500)]
    header = "name,type,company,email,phone,city\n"
    run_import(db_session, actor, write(tmp_path, header + "\n".join(rows) + "\n"))
    again = run_import(db_session, actor, write(tmp_path, header + "\n".join(rows) + "\n"))

    assert (again.created, again.duplicates_skipped) == (0, 2500)
    assert count(db_session) == 2501


def test_an_import_in_many_pieces_writes_each_contact_once(
    db_session, actor, tmp_path, monkeypatch
):
    monkeypatch.setattr(transfer, "PIECE", 2)
    progress = Recorder()
    rows = [f"Person {i},person,Big Co,p{i}@big.example,," for i in range(7)]
    header = "name,type,company,email,phone,city\n"

    run_import(
        db_session, actor, write(tmp_path, header + "\n".join(rows) + "\n"), progress=progress
    )

    assert count(db_session) == 8
    assert progress.done == progress.total == 8  # Big Co is added too
    assert [h.name for h in service.find(db_session=db_session, text="p5@big.example")] == [
        "Person 5"
    ]
    assert len(service.find(db_session=db_session, text="big co")) == 8


def test_a_failure_while_making_rows_leaves_nothing_behind(
    db_session, actor, tmp_path, monkeypatch
):
    monkeypatch.setattr(transfer, "PIECE", 2)
    made = transfer._Piece.make

    def failing(piece, *rest):
        if any(row.values["name"] == "Person 4" for _, _, row in piece):
            raise RuntimeError("the helper broke")
        return made(piece, *rest)

    monkeypatch.setattr(transfer._Piece, "make", failing)
    rows = [f"Person {i},person,Big Co,p{i}@big.example,," for i in range(7)]
    header = "name,type,company,email,phone,city\n"
    savepoint = db_session.begin_nested()

    with pytest.raises(RuntimeError, match="helper broke"):
        run_import(db_session, actor, write(tmp_path, header + "\n".join(rows) + "\n"))

    savepoint.rollback()
    assert count(db_session) == 0

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

    assert count(db_session) == 8  # Big Co, which the file only names, is added
    assert progress.done == progress.total == 7  # the bar counts the file's rows
    assert [h.name for h in service.find(db_session=db_session, text="p5@big.example")] == [
        "Person 5"
    ]
    assert len(service.find(db_session=db_session, text="big co")) == 8


def test_a_failure_while_making_rows_leaves_nothing_behind(
    db_session, actor, tmp_path, monkeypatch
):
    monkeypatch.setattr(transfer, "PIECE", 2)
    made = transfer.bulk.make_piece

    def failing(records, **options):
        records = list(records)
        if any(record["name"] == "Person 4" for record in records):
            raise RuntimeError("the helper broke")
        return made(records, **options)

    monkeypatch.setattr(transfer.bulk, "make_piece", failing)
    rows = [f"Person {i},person,Big Co,p{i}@big.example,," for i in range(7)]
    header = "name,type,company,email,phone,city\n"

    with pytest.raises(RuntimeError, match="helper broke"):
        run_import(db_session, actor, write(tmp_path, header + "\n".join(rows) + "\n"))

    assert count(db_session) == 0


def test_a_broken_row_after_many_pieces_takes_back_what_was_written(
    db_session, actor, tmp_path, monkeypatch
):
    monkeypatch.setattr(transfer, "PIECE", 2)
    rows = [f"Person {i},person,Big Co,p{i}@big.example" for i in range(7)]
    rows.append("Late Error,person,Big Co,not-an-address")
    header = "name,type,company,email\n"

    with pytest.raises(InvalidInput, match="line 9: 'not-an-address'"):
        run_import(db_session, actor, write(tmp_path, header + "\n".join(rows) + "\n"))

    assert count(db_session) == 0


def test_persons_listed_before_their_company_join_it(db_session, actor, tmp_path, monkeypatch):
    monkeypatch.setattr(transfer, "PIECE", 2)
    text = (
        "name,type,company,email,city\n"
        "Jane Roe,person,Acme Corp,jane@acme.com,\n"
        "John Doe,person,Acme Corp,john@acme.com,\n"
        "Mary Major,person,Initech,mary@initech.com,\n"
        "Acme Corp,company,,info@acme.com,Berlin\n"
    )

    report = run_import(db_session, actor, write(tmp_path, text))

    acme = service.resolve(db_session=db_session, name="info@acme.com")
    jane = service.resolve(db_session=db_session, name="jane@acme.com")
    assert (report.created, report.companies_added) == (4, 1)
    assert (jane.company_id, jane.city) == (acme.id, "Berlin")
    assert count(db_session) == 5  # Initech, which the file only names, is added once
    assert len(service.find(db_session=db_session, text="acme corp")) == 3


def test_a_number_given_twice_refuses_the_import(db_session, actor, tmp_path):
    path = write(tmp_path, "no,name\nCT000005,First\n,Numbered\nct000005,Second\n")

    with pytest.raises(InvalidInput, match="CT000005 is given twice, on lines 2 and 4"):
        run_import(db_session, actor, path)

    assert count(db_session) == 0


def test_a_value_longer_than_its_column_is_a_broken_row(db_session, actor, tmp_path):
    path = write(tmp_path, f"name,job_title\nJane Roe,{'x' * 101}\nJohn Doe,Buyer\n")

    report = run_import(db_session, actor, path, on_error="skip")

    assert [(e.line, e.message) for e in report.errors] == [
        (2, "job_title is longer than 100 characters")
    ]
    assert report.created == 1


def test_an_update_follows_the_rules_of_an_edit(db_session, actor, tmp_path):
    acme = service.create(
        db_session=db_session,
        actor=actor,
        name="Acme Corp",
        email="info@acme.com",
        values={"city": "Bonn"},
    )
    jane = service.create(
        db_session=db_session,
        actor=actor,
        name="Jane Roe",
        type=ContactType.PERSON,
        company=acme,
        email="jane@acme.com",
    )
    text = "name,email,phone,city\nAcme Corp,info@acme.com,+49 30 555 0199,Berlin\nNew Co,,,\n"
    progress = Recorder()

    report = run_import(
        db_session, actor, write(tmp_path, text), dedupe="update", progress=progress
    )

    db_session.expire_all()
    assert (report.updated, report.created) == (1, 1)
    assert progress.done == progress.total == 2
    assert jane.city == "Berlin"  # she held the company's old city, so she moves with it
    hits = service.find(db_session=db_session, text="+49 30 555 0199")
    assert hits and hits[0].name == "Acme Corp"

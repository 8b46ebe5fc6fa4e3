"""Number series hand out each number once."""

from crm.numbering import next_number


def test_numbers_follow_the_series(db_session):
    first = next_number(db_session, "CONTACT")
    second = next_number(db_session, "CONTACT")

    assert first.startswith("CT") and len(first) == 8
    assert int(second[2:]) == int(first[2:]) + 1

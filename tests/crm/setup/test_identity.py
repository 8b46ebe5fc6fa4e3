"""Who is who: a Slack user is a salesperson by stored id, else by profile e-mail."""

import pytest

from crm.errors import Forbidden, NotFound
from crm.setup import identity
from crm.setup.models import Salesperson


@pytest.fixture
def max_(db_session):
    person = Salesperson(code="MAX", name="Max", email="max@x.test", search_email="max@x.test")
    db_session.add(person)
    db_session.flush()
    return person


def test_the_profile_email_links_a_salesperson_once(db_session, max_):
    asked = []

    def email():
        asked.append(1)
        return "MAX@x.test"

    first = identity.resolve_slack_user(
        db_session=db_session, slack_user_id="U1", fetch_email=email
    )
    again = identity.resolve_slack_user(
        db_session=db_session, slack_user_id="U1", fetch_email=email
    )

    assert first is again is max_ and max_.slack_user_id == "U1"
    assert len(asked) == 1


def test_an_email_already_linked_to_another_slack_user_is_not_taken_over(db_session, max_):
    max_.slack_user_id = "U1"

    with pytest.raises(NotFound, match="does not know you"):
        identity.resolve_slack_user(
            db_session=db_session, slack_user_id="U2", fetch_email=lambda: "max@x.test"
        )


def test_a_user_without_an_email_gets_the_way_in(db_session, max_):
    with pytest.raises(NotFound) as refused:
        identity.resolve_slack_user(
            db_session=db_session, slack_user_id="U9", fetch_email=lambda: None
        )

    assert "setup salesperson add" in refused.value.hint


def test_a_blocked_salesperson_is_refused(db_session, max_):
    max_.slack_user_id, max_.blocked = "U1", True

    with pytest.raises(Forbidden, match="blocked"):
        identity.resolve_slack_user(
            db_session=db_session, slack_user_id="U1", fetch_email=lambda: None
        )

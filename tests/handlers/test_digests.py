"""`digest add|list|preview|remove` as a user types them."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.jobs.models import JobRequest
from handlers.dispatch import Status
from tests.scheduler.campaign_data import build_campaign


def test_a_digest_is_added_listed_previewed_and_removed(run, db_session: Session):
    build_campaign(db_session, size=2, tag="H")
    db_session.commit()

    added = run("digest add SMH channel=#CSALES every=weekly day=fri at=16:00 tz=Europe/Paris")
    listed = run("digest list")
    preview = run(f"digest preview {added.view.data['digest']}")
    removed = run(f"digest remove {added.view.data['digest']}")

    assert added.status is Status.DONE, added.view
    assert "weekly on fri at 16:00 Europe/Paris" in added.view.text
    assert listed.view.rows[0][1:4] == ["SMH", "CSALES", "weekly on fri at 16:00 Europe/Paris"]
    assert "Nothing changed" in preview.view.subtitle
    assert removed.status is Status.DONE
    assert run("digest list").view.rows == []
    syncs = db_session.scalars(select(JobRequest.action).where(JobRequest.action == "sync"))
    assert len(list(syncs)) == 2


def test_a_digest_needs_a_destination_at_the_console(run, db_session: Session):
    build_campaign(db_session, size=2, tag="H")
    db_session.commit()

    result = run("digest add SMH")

    assert result.status is Status.REFUSED and result.view.data["field"] == "channel"


def test_a_bad_zone_or_time_is_refused_on_its_field(run, db_session: Session):
    build_campaign(db_session, size=2, tag="H")
    db_session.commit()

    zone = run("digest add SMH channel=C1 tz=Mars/Olympus")
    time = run("digest add SMH channel=C1 at=25:00")
    unknown = run("digest add SM404 channel=C1")

    assert zone.view.data["field"] == "tz" and time.view.data["field"] == "at"
    assert unknown.status is Status.REFUSED

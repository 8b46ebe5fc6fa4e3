"""`campaign send|pause|resume|status` as a user types them."""

import datetime as dt

from sqlalchemy.orm import Session

from crm.sends.models import CampaignSend
from handlers.dispatch import Status
from tests.scheduler.campaign_data import build_campaign


def test_campaign_send_schedules_a_send_for_now(run, db_session: Session):
    data = build_campaign(db_session, size=3)
    db_session.commit()

    result = run(f"campaign send {data.campaign_no} template=EMAIL")

    assert result.status is Status.DONE, result.view
    assert "sent now" in result.view.text
    send = db_session.get(CampaignSend, result.view.data["send"])
    assert send.status == "scheduled"


def test_campaign_send_at_a_later_time_and_status_pause_resume(run, db_session: Session):
    data = build_campaign(db_session, size=3)
    db_session.commit()
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()

    sent = run(f"campaign send {data.campaign_no} at={tomorrow}_14:30 template=EMAIL")
    status = run(f"campaign status {data.campaign_no}")
    paused = run(f"campaign pause {data.campaign_no}")
    again = run(f"campaign pause {data.campaign_no}")
    resumed = run(f"campaign resume {data.campaign_no}")

    assert sent.status is Status.DONE and "14:30" in sent.view.text
    assert ("Status", "scheduled") in status.view.fields
    assert paused.status is Status.DONE
    assert again.status is Status.REFUSED
    assert resumed.status is Status.DONE


def test_a_second_send_while_one_is_under_way_is_refused(run, db_session: Session):
    data = build_campaign(db_session, size=3)
    db_session.commit()
    run(f"campaign send {data.campaign_no} template=EMAIL")

    result = run(f"campaign send {data.campaign_no} template=EMAIL")

    assert result.status is Status.REFUSED
    assert "under way" in result.view.text


def test_a_time_in_the_past_is_refused_on_the_at_field(run, db_session: Session):
    data = build_campaign(db_session, size=3)
    db_session.commit()

    result = run(f"campaign send {data.campaign_no} at=2020-01-01 template=EMAIL")

    assert result.status is Status.REFUSED
    assert result.view.data["field"] == "at"


def test_a_send_needs_an_interaction_template(run, db_session: Session):
    data = build_campaign(db_session, size=3)
    db_session.commit()

    result = run(f"campaign send {data.campaign_no}")

    assert result.status is Status.REFUSED
    assert result.view.data["field"] == "template"

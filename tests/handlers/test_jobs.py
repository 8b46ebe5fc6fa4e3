"""`jobs ...` and `notify ...` as an admin and a salesperson type them."""

from sqlalchemy.orm import Session

from crm.jobs import service as job_service
from crm.setup.models import Salesperson
from handlers.dispatch import Status


def _jobs(db_session: Session) -> None:
    for job_id in ("task-reminders", "campaign-sends"):
        job_service.save_state(
            db_session=db_session,
            job_id=job_id,
            description=f"The {job_id} job",
            schedule="every 5 minutes",
            next_run_at=None,
        )
    db_session.commit()


def test_jobs_list_shows_each_job_with_its_schedule(run, db_session: Session):
    _jobs(db_session)

    result = run("jobs list")

    assert result.status is Status.DONE
    assert result.view.keys == ["campaign-sends", "task-reminders"]
    assert result.view.rows[0][2] == "every 5 minutes"


def test_jobs_are_for_admins_only(run, db_session: Session):
    _jobs(db_session)

    result = run("jobs pause task-reminders", admin=False)

    assert result.status is Status.REFUSED
    assert "admins" in result.view.text


def test_a_paused_job_cannot_be_run_until_resumed(run, db_session: Session):
    _jobs(db_session)

    assert run("jobs pause task-reminders").status is Status.DONE
    refused = run("jobs run task-reminders")
    assert refused.status is Status.REFUSED and "resume" in refused.view.hint
    assert run("jobs resume task-reminders").status is Status.DONE
    assert run("jobs run task-reminders").status is Status.DONE


def test_an_unknown_job_is_named_with_the_close_one(run, db_session: Session):
    _jobs(db_session)

    result = run("jobs run task-reminder")

    assert result.status is Status.REFUSED
    assert "task-reminders" in result.view.hint


def test_a_salesperson_switches_reminders_off_and_sets_the_lead_time(run, db_session: Session):
    db_session.add(Salesperson(code="ANNA", name="Anna Berg"))
    db_session.commit()

    result = run("notify set reminders=off before=15", user="ANNA")

    assert result.status is Status.DONE
    assert ("Task reminders", "off") in result.view.fields
    assert ("Remind before", "15 minutes") in result.view.fields
    assert ("Morning summary", "on") in run("notify show", user="ANNA").view.fields


def test_notify_refuses_a_bad_hour_naming_the_field(run, db_session: Session):
    db_session.add(Salesperson(code="ANNA", name="Anna Berg"))
    db_session.commit()

    result = run("notify set hour=25", user="ANNA")

    assert result.status is Status.REFUSED
    assert result.view.data["field"] == "hour"

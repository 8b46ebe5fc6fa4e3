"""Campaign e-mail content, preview and the final recipient list with exclusion reasons."""

import datetime as dt

import pytest

from crm.campaigns import audience, content, service, suppression
from crm.errors import Conflict, InvalidInput
from crm.segments import criteria as crit
from crm.segments import service as segment_service
from mail.templates import SandboxRenderer
from tests.crm.segments.world import build

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def world(db_session, actor):
    return build(db_session, actor)


@pytest.fixture
def campaign(db_session, actor, world):
    campaign = service.create(
        db_session=db_session, actor=actor, data=service.CampaignData("Spring fair")
    )
    data = segment_service.SegmentCreate("Fair", salesperson="SAM")
    segment = segment_service.create(db_session=db_session, actor=actor, data=data, today=TODAY)
    criteria = crit.parse(
        db_session=db_session, options={"type": "person", "ignore_exclusion": "yes"}, today=TODAY
    )
    segment_service.run_action(
        db_session=db_session,
        actor=actor,
        segment=segment,
        action=crit.Action.ADD,
        criteria=criteria,
    )
    service.link_segment(db_session=db_session, actor=actor, campaign=campaign, segment=segment)
    return campaign


def test_recipients_carry_the_reason_each_excluded_contact_is_out(db_session, world, campaign):
    world["Eve"].exclude_from_segments = True
    suppression.add(db_session=db_session, address="DAN@beta.example", reason="unsubscribed")
    suppression.add(db_session=db_session, address="fay@solo.example", reason="bounced")
    found = {
        r.name: r.excluded for r in audience.recipients(db_session=db_session, campaign=campaign)
    }
    assert found == {
        "Ann": None,
        "Bob": "no e-mail",
        "Cat": "privacy blocked",
        "Dan": "unsubscribed",
        "Eve": "excluded from segments",
        "Fay": "bounced",
    }


def test_content_is_checked_before_it_is_stored(db_session, actor, world, campaign):
    renderer = SandboxRenderer()
    with pytest.raises(InvalidInput) as refused:
        content.set_content(
            db_session=db_session,
            actor=actor,
            campaign=campaign,
            renderer=renderer,
            subject="Hi {{ contact.first_name }}",
            html="<p>\n{{ contact.shoe_size }}</p>",
        )
    assert refused.value.field == "html" and "line 2" in refused.value.message
    assert campaign.email_subject is None  # nothing half-saved
    content.set_content(
        db_session=db_session,
        actor=actor,
        campaign=campaign,
        renderer=renderer,
        subject="Hi {{ contact.first_name }}",
        html="<p>{{ contact.name }}</p>",
        text="Dear {{ contact.first_name }}, from {{ contact.salesperson.name }}",
    )
    rendered = content.preview(
        db_session=db_session, campaign=campaign, contact=world["Ann"], renderer=renderer
    )
    assert rendered.subject == "Hi Ann"
    assert rendered.text == "Dear Ann, from Sam Seller"
    assert rendered.html == "<p>Ann</p>"


def test_preview_without_content_is_refused(db_session, world, campaign):
    with pytest.raises(Conflict):
        content.preview(
            db_session=db_session,
            campaign=campaign,
            contact=world["Ann"],
            renderer=SandboxRenderer(),
        )


def test_templates_see_plain_data_only(db_session, world):
    fields = content.contact_fields(db_session=db_session, contact=world["Ann"])
    values = list(fields["contact"].values())
    assert all(isinstance(value, str | dict) for value in values)
    assert fields["contact"]["salesperson"] == {
        "code": "SAM",
        "name": "Sam Seller",
        "email": "sam@us.example",
    }

"""Setup rows the interaction, opportunity and task tests share: templates, cycles, people."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from crm.audit import Actor
from crm.contacts import service as contacts
from crm.contacts.models import Contact, ContactType
from crm.interactions import setup as interaction_setup
from crm.interactions.models import InformationFlow, InitiatedBy
from crm.opportunities import setup as pipeline
from crm.opportunities.models import CloseType, ProbabilityMethod
from crm.setup.models import Role, Salesperson, Team, TeamMember
from crm.tasks import setup as activities


@dataclass
class Seed:
    company: Contact
    person: Contact
    other: Contact


def seed(db_session: Session, actor: Actor) -> Seed:
    """Create salespeople, a team, templates, the NEW and EXISTING cycles and close codes."""
    for code, name, role in (("ANN", "Ann Admin", Role.ADMIN), ("BOB", "Bob Seller", Role.MEMBER)):
        db_session.add(Salesperson(code=code, name=name, role=role.value))
    db_session.add(Salesperson(code="OLD", name="Old Timer", blocked=True))
    db_session.flush()
    team = Team(code="NORTH", name="North")
    team.members = [TeamMember(salesperson_code="ANN"), TeamMember(salesperson_code="BOB")]
    db_session.add(team)

    interaction_setup.create_group(db_session=db_session, code="PHONE", description="Phone")
    interaction_setup.create_group(db_session=db_session, code="MEETING", description="Meetings")
    for code, group, cost, minutes, flow, initiated in (
        ("CALL_OUT", "PHONE", "2.50", 10, InformationFlow.OUTBOUND, InitiatedBy.US),
        ("CALL_IN", "PHONE", "0", 5, InformationFlow.INBOUND, InitiatedBy.THEM),
        ("MEET", "MEETING", "40", 60, InformationFlow.OUTBOUND, InitiatedBy.US),
    ):
        interaction_setup.create_template(
            db_session=db_session,
            code=code,
            data=interaction_setup.TemplateData(
                group=group,
                unit_cost=Decimal(cost),
                unit_duration_min=minutes,
                information_flow=flow,
                initiated_by=initiated,
            ),
        )
    interaction_setup.set_template_setup(
        db_session=db_session, phone_call="CALL_OUT", meeting="MEET"
    )

    activities.create_activity(db_session=db_session, code="FOLLOWUP", description="Follow up")
    activities.add_step(
        db_session=db_session,
        activity="FOLLOWUP",
        data=activities.StepData(description="Call back", type="phone_call", date_formula="2D"),
    )
    activities.add_step(
        db_session=db_session,
        activity="FOLLOWUP",
        data=activities.StepData(description="Send summary", date_formula="1W"),
    )
    new_cycle(db_session)
    existing_cycle(db_session)
    for code, kind in (("PRICE_W", CloseType.WON), ("PRICE_L", CloseType.LOST)):
        pipeline.create_close_code(db_session=db_session, code=code, type=kind)

    company = contacts.create(db_session=db_session, actor=actor, name="Acme Corp")
    person = contacts.create(
        db_session=db_session,
        actor=actor,
        name="Jane Roe",
        type=ContactType.PERSON,
        company=company,
    )
    other = contacts.create(db_session=db_session, actor=actor, name="Globex")
    person.salesperson = "BOB"
    db_session.flush()
    return Seed(company, person, other)


def new_cycle(db_session: Session) -> None:
    """Business Central's demo cycle NEW: probability = chances of success."""
    pipeline.create_cycle(
        db_session=db_session, code="NEW", method=ProbabilityMethod.CHANCES, default=True
    )
    for stage, name, completed, chances, quote, skip, formula, activity in (
        (1, "Initial", "2", "10", False, False, "1M", None),
        (2, "Qualification", "5", "20", False, False, None, "FOLLOWUP"),
        (3, "Presentation", "40", "50", True, True, None, None),
        (4, "Proposal", "60", "75", True, False, None, None),
        (5, "Sign Contract", "95", "100", True, False, None, None),
    ):
        pipeline.create_stage(
            db_session=db_session,
            cycle="NEW",
            stage=stage,
            data=pipeline.StageData(
                description=name,
                completed_pct=Decimal(completed),
                chances_pct=Decimal(chances),
                quote_required=quote,
                allow_skip=skip,
                date_formula=formula,
                activity_code=activity,
            ),
        )


def existing_cycle(db_session: Session) -> None:
    """Business Central's demo cycle EXISTING: probability = completed %."""
    pipeline.create_cycle(
        db_session=db_session, code="EXISTING", method=ProbabilityMethod.COMPLETED
    )
    for stage, name, completed, chances, quote, skip in (
        (1, "Initial", "2", "10", False, True),
        (2, "Presentation", "50", "40", False, True),
        (3, "Proposal", "80", "80", True, False),
        (4, "Sign Contract", "95", "100", True, False),
    ):
        pipeline.create_stage(
            db_session=db_session,
            cycle="EXISTING",
            stage=stage,
            data=pipeline.StageData(
                description=name,
                completed_pct=Decimal(completed),
                chances_pct=Decimal(chances),
                quote_required=quote,
                allow_skip=skip,
            ),
        )

"""Demo activities: templates, the NEW and EXISTING cycles, a year of interactions, deals, tasks."""

import datetime as dt
import logging
import random
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.audit import Actor
from crm.contacts.models import Contact
from crm.interactions import service as interactions
from crm.interactions import setup as interaction_setup
from crm.interactions.models import (
    Evaluation,
    InformationFlow,
    InitiatedBy,
    InteractionGroup,
    InteractionTemplate,
)
from crm.opportunities import service as opps
from crm.opportunities import setup as pipeline
from crm.opportunities.models import (
    CloseOpportunityCode,
    CloseType,
    Priority,
    ProbabilityMethod,
    SalesCycle,
)
from crm.setup.models import Salesperson, Team
from crm.setup.service import get_marketing_setup
from crm.tasks import service as tasks
from crm.tasks import setup as activities
from crm.tasks.models import Activity, SystemTaskType, Task, TaskType

log = logging.getLogger(__name__)

GROUPS = {
    "EMAIL": "E-mail",
    "PHONE": "Phone calls",
    "MEETING": "Meetings",
    "LETTER": "Letters",
    "SALES": "Sales documents",
}
# code: group, description, unit cost, minutes, flow, initiated by
TEMPLATES = {
    "EMAIL": ("EMAIL", "E-mail", "0", 5, "", ""),
    "CALL_OUT": ("PHONE", "Outgoing call", "1.50", 10, "outbound", "us"),
    "CALL_IN": ("PHONE", "Incoming call", "0", 10, "inbound", "them"),
    "MEETING": ("MEETING", "Meeting", "35", 60, "outbound", "us"),
    "LETTER": ("LETTER", "Letter", "2.20", 15, "outbound", "us"),
    "QUOTE": ("SALES", "Quote sent", "0", 20, "outbound", "us"),
}
# code, completed %, chances %, quote required, allow skip, formula, activity: section 5.1.
CYCLES = {
    "NEW": (
        "New business",
        ProbabilityMethod.CHANCES,
        [
            ("Initial", "2", "10", False, False, "1M", "INITIAL"),
            ("Qualification", "5", "20", False, False, "1M", None),
            ("Presentation", "40", "50", True, True, "3W", "PRESENT"),
            ("Proposal", "60", "75", True, False, "2W", "PROPOSAL"),
            ("Sign Contract", "95", "100", True, False, "1W", None),
        ],
    ),
    "EXISTING": (
        "Existing customers",
        ProbabilityMethod.COMPLETED,
        [
            ("Initial", "2", "10", False, True, "1M", None),
            ("Presentation", "50", "40", False, True, "3W", "PRESENT"),
            ("Proposal", "80", "80", True, False, "2W", "PROPOSAL"),
            ("Sign Contract", "95", "100", True, False, "1W", None),
        ],
    ),
}
ACTIVITIES = {
    "INITIAL": ("First contact", [("phone_call", "Introductory call", "2D")]),
    "PRESENT": (
        "Presentation",
        [("", "Prepare the presentation", "3D"), ("meeting", "Present to the buyer", "1W")],
    ),
    "PROPOSAL": ("Proposal", [("", "Send the proposal", "2D"), ("phone_call", "Follow up", "1W")]),
}
CLOSE_CODES = {
    "PRICE_W": (CloseType.WON, "Best price"),
    "RELATION_W": (CloseType.WON, "Good relationship"),
    "PRODUCT_W": (CloseType.WON, "Product fits best"),
    "PRICE_L": (CloseType.LOST, "Our product was too expensive"),
    "RELATION_L": (CloseType.LOST, "Relationship with a competitor"),
    "WALKED_L": (CloseType.LOST, "The customer walked away"),
    "POSTPND_L": (CloseType.LOST, "Postponed indefinitely"),
}
TOPICS = (
    "Discussed next quarter's order",
    "Asked about delivery times",
    "Sent the price list",
    "Follow-up on the demo",
    "Complaint about an invoice",
    "Introduced the new range",
    "Agreed on a site visit",
    "Checked in after the trade fair",
)
DEALS = ("Coffee machines", "Office fit-out", "Service contract", "Espresso bar", "Vending")


def load_activities(
    *, db_session: Session, actor: Actor, rng: random.Random, today: dt.date
) -> None:
    """Create the activity setup and, for the contacts and salespeople there are, history."""
    load_setup(db_session=db_session)
    salespeople = list(
        db_session.scalars(
            select(Salesperson.code).where(Salesperson.blocked.is_(False)).order_by("code")
        )
    )
    contacts = list(
        db_session.scalars(
            select(Contact).where(Contact.privacy_blocked.is_(False)).order_by(Contact.id)
        )
    )
    if not salespeople or not contacts:
        log.info("Demo activities: no salespeople or contacts yet, setup only")
        return
    logged = _interactions(db_session, actor, rng, today, contacts, salespeople)
    deals = _opportunities(db_session, actor, rng, today, contacts, salespeople)
    todo = _tasks(db_session, actor, rng, today, contacts, salespeople)
    log.info("Demo activities: %d interactions, %d opportunities, %d tasks", logged, deals, todo)


def load_setup(*, db_session: Session) -> None:
    """Create the interaction templates, cycles, close codes and activities the demo uses."""
    for code, description in GROUPS.items():
        if db_session.get(InteractionGroup, code) is None:
            interaction_setup.create_group(
                db_session=db_session, code=code, description=description
            )
    for code, (group, description, cost, minutes, flow, initiated) in TEMPLATES.items():
        if db_session.get(InteractionTemplate, code) is None:
            interaction_setup.create_template(
                db_session=db_session,
                code=code,
                data=interaction_setup.TemplateData(
                    group=group,
                    description=description,
                    unit_cost=Decimal(cost),
                    unit_duration_min=minutes,
                    information_flow=InformationFlow(flow),
                    initiated_by=InitiatedBy(initiated),
                ),
            )
    interaction_setup.set_template_setup(
        db_session=db_session, email="EMAIL", phone_call="CALL_OUT", meeting="MEETING"
    )
    for code, (description, steps) in ACTIVITIES.items():
        if db_session.get(Activity, code) is not None:
            continue
        activities.create_activity(db_session=db_session, code=code, description=description)
        for kind, text, formula in steps:
            activities.add_step(
                db_session=db_session,
                activity=code,
                data=activities.StepData(description=text, type=kind, date_formula=formula),
            )
    for code, (description, method, stages) in CYCLES.items():
        if db_session.get(SalesCycle, code) is not None:
            continue
        pipeline.create_cycle(
            db_session=db_session, code=code, description=description, method=method
        )
        for number, (name, completed, chances, quote, skip, formula, activity) in enumerate(
            stages, 1
        ):
            pipeline.create_stage(
                db_session=db_session,
                cycle=code,
                stage=number,
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
    setup = get_marketing_setup(db_session=db_session)
    setup.default_sales_cycle = setup.default_sales_cycle or "NEW"
    for code, (kind, description) in CLOSE_CODES.items():
        if db_session.get(CloseOpportunityCode, code) is None:
            pipeline.create_close_code(
                db_session=db_session, code=code, type=kind, description=description
            )
    db_session.flush()


def _interactions(
    db_session: Session,
    actor: Actor,
    rng: random.Random,
    today: dt.date,
    contacts: list[Contact],
    salespeople: list[str],
) -> int:
    count = 0
    start = dt.datetime.combine(today, dt.time(9), tzinfo=dt.UTC) - dt.timedelta(days=365)
    evaluations = list(Evaluation)
    for contact in contacts:
        for _ in range(rng.randint(1, 8)):
            moment = start + dt.timedelta(days=rng.randint(0, 364), minutes=rng.randint(0, 540))
            entry = interactions.log_interaction(
                db_session=db_session,
                actor=actor,
                contact=contact,
                data=interactions.InteractionCreate(
                    template=rng.choice(list(TEMPLATES)),
                    description=rng.choice(TOPICS),
                    occurred_at=moment,
                    salesperson=_owner(contact, salespeople, rng),
                    evaluation=rng.choice(evaluations),
                    attempt_failed=rng.random() < 0.08,
                ),
            )
            entry.canceled = rng.random() < 0.03
            count += 1
    return count


def _opportunities(
    db_session: Session,
    actor: Actor,
    rng: random.Random,
    today: dt.date,
    contacts: list[Contact],
    salespeople: list[str],
) -> int:
    # Every stage of both cycles gets a few deals, thinning towards the end as real pipelines
    # do; a year's worth more are won or lost.
    plans: list[tuple[str, int | str]] = [
        (cycle, stage)
        for cycle, (_, _, stages) in CYCLES.items()
        for stage in range(1, len(stages) + 1)
        for _ in range(len(stages) + 2 - stage)
    ]
    plans += [(rng.choice(list(CYCLES)), "won") for _ in range(12)]
    plans += [(rng.choice(list(CYCLES)), "lost") for _ in range(9)]
    won = [code for code, (kind, _) in CLOSE_CODES.items() if kind is CloseType.WON]
    lost = [code for code, (kind, _) in CLOSE_CODES.items() if kind is CloseType.LOST]
    for cycle, target in plans:
        contact = rng.choice(contacts)
        day = today - dt.timedelta(days=rng.randint(130, 330))
        opportunity = opps.create(
            db_session=db_session,
            actor=actor,
            contact=contact,
            data=opps.OpportunityCreate(
                description=rng.choice(DEALS),
                salesperson=_owner(contact, salespeople, rng),
                sales_cycle=cycle,
                estimated_value=Decimal(rng.randrange(2_000, 90_000, 500)),
                estimated_close_date=today + dt.timedelta(days=rng.randint(30, 120)),
                priority=rng.choice(list(Priority)),
                creation_date=day,
            ),
            today=day,
        )
        last = target if isinstance(target, int) else rng.randint(1, len(CYCLES[cycle][2]))
        for _ in range(1, last):
            day += dt.timedelta(days=rng.randint(3, 20))
            opps.update(
                db_session=db_session,
                actor=actor,
                opportunity=opportunity,
                action=opps.UpdateAction.NEXT,
                data=opps.OpportunityUpdate(date_of_change=day),
                today=day,
            )
        day += dt.timedelta(days=rng.randint(3, 20))
        if target == "won":
            opps.win(
                db_session=db_session,
                actor=actor,
                opportunity=opportunity,
                close_code=rng.choice(won),
                date=min(day, today),
            )
        elif target == "lost":
            opps.lose(
                db_session=db_session,
                actor=actor,
                opportunity=opportunity,
                close_code=rng.choice(lost),
                date=min(day, today),
            )
    _finish_old_tasks(db_session, actor, today)
    return len(plans)


def _owner(contact: Contact, salespeople: list[str], rng: random.Random) -> str:
    return contact.salesperson if contact.salesperson in salespeople else rng.choice(salespeople)


def _finish_old_tasks(db_session: Session, actor: Actor, today: dt.date) -> None:
    # Stage activities made tasks along each deal's past; the salespeople did those long ago.
    old = db_session.scalars(
        select(Task).where(
            Task.closed.is_(False),
            Task.due_date < today - dt.timedelta(days=7),
            Task.system_type == SystemTaskType.ORGANIZER.value,
        )
    )
    for task in list(old):
        tasks.close(db_session=db_session, actor=actor, task=task, today=task.due_date)


def _tasks(
    db_session: Session,
    actor: Actor,
    rng: random.Random,
    today: dt.date,
    contacts: list[Contact],
    salespeople: list[str],
) -> int:
    count = 0
    kinds = [TaskType.PHONE_CALL, TaskType.MEETING, TaskType.NONE]
    for salesperson in salespeople:
        for _ in range(3):
            kind = rng.choice(kinds)
            tasks.create(
                db_session=db_session,
                actor=actor,
                data=tasks.TaskCreate(
                    description=rng.choice(("Call back", "Visit", "Send the brochure")),
                    due_date=today + dt.timedelta(days=rng.randint(-5, 21)),
                    type=kind,
                    start_time=dt.time(rng.randint(8, 16), 0) if kind else None,
                    priority=rng.choice(list(Priority)),
                    salesperson=salesperson,
                    duration_min=30,
                ),
                contact=rng.choice(contacts),
            )
            count += 1
    tasks.create(
        db_session=db_session,
        actor=actor,
        data=tasks.TaskCreate(
            description="Weekly pipeline review",
            due_date=today + dt.timedelta(days=(4 - today.weekday()) % 7),
            salesperson=salespeople[0],
            recurring_interval="1W",
        ),
    )
    team = db_session.scalars(select(Team).order_by(Team.code)).first()
    if team is not None and team.members:
        tasks.create(
            db_session=db_session,
            actor=actor,
            data=tasks.TaskCreate(description="Trade fair stand plan", team=team.code),
            today=today,
        )
        count += 1
    return count + 1

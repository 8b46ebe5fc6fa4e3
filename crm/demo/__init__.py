"""Demo data: a small living CRM to look at and to try commands on."""

import datetime as dt
import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.audit import Actor
from crm.contacts import service as contacts
from crm.contacts.models import Contact, ContactType
from crm.demo.activities import load_activities
from crm.setup.models import Role, Salesperson, Team, TeamMember

PEOPLE = (("ADA", "Ada Lindqvist", Role.ADMIN), ("BEN", "Ben Okafor", Role.MEMBER))
COMPANIES = {
    "Nordbrew Coffee": ("Mia Berg", "Lars Holm"),
    "Cafe Central": ("Sofia Marin",),
    "Brightdesk Offices": ("Tom Reyes", "Nina Patel"),
}


def load_demo(
    *, db_session: Session, actor: Actor, seed: int = 7, today: dt.date | None = None
) -> None:
    """Fill an empty CRM with salespeople, contacts and a year of activities."""
    rng = random.Random(seed)
    if not db_session.scalar(select(func.count()).select_from(Salesperson)):
        for code, name, role in PEOPLE:
            db_session.add(Salesperson(code=code, name=name, role=role.value))
        team = Team(code="SALES", name="Sales team")
        team.members = [TeamMember(salesperson_code=code) for code, _, _ in PEOPLE]
        db_session.add(team)
        db_session.flush()
    if not db_session.scalar(select(func.count()).select_from(Contact)):
        for name, persons in COMPANIES.items():
            company = contacts.create(db_session=db_session, actor=actor, name=name)
            company.salesperson = rng.choice(PEOPLE)[0]
            for person in persons:
                created = contacts.create(
                    db_session=db_session,
                    actor=actor,
                    name=person,
                    type=ContactType.PERSON,
                    company=company,
                )
                created.salesperson = company.salesperson
        db_session.flush()
    load_activities(db_session=db_session, actor=actor, rng=rng, today=today or dt.date.today())

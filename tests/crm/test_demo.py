"""The demo company loads the same for the same seed, and once."""

import pytest
from sqlalchemy import func, select

import crm.demo
from crm.contacts.models import Contact, ContactDuplicate
from crm.errors import Conflict
from crm.setup import service as setup_service


def test_demo_is_a_living_crm_and_loads_once(db_session, actor):
    demo = crm.demo.load(db_session=db_session, actor=actor, seed=7)

    count = db_session.scalar(select(func.count()).select_from(Contact))
    assert count == len(demo.companies) + len(demo.persons) and 200 <= count <= 600
    admins = [p for p in setup_service.list_salespeople(db_session=db_session) if p.role == "admin"]
    assert len(admins) == 1
    assert setup_service.list_domains(db_session=db_session) == [crm.demo.OUR_DOMAIN]
    assert db_session.scalar(select(func.count()).select_from(ContactDuplicate)) >= 1
    names = [c.name for c in demo.persons[:5]]
    with pytest.raises(Conflict, match="already loaded"):
        crm.demo.load(db_session=db_session, actor=actor, seed=7)
    assert names == [c.name for c in demo.persons[:5]]


def test_the_same_seed_gives_the_same_demo():
    first = crm.demo._company_names(__import__("random").Random(3))
    assert first == crm.demo._company_names(__import__("random").Random(3))
    assert first != crm.demo._company_names(__import__("random").Random(4))

"""A campaign with a large audience, written with bulk inserts (tests and the benchmark)."""

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from crm.campaigns.models import Campaign, EmailSuppression
from crm.contacts.models import Contact
from crm.interactions.models import InteractionGroup, InteractionTemplate
from crm.segments.models import SegmentHeader, SegmentLine
from crm.setup.models import Salesperson

SUBJECT = "News for {{ contact.first_name }}"
TEXT = "Dear {{ contact.name }},\n\nour spring offer is here.\n\n{{ contact.salesperson.name }}"
HTML = "<p>Dear {{ contact.name }},</p><p>our <b>spring</b> offer is here.</p>"


@dataclass
class CampaignData:
    campaign_no: str
    eligible: set[str] = field(default_factory=set)
    excluded: dict[str, str] = field(default_factory=dict)


def build_campaign(
    session: Session, *, size: int, tag: str = "A", excluded_every: int = 0
) -> CampaignData:
    """Write a campaign, a segment of `size` persons and, every n-th, an excluded one."""
    if session.get(InteractionGroup, "MAIL") is None:
        session.add(InteractionGroup(code="MAIL", description="E-mail"))
        session.flush()
        session.add(
            InteractionTemplate(
                code="EMAIL",
                group_code="MAIL",
                description="Campaign e-mail",
                information_flow="outbound",
                initiated_by="us",
            )
        )
    if session.get(Salesperson, "SP") is None:
        session.add(Salesperson(code="SP", name="Sam Seller", email="sam@rapport.test"))
    session.flush()
    data = CampaignData(campaign_no=f"CP{tag}")
    session.add(
        Campaign(
            no=data.campaign_no,
            description=f"Spring {tag}",
            salesperson="SP",
            email_subject=SUBJECT,
            email_text=TEXT,
            email_html=HTML,
        )
    )
    session.flush()
    contacts, suppressed = [], []
    for i in range(size):
        address = f"p{i}.{tag.lower()}@example.com"
        blocked = unsubscribed = bounced = False
        kind = i % excluded_every if excluded_every else -1
        if excluded_every and kind == 1:
            blocked = True
            data.excluded[address] = "privacy blocked"
        elif excluded_every and kind == 2:
            unsubscribed = True
            data.excluded[address] = "unsubscribed"
        elif excluded_every and kind == 3:
            bounced = True
            data.excluded[address] = "bounced"
        else:
            data.eligible.add(address)
        contacts.append(
            {
                "no": f"C{tag}{i:06d}",
                "type": "person",
                "name": f"Person {i}",
                "first_name": f"First{i}",
                "search_name": f"PERSON {i}",
                "email": address,
                "search_email": address,
                "salesperson": "SP",
                "privacy_blocked": blocked,
            }
        )
        if unsubscribed or bounced:
            suppressed.append(
                {
                    "address": address,
                    "reason": "unsubscribed" if unsubscribed else "bounced",
                    "at": dt.datetime.now(dt.UTC),
                }
            )
    session.execute(insert(Contact), contacts)
    if suppressed:
        session.execute(insert(EmailSuppression), suppressed)
    segment = SegmentHeader(
        no=f"SM{tag}",
        description=f"Spring list {tag}",
        date=dt.date.today(),
        campaign_no=data.campaign_no,
    )
    session.add(segment)
    session.flush()
    ids = session.scalars(select(Contact.id).where(Contact.no.like(f"C{tag}%")))
    session.execute(
        insert(SegmentLine), [{"segment_id": segment.id, "contact_id": cid} for cid in ids]
    )
    session.flush()
    return data

"""A demo company to explore: salespeople, teams, code lists and a few hundred contacts."""

import datetime as dt
import logging
import random
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.audit import Actor
from crm.contacts import service as contact_service
from crm.contacts.models import Contact, ContactType
from crm.contacts.search import fold
from crm.demo.activities import load_activities
from crm.errors import Conflict
from crm.progress import NoProgress, Progress
from crm.setup import service as setup_service
from crm.setup.models import Salesperson

log = logging.getLogger(__name__)

OUR_DOMAIN = "cronus-demo.com"
SALESPEOPLE = (
    ("AL", "Alicia Lopez", "admin", "Europe/Madrid"),
    ("BK", "Ben Keller", "member", "Europe/Berlin"),
    ("CH", "Chloé Haddad", "member", "Europe/Paris"),
    ("DM", "Dan Murphy", "member", "Europe/Dublin"),
    ("EN", "Emma Nakamura", "member", "America/New_York"),
    ("FS", "Finn Sørensen", "member", "Europe/Copenhagen"),
)
TEAMS = {"EMEA": ("Team Europe", ("AL", "BK", "CH", "DM", "FS")), "NA": ("Team Americas", ("EN",))}
CODES = {
    "relation": {"CUST": "Customer", "PROS": "Prospect", "PART": "Partner", "VEND": "Vendor"},
    "industry": {
        "MANU": "Manufacturing",
        "RETAIL": "Retail",
        "SOFT": "Software",
        "FIN": "Financial services",
        "HEALTH": "Healthcare",
        "LOGI": "Logistics",
    },
    "mailing": {"NEWS": "Newsletter", "GIFT": "Holiday gift", "EVENT": "Event invitations"},
    "job": {"PURCH": "Purchasing", "IT": "IT decisions", "FINANCE": "Finance", "CEO": "Management"},
    "level": {"EXEC": "Executive", "MGR": "Manager", "STAFF": "Staff"},
    "territory": {"NORTH": "North", "SOUTH": "South", "WEST": "West", "EAST": "East"},
}
CITIES = (
    ("Berlin", "10115", "DE", "+49 30"),
    ("Munich", "80331", "DE", "+49 89"),
    ("Hamburg", "20095", "DE", "+49 40"),
    ("Paris", "75002", "FR", "+33 1"),
    ("Lyon", "69002", "FR", "+33 4"),
    ("Madrid", "28013", "ES", "+34 91"),
    ("Dublin", "D02 X285", "IE", "+353 1"),
    ("London", "EC1A 1BB", "GB", "+44 20"),
    ("Manchester", "M1 1AE", "GB", "+44 161"),
    ("Copenhagen", "1050", "DK", "+45 33"),
    ("Amsterdam", "1012 JS", "NL", "+31 20"),
    ("New York", "10001", "US", "+1 212"),
    ("Chicago", "60601", "US", "+1 312"),
    ("Toronto", "M5H 2N2", "CA", "+1 416"),
)
STREETS = (
    "Market Street",
    "Station Road",
    "Harbour Way",
    "Mill Lane",
    "Park Avenue",
    "King Street",
    "Bridge Road",
    "Church Street",
    "Garden Row",
    "River Walk",
)
FIRST = (
    "Anna",
    "Lukas",
    "Sofia",
    "Mateo",
    "Olivia",
    "Noah",
    "Emma",
    "Liam",
    "Mia",
    "Elias",
    "Léa",
    "Hugo",
    "Clara",
    "Jonas",
    "Ines",
    "Oscar",
    "Maya",
    "Felix",
    "Zoe",
    "Arjun",
    "Priya",
    "Tomás",
    "Sara",
    "David",
    "Laura",
    "Marco",
    "Yuki",
    "Omar",
    "Nina",
    "Paul",
)
SURNAMES = (
    "Müller",
    "Schmidt",
    "Dubois",
    "García",
    "Murphy",
    "O'Brien",
    "Rossi",
    "Jensen",
    "de Vries",
    "Smith",
    "Johnson",
    "Brown",
    "Novak",
    "Kowalski",
    "Nielsen",
    "Martin",
    "Bernard",
    "Fischer",
    "Weber",
    "Walsh",
    "Moreau",
    "Lopez",
    "Andersen",
    "Taylor",
    "Wilson",
    "Khan",
    "Patel",
    "Silva",
    "Costa",
    "Meyer",
)
COMPANY_FIRST = (
    "Northwind",
    "Fabrikam",
    "Contoso",
    "Tailspin",
    "Adatum",
    "Litware",
    "Proseware",
    "Wingtip",
    "Woodgrove",
    "Alpine",
    "Blue Yonder",
    "Coho",
    "Fourth Coffee",
    "Graphic Design",
    "Humongous",
    "Lucerne",
    "Margie's",
    "Nod",
    "Southridge",
    "Trey",
    "Wide World",
    "Bellows",
    "Relecloud",
    "Datum",
    "Vanarsdel",
    "Olympia",
    "Kestrel",
    "Harbor",
    "Summit",
    "Granite",
)
COMPANY_LAST = (
    "Traders",
    "Logistics",
    "Software",
    "Bank",
    "Health",
    "Foods",
    "Systems",
    "Industries",
    "Retail",
    "Partners",
)
LEGAL = ("GmbH", "Ltd", "Inc", "SA", "BV", "AG", "LLC", "")
JOBS = (
    ("CEO", "EXEC", "CEO"),
    ("Head of Purchasing", "MGR", "PURCH"),
    ("CFO", "EXEC", "FINANCE"),
    ("IT Manager", "MGR", "IT"),
    ("Buyer", "STAFF", "PURCH"),
    ("Office Manager", "STAFF", None),
    ("Sales Director", "EXEC", None),
)
INDUSTRY_OF = {
    "Traders": "RETAIL",
    "Logistics": "LOGI",
    "Software": "SOFT",
    "Bank": "FIN",
    "Health": "HEALTH",
    "Foods": "MANU",
    "Systems": "SOFT",
    "Industries": "MANU",
    "Retail": "RETAIL",
    "Partners": "FIN",
}


@dataclass
class Demo:
    """What the demo loaded; other areas' demo data builds on it."""

    seed: int
    salespeople: list[str] = field(default_factory=list)
    companies: list[Contact] = field(default_factory=list)
    persons: list[Contact] = field(default_factory=list)


def load(
    *,
    db_session: Session,
    actor: Actor,
    progress: Progress | None = None,
    seed: int = 1,
    today: dt.date | None = None,
) -> Demo:
    """Load the demo company, the same for the same seed; refuse if it is there already."""
    progress = progress or NoProgress()
    if db_session.get(Salesperson, SALESPEOPLE[0][0]) is not None:
        raise Conflict(
            "The demo is already loaded (salesperson AL exists).",
            hint="Start from an empty database (a new RAPPORT_DATABASE_URL) to load it again.",
        )
    rng = random.Random(seed)
    demo = Demo(seed=seed)
    _setup(db_session, actor, demo)
    companies = _company_names(rng)
    progress.start(len(companies), "Loading the demo")
    # Generated names are distinct by construction: searching each for duplicates would only
    # slow the load down. The setting is restored before the one look-alike goes in.
    setup = setup_service.get_marketing_setup(db_session=db_session)
    autosearch, setup.autosearch_duplicates = setup.autosearch_duplicates, False
    for name in companies:
        _company(db_session, actor, rng, demo, name)
        progress.advance()
    setup.autosearch_duplicates = autosearch
    _look_alike(db_session, actor, demo)
    progress.finish()
    # Interactions, opportunities and tasks of the demo live with their own area.
    load_activities(db_session=db_session, actor=actor, rng=rng, today=today or dt.date.today())
    log.info("Demo loaded: %d companies, %d persons", len(demo.companies), len(demo.persons))
    return demo


def count_contacts(*, db_session: Session) -> int:
    """Return how many contacts there are: none means the demo may help a newcomer."""
    return db_session.scalar(select(func.count()).select_from(Contact)) or 0


def _setup(db_session: Session, actor: Actor, demo: Demo) -> None:
    for code, name, role, zone in SALESPEOPLE:
        first = _slug(name.split()[0])
        setup_service.create_salesperson(
            db_session=db_session,
            actor=actor,
            code=code,
            name=name,
            values={"email": f"{first}@{OUR_DOMAIN}", "role": role, "time_zone": zone},
        )
        demo.salespeople.append(code)
    for code, (name, members) in TEAMS.items():
        setup_service.create_team(db_session=db_session, code=code, name=name)
        for member in members:
            setup_service.set_team_member(
                db_session=db_session, team=code, salesperson=member, member=True
            )
    for kind, codes in CODES.items():
        existing = {c.code for c in setup_service.list_codes(db_session=db_session, kind=kind)}
        for code, description in codes.items():
            if code not in existing:
                setup_service.create_code(
                    db_session=db_session, kind=kind, code=code, description=description
                )
    if OUR_DOMAIN not in setup_service.list_domains(db_session=db_session):
        setup_service.create_domain(db_session=db_session, domain=OUR_DOMAIN)


def _company_names(rng: random.Random) -> list[str]:
    names: dict[str, str] = {}
    while len(names) < 80:
        core = f"{rng.choice(COMPANY_FIRST)} {rng.choice(COMPANY_LAST)}"
        names.setdefault(core, f"{core} {rng.choice(LEGAL)}".strip())
    return sorted(names.values())


def _slug(text: str) -> str:
    return "".join(ch for ch in fold(text).replace("ø", "o") if ch.isascii() and ch.isalnum())


def _company(db_session: Session, actor: Actor, rng: random.Random, demo: Demo, name: str) -> None:
    city, post_code, country, prefix = rng.choice(CITIES)
    core = " ".join(w for w in name.split() if w not in LEGAL)
    domain = _slug(core) + rng.choice((".com", ".eu", ".io"))
    industry = INDUSTRY_OF[core.split()[-1]]
    company = contact_service.create(
        db_session=db_session,
        actor=actor,
        name=name,
        type=ContactType.COMPANY,
        email=f"info@{domain}",
        phone=f"{prefix} {rng.randint(1000000, 9999999)}",
        values={
            "address": f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
            "city": city,
            "post_code": post_code,
            "country": country,
            "home_page": f"https://www.{domain}",
            "salesperson": rng.choice(demo.salespeople),
            "territory": rng.choice(tuple(CODES["territory"])),
            "relation": rng.choice(("CUST", "CUST", "PROS", "PROS", "PART", "VEND")),
            "industry": industry,
            "mailing": rng.choice(("NEWS", "NEWS,GIFT", "", "EVENT")),
            "vat": f"{country}{rng.randint(100000000, 999999999)}",
        },
    )
    demo.companies.append(company)
    for _ in range(rng.choice((0, 1, 2, 3, 3, 4, 5))):
        first, last = rng.choice(FIRST), rng.choice(SURNAMES)
        title, level, job = rng.choice(JOBS)
        values = {
            "job_title": title,
            "level": level,
            "mobile": f"{prefix} {rng.randint(10000000, 99999999)}",
            "email": f"{_slug(first)}.{_slug(last)}@{domain}",
        }
        if job:
            values["job"] = job
        if rng.random() < 0.3:
            values["mailing"] = "NEWS"
        demo.persons.append(
            contact_service.create(
                db_session=db_session,
                actor=actor,
                name=f"{first} {last}",
                type=ContactType.PERSON,
                company=company,
                values=values,
            )
        )


def _look_alike(db_session: Session, actor: Actor, demo: Demo) -> None:
    # One company typed in twice, as happens in every CRM: `contact dupes` shows the pair.
    original = demo.companies[0]
    copy = contact_service.create(
        db_session=db_session,
        actor=actor,
        name=original.name.upper().replace(" ", "  ", 1).strip() + ".",
        type=ContactType.COMPANY,
        email=original.email,
        phone=original.phone,
        values={"city": original.city or "", "address": original.address or ""},
    )
    demo.companies.append(copy)

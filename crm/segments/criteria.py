"""Segment criteria: parse `key=value` filters, check them, and compile them to SQL conditions."""

import datetime as dt
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.orm.util import AliasedClass

from crm.campaigns.models import Campaign
from crm.contacts.models import (
    Contact,
    ContactBusinessRelation,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactMailingGroup,
    ContactType,
)
from crm.errors import InvalidInput
from crm.interactions.models import Evaluation, InteractionLogEntry, InteractionTemplate
from crm.opportunities.models import (
    Opportunity,
    OpportunityEntry,
    OpportunityStatus,
    SalesCycle,
)
from crm.segments.models import LoggedSegment
from crm.setup.models import (
    BusinessRelation,
    IndustryGroup,
    JobResponsibility,
    MailingGroup,
    Salesperson,
    Territory,
)
from crm.tasks.models import Task, TaskStatus, TaskType
from crm.values import parse_bool, parse_date, parse_int


class Action(StrEnum):
    """What a criteria action does with the contacts that match."""

    ADD = "add"
    REDUCE = "reduce"  # remove those that match
    REFINE = "refine"  # keep only those that match


@dataclass(frozen=True)
class Field:
    """One criteria key: how its values are read and checked."""

    key: str
    help: str
    kind: str  # "enum", "code", "text", "date", "int"
    choices: tuple[str, ...] = ()
    code: Any = None  # the code column values must exist in


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum if member.value)


FIELDS: tuple[Field, ...] = (
    Field("no", "contact numbers", "text"),
    Field("name", "part of the name", "text"),
    Field("type", "company or person", "enum", _values(ContactType)),
    Field("salesperson", "the contact's salesperson", "code", code=Salesperson.code),
    Field("territory", "territory code", "code", code=Territory.code),
    Field("country", "country code", "text"),
    Field("post_code", "post code; end with * for a prefix", "text"),
    Field("relation", "business relation of the company", "code", code=BusinessRelation.code),
    Field("industry", "industry group of the company", "code", code=IndustryGroup.code),
    Field("mailing", "mailing group", "code", code=MailingGroup.code),
    Field("job", "job responsibility", "code", code=JobResponsibility.code),
    Field("interaction.template", "interaction template", "code", code=InteractionTemplate.code),
    Field("interaction.from", "interaction on or after", "date"),
    Field("interaction.to", "interaction on or before", "date"),
    Field("interaction.evaluation", "interaction evaluation", "enum", _values(Evaluation)),
    Field("interaction.campaign", "interaction's campaign", "code", code=Campaign.no),
    Field("interaction.salesperson", "interaction's salesperson", "code", code=Salesperson.code),
    Field("logged", "in a logged segment (its entry no.)", "int"),
    Field("opp.status", "opportunity status", "enum", _values(OpportunityStatus)),
    Field("opp.cycle", "opportunity sales cycle", "code", code=SalesCycle.code),
    Field("opp.stage", "active stage of the opportunity", "int"),
    Field("opp.salesperson", "opportunity's salesperson", "code", code=Salesperson.code),
    Field("task.status", "task status", "enum", _values(TaskStatus)),
    Field("task.type", "task type", "enum", _values(TaskType)),
    Field("task.salesperson", "task's salesperson", "code", code=Salesperson.code),
    Field("task.from", "task due on or after", "date"),
    Field("task.to", "task due on or before", "date"),
)
BY_KEY = {item.key: item for item in FIELDS}
OPTIONS = ("expand", "related", "ignore_exclusion")
OPTION_HELP = {
    "expand": "also the persons of matching companies (reduce/refine: entire companies)",
    "related": "also the companies of matching persons",
    "ignore_exclusion": "include contacts flagged exclude from segments",
}
KEYS: tuple[str, ...] = tuple(BY_KEY) + OPTIONS


@dataclass(frozen=True)
class Criteria:
    """Checked filters (each key: one or more values, any of which matches) and options."""

    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    expand: bool = False
    related: bool = False
    ignore_exclusion: bool = False

    def text(self) -> str:
        """Return the canonical `key=value` form, as stored and as typed again."""
        parts = [f"{key}={_quote(','.join(self.filters[key]))}" for key in self.filters]
        parts += [name + "=yes" for name in OPTIONS if getattr(self, name)]
        return " ".join(parts)


def _quote(value: str) -> str:
    return shlex.quote(value) if any(ch.isspace() or ch in "'\"" for ch in value) else value


def split_text(text: str) -> dict[str, str]:
    """Split a stored criteria text into its key=value pairs."""
    pairs: dict[str, str] = {}
    for word in shlex.split(text):
        key, sep, value = word.partition("=")
        if not sep:
            raise InvalidInput(f"'{word}' is not key=value.", field="criteria", hint=_keys_hint())
        pairs[key.strip().lower().replace("-", "_")] = value
    return pairs


def _keys_hint() -> str:
    return "Criteria: " + ", ".join(KEYS) + "."


def parse(
    *, db_session: Session, options: Mapping[str, str], today: dt.date, required: bool = True
) -> Criteria:
    """Check typed criteria against the fields and code lists; refuse unknown ones."""
    filters: dict[str, tuple[str, ...]] = {}
    flags = dict.fromkeys(OPTIONS, False)
    for key, raw in options.items():
        if key in flags:
            flags[key] = parse_bool(raw, field=key)
            continue
        spec = BY_KEY.get(key)
        if spec is None:
            raise InvalidInput(f"There is no criteria field '{key}'.", field=key, hint=_keys_hint())
        values = tuple(value.strip() for value in raw.split(",") if value.strip())
        if not values:
            raise InvalidInput(f"{key}= needs a value.", field=key, hint=f"{key}: {spec.help}.")
        filters[key] = _check(db_session, spec, values, today)
    if required and not filters:
        raise InvalidInput(
            "Give at least one criterion, such as type=person or relation=CUST.",
            field="criteria",
            hint=_keys_hint(),
        )
    ordered = {key: filters[key] for key in BY_KEY if key in filters}
    return Criteria(ordered, flags["expand"], flags["related"], flags["ignore_exclusion"])


def _check(
    db_session: Session, spec: Field, values: tuple[str, ...], today: dt.date
) -> tuple[str, ...]:
    if spec.kind == "enum":
        values = tuple(value.lower() for value in values)
        wrong = [value for value in values if value not in spec.choices]
        if wrong:
            raise InvalidInput(
                f"{spec.key}={wrong[0]} is not a valid value.",
                field=spec.key,
                hint=f"Valid values: {', '.join(spec.choices)}.",
            )
        return values
    if spec.kind == "code":
        values = tuple(value.upper() for value in values)
        column: InstrumentedAttribute[str] = spec.code
        found = set(db_session.scalars(select(column).where(column.in_(values))))
        wrong = [value for value in values if value not in found]
        if wrong:
            known = list(db_session.scalars(select(column).order_by(column).limit(20)))
            raise InvalidInput(
                f"{spec.key}={wrong[0]}: there is no such code.",
                field=spec.key,
                hint=f"Valid values: {', '.join(known) or 'none set up yet'}.",
            )
        return values
    if spec.kind == "date":
        if len(values) > 1:
            raise InvalidInput(f"{spec.key}= takes one date.", field=spec.key)
        return (parse_date(values[0], today=today, field=spec.key).isoformat(),)
    if spec.kind == "int":
        return tuple(str(parse_int(value, field=spec.key)) for value in values)
    if spec.key in ("no", "country"):
        return tuple(value.upper() for value in values)
    return values


Target = type[Contact] | AliasedClass[Contact]


def condition(criteria: Criteria, c: Target) -> ColumnElement[bool]:
    """Return the condition a contact row `c` meets when it matches every filtered section."""
    f = criteria.filters
    parts: list[ColumnElement[bool]] = []
    if values := f.get("no"):
        parts.append(c.no.in_(values))
    if values := f.get("name"):
        parts.append(or_(*(c.search_name.contains(value.upper()) for value in values)))
    if values := f.get("type"):
        parts.append(c.type.in_(values))
    if values := f.get("salesperson"):
        parts.append(c.salesperson.in_(values))
    if values := f.get("territory"):
        parts.append(c.territory.in_(values))
    if values := f.get("country"):
        parts.append(c.country.in_(values))
    if values := f.get("post_code"):
        parts.append(or_(*(_post_code(c, value) for value in values)))
    # Business relations and industries belong to companies; a person shares its company's.
    company = func.coalesce(c.company_id, c.id)
    for key, table in (("relation", ContactBusinessRelation), ("industry", ContactIndustryGroup)):
        if values := f.get(key):
            parts.append(exists().where(table.contact_id == company, table.code.in_(values)))
    for key, table in (("mailing", ContactMailingGroup), ("job", ContactJobResponsibility)):
        if values := f.get(key):
            parts.append(exists().where(table.contact_id == c.id, table.code.in_(values)))
    parts += _interaction(f, c) + _opportunity(f, c) + _task(f, c)
    return and_(true(), *parts)


def _post_code(c: Target, value: str) -> ColumnElement[bool]:
    if value.endswith("*"):
        return c.post_code.startswith(value[:-1], autoescape=True)
    return c.post_code == value


def _interaction(f: dict[str, tuple[str, ...]], c: Target) -> list[ColumnElement[bool]]:
    entry = aliased(InteractionLogEntry)
    conds: list[ColumnElement[bool]] = []
    for key, column in (
        ("interaction.template", entry.template_code),
        ("interaction.evaluation", entry.evaluation),
        ("interaction.campaign", entry.campaign_no),
        ("interaction.salesperson", entry.salesperson),
    ):
        if values := f.get(key):
            conds.append(column.in_(values))
    if values := f.get("interaction.from"):
        conds.append(entry.occurred_at >= _day_start(values[0]))
    if values := f.get("interaction.to"):
        conds.append(entry.occurred_at < _day_start(values[0]) + dt.timedelta(days=1))
    if values := f.get("logged"):
        conds.append(entry.logged_segment_id.in_([int(value) for value in values]))
    if not conds:
        return []
    return [exists().where(entry.contact_id == c.id, entry.canceled.is_(False), *conds)]


def _day_start(iso: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(iso), dt.time(), tzinfo=dt.UTC)


def _opportunity(f: dict[str, tuple[str, ...]], c: Target) -> list[ColumnElement[bool]]:
    opp = aliased(Opportunity)
    conds: list[ColumnElement[bool]] = []
    if values := f.get("opp.status"):
        conds.append(opp.status.in_(values))
    if values := f.get("opp.cycle"):
        conds.append(opp.sales_cycle.in_(values))
    if values := f.get("opp.salesperson"):
        conds.append(opp.salesperson.in_(values))
    if values := f.get("opp.stage"):
        # The stage an opportunity is at is the one of its single active entry.
        entry = aliased(OpportunityEntry)
        conds.append(
            exists().where(
                entry.opportunity_id == opp.id,
                entry.active.is_(True),
                entry.stage.in_([int(value) for value in values]),
            )
        )
    if not conds:
        return []
    return [exists().where(opp.contact_id == c.id, *conds)]


def _task(f: dict[str, tuple[str, ...]], c: Target) -> list[ColumnElement[bool]]:
    task = aliased(Task)
    conds: list[ColumnElement[bool]] = []
    for key, column in (
        ("task.status", task.status),
        ("task.type", task.type),
        ("task.salesperson", task.salesperson),
    ):
        if values := f.get(key):
            conds.append(column.in_(values))
    if values := f.get("task.from"):
        conds.append(task.due_date >= dt.date.fromisoformat(values[0]))
    if values := f.get("task.to"):
        conds.append(task.due_date <= dt.date.fromisoformat(values[0]))
    if not conds:
        return []
    return [exists().where(task.contact_id == c.id, task.canceled.is_(False), *conds)]


def selection(criteria: Criteria, c: Target) -> ColumnElement[bool]:
    """Return the condition with the options applied: expansion, related companies, exclusion."""
    matched = condition(criteria, c)
    if criteria.expand:
        company = aliased(Contact)
        matched = or_(
            matched,
            exists().where(
                company.id == c.company_id,
                company.type == ContactType.COMPANY.value,
                condition(criteria, company),
            ),
        )
    if criteria.related:
        person = aliased(Contact)
        matched = or_(
            matched,
            and_(
                c.type == ContactType.COMPANY.value,
                exists().where(person.company_id == c.id, condition(criteria, person)),
            ),
        )
    if not criteria.ignore_exclusion:
        matched = and_(matched, c.exclude_from_segments.is_(False))
    return matched


def logged_segment_exists(*, db_session: Session, criteria: Criteria) -> None:
    """Refuse a logged= value naming no logged segment."""
    for value in criteria.filters.get("logged", ()):
        if db_session.get(LoggedSegment, int(value)) is None:
            raise InvalidInput(
                f"There is no logged segment {value}.",
                field="logged",
                hint="`segment list logged=yes` lists them.",
            )

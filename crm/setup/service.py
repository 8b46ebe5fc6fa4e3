"""Setup services: the marketing setup, salespeople, teams, code lists, domains, number series."""

import logging
import re
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from crm.audit import Actor, stamp
from crm.db import Base
from crm.errors import Conflict, InvalidInput, NotFound
from crm.numbering import NumberSeries
from crm.setup.models import (
    BusinessRelation,
    CorrespondenceType,
    IndustryGroup,
    InternalDomain,
    JobResponsibility,
    MailingGroup,
    MarketingSetup,
    OrganizationalLevel,
    Role,
    Salesperson,
    Team,
    TeamMember,
    Territory,
)
from crm.values import normalize_email, normalize_phone, parse_bool, parse_int, search_email

log = logging.getLogger(__name__)

CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,19}$")
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,29}$")
DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

# The classification lists, by the word the commands use for them.
CODE_LISTS: dict[str, type[BusinessRelation | IndustryGroup | MailingGroup]] = {
    "relation": BusinessRelation,
    "industry": IndustryGroup,
    "mailing": MailingGroup,
    "job": JobResponsibility,  # type: ignore[dict-item]
    "level": OrganizationalLevel,  # type: ignore[dict-item]
    "territory": Territory,  # type: ignore[dict-item]
}
CODE_LIST_NAMES = {
    "relation": "business relation",
    "industry": "industry group",
    "mailing": "mailing group",
    "job": "job responsibility",
    "level": "organizational level",
    "territory": "territory",
}


def get_marketing_setup(*, db_session: Session) -> MarketingSetup:
    """Return the marketing setup, which the first migration creates."""
    setup = db_session.get(MarketingSetup, 1)
    if setup is None:
        raise NotFound("The marketing setup is missing.", hint="Run `rapport db upgrade`.")
    return setup


def update_marketing_setup(*, db_session: Session, changes: Mapping[str, str]) -> MarketingSetup:
    """Change inheritance switches, defaults for new contacts and duplicate-search settings."""
    setup = get_marketing_setup(db_session=db_session)
    wants_search = parse_bool(
        changes.get("autosearch_duplicates", "no"), field="autosearch_duplicates"
    )
    drops_index = not parse_bool(
        changes.get("maintain_search_strings", "yes"), field="maintain_search_strings"
    )
    if wants_search and drops_index:
        raise InvalidInput(
            "Searching for duplicates automatically needs the search strings maintained.",
            field="maintain_search_strings",
            hint="Leave maintain_search_strings=yes, or set autosearch_duplicates=no.",
        )
    for key, text in changes.items():
        if key.startswith("inherit_") and hasattr(MarketingSetup, key):
            setattr(setup, key, parse_bool(text, field=key))
        elif key == "autosearch_duplicates":
            setup.autosearch_duplicates = parse_bool(text, field=key)
            # Business Central keeps the two flags in step: searching needs the index.
            setup.maintain_search_strings = setup.maintain_search_strings or (
                setup.autosearch_duplicates
            )
        elif key == "maintain_search_strings":
            setup.maintain_search_strings = parse_bool(text, field=key)
            setup.autosearch_duplicates = setup.autosearch_duplicates and (
                setup.maintain_search_strings
            )
        elif key == "search_hit_pct":
            setup.search_hit_pct = _hit_pct(text)
        elif key == "default_salesperson":
            setup.default_salesperson = _optional(text) and _active_salesperson(
                db_session, text, key
            )
        elif key == "default_territory":
            setup.default_territory = (
                _optional(text)
                and get_code(db_session=db_session, kind="territory", code=text).code
            )
        elif key in {"default_country", "default_language"}:
            setattr(setup, key, _short_code(text, key))
        elif key == "default_correspondence":
            setup.default_correspondence = correspondence_type(text, field=key)
        else:
            raise InvalidInput(
                f"The marketing setup has no setting '{key}'.",
                field=key,
                hint="Type `setup marketing show` for the settings.",
            )
    db_session.flush()
    log.info("Marketing setup changed: %s", ", ".join(sorted(changes)))
    return setup


def correspondence_type(text: str, *, field: str = "correspondence") -> str:
    """Read a correspondence type: email, hard_copy or none."""
    word = text.strip().lower().replace("-", "_").replace(" ", "_")
    if word in {"none", ""}:
        return CorrespondenceType.NONE.value
    if word in {CorrespondenceType.EMAIL.value, CorrespondenceType.HARD_COPY.value}:
        return word
    raise InvalidInput(
        f"'{text}' is not a correspondence type.", field=field, hint="Use email, hard_copy or none."
    )


def _hit_pct(text: str) -> int:
    value = parse_int(text.strip().removesuffix("%"), field="search_hit_pct")
    if not 1 <= value <= 100:
        raise InvalidInput(
            f"The search hit % must be from 1 to 100, not {value}.",
            field="search_hit_pct",
            hint="60 is Business Central's default: 10 of 16 search strings alike.",
        )
    return value


def _optional(text: str) -> str | None:
    return text.strip() or None


def _short_code(text: str, field: str) -> str | None:
    code = text.strip().upper()
    if not code:
        return None
    if not re.fullmatch(r"[A-Z0-9-]{1,10}", code):
        raise InvalidInput(f"'{text}' is not a code of up to 10 letters or digits.", field=field)
    return code


# Salespeople


def get_salesperson(*, db_session: Session, code: str) -> Salesperson | None:
    """Return the salesperson with this code (any case), or None."""
    return db_session.get(Salesperson, code.strip().upper())


def get_salesperson_or_raise(*, db_session: Session, code: str) -> Salesperson:
    """Return the salesperson with this code, or say which codes exist."""
    salesperson = get_salesperson(db_session=db_session, code=code)
    if salesperson is None:
        known = db_session.scalars(select(Salesperson.code).order_by(Salesperson.code).limit(10))
        raise NotFound(
            f"There is no salesperson '{code}'.",
            hint=f"Known codes: {', '.join(known) or 'none yet'}. "
            "Add one with `setup salesperson add <code> <name> email=...`.",
        )
    return salesperson


def _active_salesperson(db_session: Session, code: str, field: str = "salesperson") -> str:
    try:
        salesperson = get_salesperson_or_raise(db_session=db_session, code=code)
    except NotFound as error:
        raise InvalidInput(error.message, field=field, hint=error.hint) from None
    if salesperson.blocked:
        raise InvalidInput(
            f"Salesperson {salesperson.code} is blocked.",
            field=field,
            hint="Choose another, or unblock with `setup salesperson block <code> blocked=no`.",
        )
    return salesperson.code


def active_salesperson_code(*, db_session: Session, code: str, field: str = "salesperson") -> str:
    """Return the code of an existing, unblocked salesperson, or say why it cannot be used."""
    return _active_salesperson(db_session, code, field)


def is_admin(salesperson: Salesperson | None) -> bool:
    """Tell whether a salesperson may run setup commands."""
    return (
        salesperson is not None and salesperson.role == Role.ADMIN.value and not salesperson.blocked
    )


def list_salespeople(*, db_session: Session) -> list[Salesperson]:
    """Return every salesperson, by code."""
    return list(db_session.scalars(select(Salesperson).order_by(Salesperson.code)))


def create_salesperson(
    *, db_session: Session, actor: Actor, code: str, name: str, values: Mapping[str, str]
) -> Salesperson:
    """Add a salesperson; email, slack, role, phone and time_zone may be given."""
    key = code.strip().upper()
    if not CODE.match(key):
        raise InvalidInput(
            f"'{code}' is not a usable code.",
            field="code",
            hint="Use up to 20 letters, digits, '-', '_' or '.', e.g. JR or JANE.",
        )
    if db_session.get(Salesperson, key) is not None:
        raise Conflict(f"Salesperson {key} already exists.", hint="Change it with `edit`.")
    salesperson = Salesperson(code=key, name="", role=Role.MEMBER.value, time_zone="UTC")
    salesperson.blocked = False
    _apply_salesperson(db_session, salesperson, {"name": name, **values})
    stamp(salesperson, actor, created=True)
    db_session.add(salesperson)
    db_session.flush()
    log.info("Salesperson %s added by %s", key, actor)
    return salesperson


def update_salesperson(
    *, db_session: Session, actor: Actor, code: str, values: Mapping[str, str]
) -> Salesperson:
    """Change a salesperson's name, e-mail, Slack user, role, phone, time zone or block."""
    salesperson = get_salesperson_or_raise(db_session=db_session, code=code)
    _apply_salesperson(db_session, salesperson, values)
    stamp(salesperson, actor)
    db_session.flush()
    log.info("Salesperson %s changed by %s", salesperson.code, actor)
    return salesperson


def _apply_salesperson(db_session: Session, person: Salesperson, values: Mapping[str, str]) -> None:
    role = _role(values["role"]) if "role" in values else person.role
    blocked = parse_bool(values["blocked"], field="blocked") if "blocked" in values else None
    if is_admin(person) and (role != Role.ADMIN.value or blocked):
        _keep_one_admin(db_session, person)
    for key, text in values.items():
        if key == "name":
            if not text.strip():
                raise InvalidInput("A salesperson needs a name.", field="name")
            person.name = text.strip()[:100]
        elif key == "email":
            person.email = normalize_email(text) if text.strip() else None
            person.search_email = search_email(person.email)
            _unique(db_session, Salesperson.search_email, person.search_email, person, "email")
        elif key == "slack":
            person.slack_user_id = _slack_user(text)
            _unique(db_session, Salesperson.slack_user_id, person.slack_user_id, person, "slack")
        elif key == "phone":
            person.phone = normalize_phone(text) if text.strip() else None
        elif key == "role":
            person.role = _role(text)
        elif key == "time_zone":
            person.time_zone = _time_zone(text)
        elif key == "blocked":
            person.blocked = parse_bool(text, field="blocked")
        else:
            raise InvalidInput(f"A salesperson has no field '{key}'.", field=key)


def _keep_one_admin(db_session: Session, person: Salesperson) -> None:
    # Without an active admin nobody could run setup again from Slack.
    others = db_session.scalar(
        select(func.count())
        .select_from(Salesperson)
        .where(Salesperson.role == Role.ADMIN.value, Salesperson.blocked.is_(False))
        .where(Salesperson.code != person.code)
    )
    if not others:
        raise Conflict(
            f"{person.code} is the last active admin.",
            hint="Make someone else an admin first: `setup salesperson edit <code> role=admin`.",
        )


def _unique(
    db_session: Session,
    column: InstrumentedAttribute[str | None],
    value: str | None,
    person: Salesperson,
    field: str,
) -> None:
    if value is None:
        return
    owner = db_session.scalars(select(Salesperson).where(column == value)).first()
    if owner is not None and owner is not person:
        raise Conflict(f"Salesperson {owner.code} already has this {field}.", hint="Use another.")


def _slack_user(text: str) -> str | None:
    user = text.strip().upper()
    if not user:
        return None
    if not SLACK_USER.match(user):
        raise InvalidInput(
            f"'{text}' is not a Slack user id.",
            field="slack",
            hint="It looks like U024BE7LH: in Slack, open the profile, ⋮, Copy member ID.",
        )
    return user


def _role(text: str) -> str:
    word = text.strip().lower()
    if word not in {Role.ADMIN.value, Role.MEMBER.value}:
        raise InvalidInput(f"'{text}' is not a role.", field="role", hint="Use admin or member.")
    return word


def _time_zone(text: str) -> str:
    try:
        ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"'{text}' is not a time zone.",
            field="time_zone",
            hint="Use an IANA name such as Europe/Berlin or America/New_York.",
        ) from None
    return text.strip()


# Teams


def list_teams(*, db_session: Session) -> list[Team]:
    """Return every team with its members."""
    return list(db_session.scalars(select(Team).order_by(Team.code)))


def get_team_or_raise(*, db_session: Session, code: str) -> Team:
    """Return the team with this code, or list the teams."""
    team = db_session.get(Team, code.strip().upper())
    if team is None:
        known = db_session.scalars(select(Team.code).order_by(Team.code).limit(10))
        raise NotFound(
            f"There is no team '{code}'.", hint=f"Teams: {', '.join(known) or 'none yet'}."
        )
    return team


def create_team(*, db_session: Session, code: str, name: str) -> Team:
    """Add a team."""
    key = _code(code)
    if db_session.get(Team, key) is not None:
        raise Conflict(f"Team {key} already exists.")
    if not name.strip():
        raise InvalidInput("A team needs a name.", field="name")
    team = Team(code=key, name=name.strip()[:100])
    db_session.add(team)
    db_session.flush()
    return team


def set_team_member(*, db_session: Session, team: str, salesperson: str, member: bool) -> Team:
    """Add a salesperson to a team, or take them off it."""
    found = get_team_or_raise(db_session=db_session, code=team)
    person = get_salesperson_or_raise(db_session=db_session, code=salesperson)
    current = {m.salesperson_code for m in found.members}
    if member and person.code not in current:
        found.members.append(TeamMember(team_code=found.code, salesperson_code=person.code))
    elif not member:
        if person.code not in current:
            raise NotFound(f"{person.code} is not a member of team {found.code}.")
        found.members = [m for m in found.members if m.salesperson_code != person.code]
    db_session.flush()
    return found


# Code lists


def _code(text: str, field: str = "code") -> str:
    key = text.strip().upper()
    if not CODE.match(key):
        raise InvalidInput(
            f"'{text}' is not a usable code.",
            field=field,
            hint="Use up to 20 letters, digits, '-', '_' or '.'.",
        )
    return key


def _code_list(kind: str) -> type[BusinessRelation]:
    model = CODE_LISTS.get(kind)
    if model is None:
        raise InvalidInput(
            f"There is no code list '{kind}'.", hint=f"Lists: {', '.join(CODE_LISTS)}."
        )
    return model  # type: ignore[return-value]


def list_codes(*, db_session: Session, kind: str) -> list[BusinessRelation]:
    """Return the codes of one classification list."""
    model = _code_list(kind)
    return list(db_session.scalars(select(model).order_by(model.code)))


def get_code(*, db_session: Session, kind: str, code: str) -> BusinessRelation:
    """Return one code of a list, or say which codes exist."""
    model = _code_list(kind)
    found = db_session.get(model, code.strip().upper())
    if found is None:
        known = db_session.scalars(select(model.code).order_by(model.code).limit(15))
        raise NotFound(
            f"There is no {CODE_LIST_NAMES[kind]} '{code}'.",
            hint=f"Codes: {', '.join(known) or 'none yet'}. Add one with "
            f"`setup {kind} add <code> <description>`.",
        )
    return found


def create_code(*, db_session: Session, kind: str, code: str, description: str) -> BusinessRelation:
    """Add a code to a classification list."""
    model = _code_list(kind)
    key = _code(code)
    if db_session.get(model, key) is not None:
        raise Conflict(f"The {CODE_LIST_NAMES[kind]} {key} already exists.")
    row = model(code=key, description=description.strip()[:100])
    db_session.add(row)
    db_session.flush()
    return row


def delete_code(*, db_session: Session, kind: str, code: str) -> None:
    """Delete a code nobody uses; say where it is still used otherwise."""
    row = get_code(db_session=db_session, kind=kind, code=code)
    uses = references(db_session, type(row).__tablename__, row.code)
    if uses:
        where = ", ".join(f"{count} in {table}" for table, count in uses.items())
        raise Conflict(
            f"The {CODE_LIST_NAMES[kind]} {row.code} is still used ({where}).",
            hint="Remove it from those records first.",
        )
    db_session.delete(row)
    db_session.flush()


def references(db_session: Session, table: str, key: object) -> dict[str, int]:
    """Count the rows of every table whose foreign key points at this row."""
    counts: dict[str, int] = {}
    for other in Base.metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column.table.name == table:
                count = db_session.scalar(
                    select(func.count()).select_from(other).where(fk.parent == key)
                )
                if count:
                    counts[other.name] = counts.get(other.name, 0) + count
    return counts


# Internal domains


def list_domains(*, db_session: Session) -> list[str]:
    """Return the organization's own e-mail domains."""
    return list(db_session.scalars(select(InternalDomain.domain).order_by(InternalDomain.domain)))


def create_domain(*, db_session: Session, domain: str) -> str:
    """Add an internal e-mail domain: mail from it is ours, not a contact's."""
    name = domain.strip().lower().lstrip("@")
    if not DOMAIN.match(name):
        raise InvalidInput(
            f"'{domain}' is not an e-mail domain.", field="domain", hint="For example acme.com."
        )
    if db_session.get(InternalDomain, name) is not None:
        raise Conflict(f"{name} is already an internal domain.")
    db_session.add(InternalDomain(domain=name))
    db_session.flush()
    return name


def delete_domain(*, db_session: Session, domain: str) -> None:
    """Remove an internal e-mail domain."""
    row = db_session.get(InternalDomain, domain.strip().lower().lstrip("@"))
    if row is None:
        raise NotFound(f"{domain} is not an internal domain.", hint="See `setup domain list`.")
    db_session.delete(row)
    db_session.flush()


# Number series


def list_series(*, db_session: Session) -> list[NumberSeries]:
    """Return every number series."""
    return list(db_session.scalars(select(NumberSeries).order_by(NumberSeries.code)))


def update_series(*, db_session: Session, code: str, values: Mapping[str, str]) -> NumberSeries:
    """Change a series' description, whether it allows manual numbers, or move it forward."""
    series = db_session.get(NumberSeries, code.strip().upper())
    if series is None:
        known = ", ".join(s.code for s in list_series(db_session=db_session))
        raise NotFound(f"There is no number series '{code}'.", hint=f"Series: {known}.")
    for key, text in values.items():
        if key == "allow_manual":
            series.allow_manual = parse_bool(text, field=key)
        elif key == "description":
            series.description = text.strip()[:100]
        elif key == "last_no":
            last_no = parse_int(text, field=key)
            # Going back would hand out numbers that records already carry.
            if last_no < series.last_no:
                raise InvalidInput(
                    f"The last number can only move forward (it is {series.last_no}).",
                    field=key,
                )
            series.last_no = last_no
        else:
            raise InvalidInput(
                f"A number series has no setting '{key}'.",
                field=key,
                hint="Settings: allow_manual, description, last_no.",
            )
    db_session.flush()
    return series

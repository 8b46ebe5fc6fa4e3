"""Activity setup: named sequences of steps that become tasks (by hand or on a stage)."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm import dateformula
from crm.errors import Conflict, InvalidInput, NotFound
from crm.interactions.setup import code_of
from crm.opportunities.models import Priority, SalesCycleStage
from crm.tasks.models import Activity, ActivityStep, TaskType


@dataclass
class StepData:
    """One step of an activity; None leaves a field as it is on edit."""

    description: str | None = None
    type: str | None = None
    priority: str | None = None
    date_formula: str | None = None


def list_activities(*, db_session: Session) -> list[Activity]:
    """Return every activity, by code."""
    return list(db_session.scalars(select(Activity).order_by(Activity.code)))


def get_activity_or_raise(*, db_session: Session, code: str) -> Activity:
    """Return the activity with this code, or list the codes there are."""
    activity = db_session.get(Activity, code.strip().upper())
    if activity is None:
        known = ", ".join(a.code for a in list_activities(db_session=db_session)) or "none yet"
        raise NotFound(f"There is no activity '{code}'.", hint=f"Activities: {known}.")
    return activity


def steps(*, db_session: Session, activity: str) -> list[ActivityStep]:
    """Return an activity's steps in order."""
    stmt = select(ActivityStep).where(ActivityStep.activity_code == activity.strip().upper())
    return list(db_session.scalars(stmt.order_by(ActivityStep.step_no)))


def create_activity(*, db_session: Session, code: str, description: str = "") -> Activity:
    """Add an activity; give it steps with add_step."""
    key = code_of(code)
    if db_session.get(Activity, key) is not None:
        raise Conflict(f"Activity {key} exists already.", hint="Edit it instead.")
    activity = Activity(code=key, description=description.strip()[:100] or key.title())
    db_session.add(activity)
    db_session.flush()
    return activity


def update_activity(*, db_session: Session, code: str, description: str) -> Activity:
    """Change an activity's description."""
    activity = get_activity_or_raise(db_session=db_session, code=code)
    activity.description = description.strip()[:100]
    db_session.flush()
    return activity


def delete_activity(*, db_session: Session, code: str) -> None:
    """Delete an activity and its steps, unless a sales cycle stage uses it."""
    activity = get_activity_or_raise(db_session=db_session, code=code)
    used = db_session.scalar(
        select(func.count()).where(SalesCycleStage.activity_code == activity.code)
    )
    if used:
        raise Conflict(
            f"Activity {activity.code} is the activity of {used} sales cycle stage(s).",
            hint="Clear it on those stages first (`setup stage edit ... activity=-`).",
        )
    for step in steps(db_session=db_session, activity=activity.code):
        db_session.delete(step)
    db_session.delete(activity)
    db_session.flush()


def add_step(*, db_session: Session, activity: str, data: StepData) -> ActivityStep:
    """Append a step to an activity."""
    owner = get_activity_or_raise(db_session=db_session, code=activity)
    last = db_session.scalar(
        select(func.max(ActivityStep.step_no)).where(ActivityStep.activity_code == owner.code)
    )
    step = ActivityStep(activity_code=owner.code, step_no=(last or 0) + 1)
    _apply(step, data)
    if not step.description:
        raise InvalidInput("Describe the step.", field="description")
    db_session.add(step)
    db_session.flush()
    return step


def update_step(
    *, db_session: Session, activity: str, step_no: int, data: StepData
) -> ActivityStep:
    """Change the given fields of one step."""
    step = _step_or_raise(db_session, activity, step_no)
    _apply(step, data)
    db_session.flush()
    return step


def delete_step(*, db_session: Session, activity: str, step_no: int) -> None:
    """Remove one step of an activity."""
    db_session.delete(_step_or_raise(db_session, activity, step_no))
    db_session.flush()


def _step_or_raise(db_session: Session, activity: str, step_no: int) -> ActivityStep:
    owner = get_activity_or_raise(db_session=db_session, code=activity)
    step = db_session.get(ActivityStep, (owner.code, step_no))
    if step is None:
        raise NotFound(f"Activity {owner.code} has no step {step_no}.")
    return step


def _apply(step: ActivityStep, data: StepData) -> None:
    if data.type is not None:
        step.type = _choice(TaskType, data.type, "type")
    if data.priority is not None:
        step.priority = _choice(Priority, data.priority, "priority")
    if data.date_formula is not None:
        text = data.date_formula.strip()
        step.date_formula = dateformula.validate(text, field="formula") if text else None
    if data.description is not None:
        step.description = data.description.strip()[:100]


def _choice(kind: type[TaskType] | type[Priority], text: str, field: str) -> str:
    word = text.strip().lower().replace(" ", "_")
    if word in {"", "none", "-"} and kind is TaskType:
        return ""
    try:
        return kind(word).value
    except ValueError:
        allowed = ", ".join(item.value or "none" for item in kind)
        raise InvalidInput(
            f"'{text}' is not a {field}.", field=field, hint=f"Use {allowed}."
        ) from None

"""Send commands: what `campaign send|pause|resume|status` run."""

import datetime as dt

from crm.audit import Channel
from crm.campaigns import service as campaign_service
from crm.errors import InvalidInput
from crm.sends import service as send_service
from crm.sends.models import CampaignSend
from crm.values import parse_date
from handlers.context import Context
from handlers.grammar import Args
from handlers.views import Action, Card, Message, View

MORNING = dt.time(9, 0)


def send_campaign(context: Context, args: Args) -> View:
    campaign = campaign_service.get_by_no(db_session=context.session, no=args.word(0, "campaign"))
    at = parse_moment(args.get("at"), context)
    send = send_service.schedule(
        db_session=context.session,
        actor=context.actor,
        campaign=campaign,
        at=at,
        segment_no=args.get("segment"),
        template=args.get("template"),
        # In Slack the requester follows the send in a DM that Rapport keeps up to date.
        progress_channel=context.actor.user if context.actor.channel is Channel.SLACK else None,
    )
    when = "now" if at <= dt.datetime.now(dt.UTC) else f"at {context.local(at):%Y-%m-%d %H:%M}"
    return Message(
        f"Campaign {campaign.no} will be sent {when} (send {send.id}).",
        hint=f"`campaign status {campaign.no}` shows its progress; "
        f"`campaign pause {campaign.no}` holds it.",
        data={"send": send.id, "campaign": campaign.no, "at": at.isoformat()},
    )


def pause_send(context: Context, args: Args) -> View:
    campaign = campaign_service.get_by_no(db_session=context.session, no=args.word(0, "campaign"))
    send = send_service.pause(db_session=context.session, actor=context.actor, campaign=campaign)
    return Message(
        f"Send {send.id} of {campaign.no} is paused.",
        hint=f"`campaign resume {campaign.no}` goes on where it stopped.",
        data={"send": send.id},
    )


def resume_send(context: Context, args: Args) -> View:
    campaign = campaign_service.get_by_no(db_session=context.session, no=args.word(0, "campaign"))
    send = send_service.resume(db_session=context.session, actor=context.actor, campaign=campaign)
    return Message(f"Send {send.id} of {campaign.no} is resumed.", data={"send": send.id})


def status_send(context: Context, args: Args) -> View:
    campaign = campaign_service.get_by_no(db_session=context.session, no=args.word(0, "campaign"))
    send = send_service.latest(db_session=context.session, campaign=campaign)
    state = send_service.progress(db_session=context.session, send=send)
    fields = [
        ("Status", send.status),
        ("Scheduled", _when(context, send.scheduled_at)),
        ("Audience", str(send.total) if send.frozen_at else "not frozen yet"),
        ("Sent", str(state.states["sent"])),
        ("Waiting", str(state.states["pending"] + state.states["sending"])),
        ("Skipped", str(state.states["skipped"])),
        ("Failed", str(state.states["failed"])),
    ]
    fields += [(f"· {reason}", str(count)) for reason, count in sorted(state.reasons.items())]
    if send.finished_at:
        fields.append(("Finished", _when(context, send.finished_at)))
    return Card(
        title=f"{campaign.no} · send {send.id}",
        subtitle=campaign.description,
        fields=fields,
        actions=_actions(send),
        key=campaign.no,
    )


def _actions(send: CampaignSend) -> list[Action]:
    if send.status in ("scheduled", "sending"):
        return [Action("Pause", f"campaign pause {send.campaign_no}", "danger")]
    if send.status == "paused":
        return [Action("Resume", f"campaign resume {send.campaign_no}", "primary")]
    return []


def parse_moment(text: str | None, context: Context) -> dt.datetime:
    """Read when to send: now, an ISO date-time, a time today, or a date (at 9:00), locally."""
    now = dt.datetime.now(dt.UTC)
    if text is None or text.strip().lower() == "now":
        return now
    value = text.strip().replace("_", " ")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None:
        day, _, clock = value.partition(" ")
        if ":" in day and not clock:
            day, clock = "today", day
        date = (
            context.today()
            if day.lower() == "today"
            else parse_date(day, today=context.today(), field="at")
        )
        try:
            time = dt.time.fromisoformat(clock) if clock else MORNING
        except ValueError:
            raise InvalidInput(
                f"'{clock}' is not a time.", field="at", hint="Write it as 14:30."
            ) from None
        moment = dt.datetime.combine(date, time)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=context.time_zone)
    moment = moment.astimezone(dt.UTC)
    if moment < now - dt.timedelta(minutes=1):
        raise InvalidInput(
            f"{context.local(moment):%Y-%m-%d %H:%M} is in the past.",
            field="at",
            hint="Leave at= out to send now, or give a later time.",
        )
    return max(moment, now)


def _when(context: Context, moment: dt.datetime) -> str:
    return f"{context.local(moment):%Y-%m-%d %H:%M}"

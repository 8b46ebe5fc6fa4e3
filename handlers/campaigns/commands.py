"""Campaign commands: what `campaign ...` runs."""

from collections import Counter

from crm.campaigns import audience as audience_service
from crm.campaigns import content as content_service
from crm.campaigns import service as campaign_service
from crm.campaigns.content import Renderer
from crm.campaigns.models import Campaign
from crm.contacts import service as contact_service
from crm.errors import Conflict, InvalidInput
from crm.segments import service as segment_service
from crm.values import parse_bool, parse_date
from handlers.context import Context
from handlers.grammar import Args
from handlers.reports.render import cell
from handlers.views import Action, Card, Message, Table, View

SHOWN_RECIPIENTS = 200


def _campaign(context: Context, args: Args) -> Campaign:
    return campaign_service.get_by_no(db_session=context.session, no=args.word(0, "campaign"))


def _renderer(context: Context) -> Renderer:
    if context.renderer is None:
        raise Conflict("This front cannot render templates.", hint="Use the console or Slack.")
    return context.renderer


def _data(context: Context, args: Args, description: str | None) -> campaign_service.CampaignData:
    start, end = args.get("start"), args.get("end")
    return campaign_service.CampaignData(
        description=description,
        starting_date=parse_date(start, today=context.today(), field="start") if start else None,
        ending_date=parse_date(end, today=context.today(), field="end") if end else None,
        status_code=args.get("status"),
        salesperson=args.get("salesperson") or context.actor.salesperson,
    )


def new_campaign(context: Context, args: Args) -> View:
    campaign = campaign_service.create(
        db_session=context.session,
        actor=context.actor,
        data=_data(context, args, args.rest(0)),
    )
    return Message(
        f"Created campaign {campaign.no} · {campaign.description}.",
        hint=f"Link a segment: `campaign link {campaign.no} <segment> target=yes`.",
        data={"no": campaign.no},
    )


def list_campaigns(context: Context, args: Args) -> View:
    found = campaign_service.find(db_session=context.session, status=args.get("status"))
    rows = [
        [
            c.no,
            c.description,
            cell(c.starting_date, context),
            cell(c.ending_date, context),
            c.status_code or "",
            c.salesperson or "",
        ]
        for c in found
    ]
    return Table(
        "Campaigns",
        ["No.", "Description", "Start", "End", "Status", "Salesperson"],
        rows,
        keys=[c.no for c in found],
    )


def show_campaign(context: Context, args: Args) -> View:
    campaign = _campaign(context, args)
    segments = campaign_service.segments(db_session=context.session, campaign=campaign)
    targets = campaign_service.target_count(db_session=context.session, campaign=campaign)
    fields = [
        (
            "Period",
            f"{cell(campaign.starting_date, context) or '…'} – "
            f"{cell(campaign.ending_date, context) or '…'}",
        ),
        ("Status", campaign.status_code or ""),
        ("Salesperson", campaign.salesperson or ""),
        ("Activated", f"yes, {targets} targets" if targets else "no"),
        (
            "E-mail",
            "subject, " * bool(campaign.email_subject)
            + "html, " * bool(campaign.email_html)
            + "text" * bool(campaign.email_text)
            or "none yet",
        ),
    ]
    rows = [
        [
            s.no,
            s.description,
            "yes" if s.campaign_target else "no",
            "yes" if s.campaign_response else "no",
            "logged" if s.logged_segment_id else "open",
        ]
        for s in segments
    ]
    section = Table("Segments", ["No.", "Description", "Target", "Response", "State"], rows)
    return Card(
        title=f"{campaign.no} · {campaign.description}",
        fields=fields,
        sections=[section, stats_table(context, campaign)],
        actions=[
            Action("Audience", f"campaign audience {campaign.no}"),
            Action("Statistics", f"campaign stats {campaign.no}"),
        ],
        key=campaign.no,
    )


def link(context: Context, args: Args) -> View:
    campaign = _campaign(context, args)
    segment = segment_service.get_by_no(db_session=context.session, no=args.word(1, "segment"))
    target, response = args.get("target"), args.get("response")
    campaign_service.link_segment(
        db_session=context.session,
        actor=context.actor,
        campaign=campaign,
        segment=segment,
        target=parse_bool(target, field="target") if target is not None else None,
        response=parse_bool(response, field="response") if response is not None else None,
    )
    return Message(
        f"Segment {segment.no} is linked to campaign {campaign.no}"
        f"{' as target' if segment.campaign_target else ''}."
    )


def activate(context: Context, args: Args) -> View:
    campaign = _campaign(context, args)
    off = args.get("off")
    if off is not None and parse_bool(off, field="off"):
        removed = campaign_service.deactivate(
            db_session=context.session, actor=context.actor, campaign=campaign
        )
        return Message(f"Campaign {campaign.no} deactivated ({removed} targets removed).")
    added = campaign_service.activate(
        db_session=context.session, actor=context.actor, campaign=campaign
    )
    return Message(f"Campaign {campaign.no} activated for {added} target companies and contacts.")


def stats_table(context: Context, campaign: Campaign) -> Table:
    """Return the campaign's statistics as a two-column table."""
    stats = campaign_service.statistics(db_session=context.session, campaign=campaign)
    rows = [
        ["Targets contacted", str(stats.targets_contacted)],
        ["Contacts responded", str(stats.contacts_responded)],
        ["Interactions", str(stats.interactions)],
        ["Cost", cell(stats.cost, context)],
        ["Duration (min)", str(stats.duration_min)],
        ["Opportunities", str(stats.opportunities)],
        ["Estimated value", cell(stats.estimated_value, context)],
        ["Current value", cell(stats.calculated_value, context)],
    ]
    return Table(
        f"Statistics · {campaign.no}",
        ["Figure", "Value"],
        rows,
        note="Canceled and postponed interactions are left out.",
    )


def stats(context: Context, args: Args) -> View:
    return stats_table(context, _campaign(context, args))


def content(context: Context, args: Args) -> View:
    campaign = _campaign(context, args)
    if not args.options:
        return Card(
            title=f"E-mail of {campaign.no}",
            fields=[("Subject", campaign.email_subject or "")],
            sections=[
                Message(campaign.email_text or "(no text body)"),
                Message(campaign.email_html or "(no HTML body)"),
            ],
            key=campaign.no,
        )
    content_service.set_content(
        db_session=context.session,
        actor=context.actor,
        campaign=campaign,
        renderer=_renderer(context),
        subject=args.get("subject"),
        html=args.get("html"),
        text=args.get("text"),
    )
    return Message(
        f"Saved the e-mail content of {campaign.no}.",
        hint=f"Preview it: `campaign preview {campaign.no} <contact>`.",
    )


def preview(context: Context, args: Args) -> View:
    campaign = _campaign(context, args)
    contact = contact_service.resolve(
        db_session=context.session, name=args.word(1, "contact") and args.rest(1)
    )
    rendered = content_service.preview(
        db_session=context.session,
        campaign=campaign,
        contact=contact,
        renderer=_renderer(context),
    )
    return Card(
        title=f"Preview of {campaign.no} for {contact.no} {contact.name}",
        fields=[("To", contact.email or "(no e-mail)"), ("Subject", rendered.subject)],
        sections=[
            Message(rendered.text or "(no text body)"),
            Message(rendered.html or "(no HTML body)"),
        ],
        key=campaign.no,
    )


def audience(context: Context, args: Args) -> View:
    campaign = _campaign(context, args)
    everyone = audience_service.recipients(db_session=context.session, campaign=campaign)
    reasons = Counter(r.excluded for r in everyone if r.excluded)
    show_all = args.get("all") is not None and parse_bool(args.get("all") or "", field="all")
    shown = everyone if show_all else [r for r in everyone if r.excluded]
    rows = [
        [r.contact_no, r.name, r.email or "", r.excluded or "receives"]
        for r in shown[:SHOWN_RECIPIENTS]
    ]
    receiving = len(everyone) - sum(reasons.values())
    summary = ", ".join(f"{count} {reason}" for reason, count in reasons.most_common())
    note = f"{receiving} of {len(everyone)} contacts receive the mail"
    note += f"; out: {summary}." if summary else "."
    title = f"Audience of {campaign.no}" + ("" if show_all else " · excluded contacts")
    return Table(
        title,
        ["No.", "Name", "E-mail", "Status"],
        rows,
        total=len(shown),
        note=note,
        keys=[r.contact_no for r in shown[:SHOWN_RECIPIENTS]],
    )


def cancel_entry(context: Context, args: Args) -> View:
    word = args.word(0, "entry no.")
    if not word.isdigit():
        raise InvalidInput(f"'{word}' is not an entry number.", field="entry")
    entry = campaign_service.cancel_entry(
        db_session=context.session, actor=context.actor, entry_id=int(word)
    )
    return Message(
        f"Canceled campaign entry {entry.id} of {entry.campaign_no} and its interactions."
    )

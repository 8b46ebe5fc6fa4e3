"""Digest commands: what `digest add|list|remove|preview` run."""

import datetime as dt

from crm.audit import Channel
from crm.digests import service as digest_service
from crm.errors import InvalidInput
from crm.jobs import service as job_service
from handlers.context import Context
from handlers.grammar import Args
from handlers.views import Action, Card, Message, Table, View


def add_digest(context: Context, args: Args) -> View:
    target = args.get("channel")
    if target is None and context.actor.channel is Channel.SLACK and context.actor.user:
        target = context.actor.user
    if target is None:
        raise InvalidInput(
            "Say where the digest goes.",
            field="channel",
            hint="Add channel=<Slack channel id>; in Slack it defaults to you.",
        )
    subscription = digest_service.add(
        db_session=context.session,
        actor=context.actor,
        target=target.strip().lstrip("#"),
        source=args.word(0, "segment or saved criteria"),
        frequency=args.get("every", "daily") or "daily",
        weekday=args.get("day"),
        at_time=args.get("at", "08:00") or "08:00",
        time_zone=args.get("tz") or str(context.time_zone),
        now=dt.datetime.now(dt.UTC),
    )
    job_service.request_sync(db_session=context.session, job_id=f"digest-{subscription.id}")
    return Message(
        f"Digest {subscription.id} of {subscription.segment_no or subscription.criteria_code} "
        f"goes to {subscription.target} {digest_service.schedule_text(subscription)}.",
        hint=f"It is posted only when something changed. `digest preview {subscription.id}`.",
        data={"digest": subscription.id},
    )


def list_digests(context: Context, args: Args) -> View:
    found = digest_service.find(db_session=context.session)
    return Table(
        title="Digests",
        columns=["No.", "Of", "To", "When", "Since"],
        rows=[
            [
                str(item.id),
                item.segment_no or f"criteria {item.criteria_code}",
                item.target,
                digest_service.schedule_text(item),
                f"{context.local(item.since):%Y-%m-%d %H:%M}",
            ]
            for item in found
        ],
        keys=[str(item.id) for item in found],
        note=None if found else "No digests yet: `digest add <segment> channel=<id>`.",
    )


def remove_digest(context: Context, args: Args) -> View:
    subscription = digest_service.remove(
        db_session=context.session, actor=context.actor, digest_id=args.word(0, "digest no")
    )
    job_service.request_sync(db_session=context.session, job_id=f"digest-{subscription.id}")
    return Message(f"Digest {subscription.id} is stopped.", data={"digest": subscription.id})


def preview_digest(context: Context, args: Args) -> View:
    subscription = digest_service.get_or_raise(
        db_session=context.session, digest_id=args.word(0, "digest no")
    )
    now = dt.datetime.now(dt.UTC)
    changes = digest_service.changes(
        db_session=context.session,
        subscription=subscription,
        start=subscription.since,
        end=now,
        today=context.today(),
    )
    sections: list[View] = []
    for key, label in digest_service.SECTIONS:
        items = changes.sections.get(key) or []
        if items:
            sections.append(
                Table(
                    title=f"{label} ({changes.counts[key]})",
                    columns=[label],
                    rows=[[item.text] for item in items],
                    total=changes.counts[key],
                    keys=[item.key for item in items],
                )
            )
    return Card(
        title=f"Digest {subscription.id} · {changes.title}",
        subtitle="Nothing changed: it would not be posted."
        if changes.empty
        else f"{changes.total} changes since {context.local(subscription.since):%Y-%m-%d %H:%M}",
        fields=[("To", subscription.target), ("When", digest_service.schedule_text(subscription))],
        sections=sections,
        actions=[Action("Stop", f"digest remove {subscription.id}", "danger")],
        key=str(subscription.id),
    )

"""Sync commands: what `sync ...` runs."""

import datetime as dt

from crm.sync import service as sync_service
from crm.sync.models import SyncMapping, SyncRun
from crm.values import parse_bool, parse_int
from handlers.context import Context
from handlers.grammar import Args
from handlers.views import Action, Card, Message, Stack, Table, Tone, View

COUNT_COLUMNS = ["Mapping", "Inserted", "Modified", "Deleted", "Unchanged", "Skipped", "Failed"]


def show_status(context: Context, args: Args) -> View:
    rows = sync_service.status(db_session=context.session)
    table = Table(
        title="Dynamics 365 Sales synchronization",
        columns=[
            "Mapping",
            "Sales table",
            "Direction",
            "On",
            "Coupled",
            "Conflicts",
            "Failures",
            "Last run",
        ],
        rows=[
            [
                item.mapping.name,
                item.mapping.entity_set,
                item.mapping.direction,
                "yes" if item.mapping.enabled else "no",
                str(item.couplings),
                str(item.conflicts),
                str(item.failures),
                _when(context, item.mapping.last_run_at),
            ]
            for item in rows
        ],
        note=None if context.dataverse else "Not connected: set RAPPORT_DATAVERSE_URL.",
    )
    return table


def run_changes(context: Context, args: Args) -> View:
    return _run(context, args, full=False)


def run_full(context: Context, args: Args) -> View:
    return _run(context, args, full=True)


def _run(context: Context, args: Args, *, full: bool) -> View:
    run = sync_service.run(
        db_session=context.session,
        client=context.dataverse,
        actor=context.actor,
        full=full,
        only=args.words,
        progress=context.progress,
    )
    return run_view(run)


def run_view(run: SyncRun) -> Stack:
    """Return one run: its outcome and its counts per mapping."""
    failed = sum(count.failed for count in run.counts)
    if run.error:
        head = Message(
            f"Sync run {run.id} stopped: {run.error}",
            tone=Tone.WARNING,
            hint="Nothing is lost: the next run reads the same changes again.",
            data={"run": run.id},
        )
    else:
        tone = Tone.WARNING if failed else Tone.OK
        hint = f"`sync log {run.id} failures=yes` says why; every run retries them."
        head = Message(
            f"Sync run {run.id} ({run.kind}) done with {run.requests} requests to Sales.",
            tone=tone,
            hint=hint if failed else None,
            data={"run": run.id, "requests": run.requests},
        )
    table = Table(
        title=f"Run {run.id}",
        columns=COUNT_COLUMNS,
        rows=[
            [
                c.mapping,
                *(
                    str(n)
                    for n in (c.inserted, c.modified, c.deleted, c.unchanged, c.skipped, c.failed)
                ),
            ]
            for c in run.counts
        ],
    )
    return Stack([head, table])


def couple_record(context: Context, args: Args) -> View:
    coupling = sync_service.couple(
        db_session=context.session,
        client=context.dataverse,
        actor=context.actor,
        name=args.word(0, "record"),
        remote_id=args.optional_word(1),
    )
    return Message(
        f"Coupled {coupling.local_key} with {coupling.mapping} row {coupling.remote_id}.",
        hint="Values only one side had were copied; where both differed, Rapport's was sent.",
        data={"mapping": coupling.mapping, "remote_id": coupling.remote_id},
    )


def uncouple_record(context: Context, args: Args) -> View:
    coupling = sync_service.uncouple(
        db_session=context.session, actor=context.actor, name=args.rest(0)
    )
    return Message(f"Uncoupled {coupling.local_key} from {coupling.remote_id}.")


def list_conflicts(context: Context, args: Args) -> View:
    conflicts = sync_service.open_conflicts(db_session=context.session)
    if not conflicts:
        return Message("No conflicts are waiting.", tone=Tone.INFO)
    return Table(
        title="Changed on both sides",
        columns=["No", "Mapping", "Record", "Field", "Rapport", "Sales", "Found"],
        rows=[
            [
                str(c.id),
                c.mapping,
                c.local_key,
                c.field,
                c.local_value or "—",
                c.remote_value or "—",
                _when(context, c.detected_at),
            ]
            for c in conflicts
        ],
        keys=[str(c.id) for c in conflicts],
        note="Decide with `sync resolve <no> keep=rapport` or `keep=sales`.",
    )


def resolve_conflict(context: Context, args: Args) -> View:
    number = parse_int(args.word(0, "conflict number"), field="conflict")
    conflict = sync_service.resolve(
        db_session=context.session,
        actor=context.actor,
        conflict_id=number,
        winner=(args.get("keep") or "").strip().lower(),
    )
    kept = conflict.local_value if conflict.resolution == "rapport" else conflict.remote_value
    where = (
        "sent to Sales on the next run" if conflict.resolution == "rapport" else "set in Rapport"
    )
    return Message(
        f"Conflict {conflict.id}: {conflict.field} of {conflict.local_key} is "
        f"'{kept or ''}', {where}."
    )


def show_log(context: Context, args: Args) -> View:
    if (word := args.optional_word(0)) is not None:
        run = sync_service.get_run(db_session=context.session, run_id=parse_int(word, field="run"))
        view = run_view(run)
        if args.get("failures") and parse_bool(args.get("failures") or "", field="failures"):
            view.items.append(_failures(context, run.id))
        return view
    if args.get("failures") and parse_bool(args.get("failures") or "", field="failures"):
        return _failures(context, None)
    runs = sync_service.last_runs(db_session=context.session)
    if not runs:
        return Message(
            "Nothing has been synchronized yet.", tone=Tone.INFO, hint="Start with `sync full`."
        )
    return Table(
        title="Sync runs",
        columns=["No", "Kind", "Started", "Requests", "Changed", "Failed", "Outcome"],
        rows=[
            [
                str(run.id),
                run.kind,
                _when(context, run.started_at),
                str(run.requests),
                str(sum(c.inserted + c.modified + c.deleted for c in run.counts)),
                str(sum(c.failed for c in run.counts)),
                "stopped" if run.error else "done",
            ]
            for run in runs
        ],
        keys=[str(run.id) for run in runs],
    )


def _failures(context: Context, run_id: int | None) -> View:
    failures = sync_service.open_failures(db_session=context.session, run_id=run_id)
    return Table(
        title="Records that did not synchronize",
        columns=["Mapping", "From", "Record", "Sales id", "Tries", "Reason"],
        rows=[
            [f.mapping, f.side, f.local_key or "—", f.remote_id or "—", str(f.attempts), f.reason]
            for f in failures
        ],
        note="Every run retries them.",
    )


def edit_mapping(context: Context, args: Args) -> View:
    mapping = sync_service.update_mapping(
        db_session=context.session,
        name=args.word(0, "mapping"),
        enabled=_flag(args, "enabled"),
        direction=args.get("direction"),
        conflicts=args.get("conflicts"),
        deletions=args.get("deletions"),
        only_coupled=_flag(args, "only_coupled"),
    )
    return mapping_card(mapping)


def edit_field(context: Context, args: Args) -> View:
    field = sync_service.update_field(
        db_session=context.session,
        mapping=args.word(0, "mapping"),
        field=args.word(1, "field"),
        enabled=_flag(args, "enabled"),
        direction=args.get("direction"),
        match=_flag(args, "match"),
    )
    state = "on" if field.enabled else "off"
    match = ", used for matching" if field.match else ""
    return Message(
        f"{field.mapping}.{field.field} ↔ {field.column}: {field.direction}, {state}{match}."
    )


def mapping_card(mapping: SyncMapping) -> Card:
    """Return a mapping with its settings and field mappings."""
    fields = Table(
        title="Fields",
        columns=["Field", "Sales column", "Direction", "On", "Match"],
        rows=[
            [f.field, f.column, f.direction, "yes" if f.enabled else "no", "yes" if f.match else ""]
            for f in mapping.fields
        ],
    )
    return Card(
        title=f"{mapping.name} ↔ {mapping.entity_set}",
        fields=[
            ("Enabled", "yes" if mapping.enabled else "no"),
            ("Direction", mapping.direction),
            ("Conflicts", mapping.update_conflicts),
            ("Deletions", mapping.deletions),
            ("Only coupled records", "yes" if mapping.only_coupled else "no"),
        ],
        sections=[fields],
        actions=[Action("Run now", f"sync run {mapping.name}")],
        key=mapping.name,
    )


def _flag(args: Args, key: str) -> bool | None:
    value = args.get(key)
    return None if value is None else parse_bool(value, field=key)


def _when(context: Context, moment: dt.datetime | None) -> str:
    if moment is None:
        return "—"
    return context.local(moment).strftime("%Y-%m-%d %H:%M")

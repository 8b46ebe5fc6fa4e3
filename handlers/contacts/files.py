"""Contact commands that read and write files: import and export CSV."""

from pathlib import Path

from crm.contacts import transfer
from crm.values import parse_bool
from handlers.context import Context
from handlers.grammar import Args
from handlers.views import FileView, Message, Stack, Table, Tone, View


def import_contacts(context: Context, args: Args) -> View:
    dry_run = parse_bool(args.get("dry_run", "no") or "no", field="dry_run")
    report = transfer.import_csv(
        db_session=context.session,
        actor=context.actor,
        path=Path(args.rest(0) or args.word(0, "file")).expanduser(),
        dry_run=dry_run,
        on_error=(args.get("on_error") or "abort").lower(),
        dedupe=(args.get("dedupe") or "skip").lower(),
        progress=context.progress,
    )
    verb = "Would import" if dry_run else "Imported"
    summary = Message(
        f"{verb} {report.created} of {report.rows} rows"
        + (
            f", {report.companies_added} companies added from the company column"
            if report.companies_added
            else ""
        )
        + (f", {report.updated} existing contacts updated" if report.updated else "")
        + (f", {report.duplicates_skipped} duplicates skipped" if report.duplicates_skipped else "")
        + (f", {len(report.errors)} broken rows" if report.errors else "")
        + ".",
        tone=Tone.WARNING if report.errors else Tone.OK,
        hint="Nothing was written: this was a dry run." if dry_run else None,
        data={
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "duplicates_skipped": report.duplicates_skipped,
            "errors": len(report.errors),
            "dry_run": dry_run,
        },
    )
    if not report.errors:
        return summary
    rows = [[str(error.line), error.message] for error in report.errors[:100]]
    table = Table("Broken rows", ["line", "problem"], rows, total=len(report.errors))
    return Stack([summary, table])


def export_contacts(context: Context, args: Args) -> View:
    if args.words:
        path = Path(args.rest(0)).expanduser()
    else:
        path = context.output_dir / f"contacts-{context.today():%Y-%m-%d}.csv"
    count = transfer.export_csv(
        db_session=context.session, path=path, type=args.get("type"), progress=context.progress
    )
    return FileView(f"Exported {count} contacts", path.resolve(), "csv")

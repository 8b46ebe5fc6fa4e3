"""Commands that exist only in tests: an admin-only one, one that crashes, one that draws."""

from handlers.context import Context
from handlers.grammar import Args
from handlers.views import Chart, Message, Table, View


def admin_only(context: Context, args: Args) -> View:
    return Message(f"Admin work done by {context.actor.salesperson}.")


def crash(context: Context, args: Args) -> View:
    raise RuntimeError("the disk is on fire")


def chart(context: Context, args: Args) -> View:
    context.output_dir.mkdir(parents=True, exist_ok=True)
    path = context.output_dir / "probe.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    return Chart(title="Probe chart", path=path, kind="png")


def rows(context: Context, args: Args) -> View:
    count = int(args.word(0, "count"))
    return Table(
        "Rows",
        ["no", "name"],
        [[f"R{i:04d}", "x" * 150 + f" row {i}"] for i in range(count)],
        keys=[f"R{i:04d}" for i in range(count)],
    )


def find(context: Context, args: Args) -> View:
    from crm.home import service as home_service

    found = home_service.find_contacts(db_session=context.session, text=args.rest(0))
    return Table(
        "Found", ["no", "name"], [[c.no, c.name] for c in found], keys=[c.no for c in found]
    )

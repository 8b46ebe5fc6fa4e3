"""The `setup demo` command: load a demo company to look around in."""

import crm.demo
from crm.values import parse_int
from handlers.context import Context
from handlers.grammar import Args
from handlers.views import Message, View


def load_demo(context: Context, args: Args) -> View:
    seed = parse_int(args.get("seed", "1") or "1", field="seed")
    demo = crm.demo.load(
        db_session=context.session, actor=context.actor, progress=context.progress, seed=seed
    )
    first = demo.companies[0]
    return Message(
        f"Loaded the demo: {len(demo.salespeople)} salespeople, {len(demo.companies)} companies "
        f"and {len(demo.persons)} persons.",
        hint=f"Try `contact find {first.name.split()[0].lower()}`, `contact show {first.no}`, "
        "`contact dupes` or `setup salesperson list`.",
        data={"companies": len(demo.companies), "persons": len(demo.persons)},
    )

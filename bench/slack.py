"""Time to the ack of 50 concurrent `/crm contact find` requests over HTTP, 100,000 contacts.

Rapport's Slack app and a minimal Bolt app that only acks are served the same way (a
threaded WSGI server on loopback) and measured in the same run, in alternating rounds, so
that the noise of a shared machine falls on both alike.

    .venv/bin/python bench/slack.py [--backend sqlite|postgresql] [--rounds 6]
"""

import argparse
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slack_bolt import Ack, App  # noqa: E402
from slack_sdk import WebClient  # noqa: E402
from slack_sdk.signature import SignatureVerifier  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402

from bot.app import Rapport  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.slack import build_slack_app, http_server, tune_for_acks  # noqa: E402
from crm import db  # noqa: E402
from crm.contacts.models import Contact  # noqa: E402
from crm.numbering import NumberSeries  # noqa: E402
from crm.setup.models import Salesperson  # noqa: E402
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack  # noqa: E402

CONTACTS = 100_000
CONCURRENT = 50
SECRET = "bench-signing-secret"
USER = "UBENCH"
WORDS = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell"]
RESULTS = ROOT / "bench" / "results" / "slack.txt"


def database(backend: str, directory: Path) -> str:
    """Return the URL of a fresh, migrated database holding the contacts."""
    if backend == "sqlite":
        url = f"sqlite:///{directory / 'bench.db'}"
    else:
        from sqlalchemy.engine import make_url

        base = make_url("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
        name = f"rapport_bench_{uuid.uuid4().hex[:8]}"
        with create_engine(base, isolation_level="AUTOCOMMIT").connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
    engine = db.make_engine(url)
    db.upgrade(engine)
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(
            insert(Salesperson),
            [{"code": "BEN", "name": "Ben Bench", "slack_user_id": USER, "role": "admin"}],
        )
        batch = []
        for number in range(1, CONTACTS + 1):
            name = f"{WORDS[number % len(WORDS)].title()} {number} Ltd"
            batch.append(
                {
                    "no": f"CT{number:06d}",
                    "type": "company",
                    "name": name,
                    "search_name": name.upper(),
                    "created_by": "BEN",
                    "modified_by": "BEN",
                }
            )
            if len(batch) == 10_000:
                connection.execute(insert(Contact), batch)
                batch = []
        connection.execute(
            NumberSeries.__table__.update()
            .where(NumberSeries.__table__.c.code == "CONTACT")
            .values(last_no=CONTACTS)
        )
    print(f"{CONTACTS:,} contacts written in {time.perf_counter() - started:.1f} s")
    engine.dispose()
    return url


def drop_database(url: str) -> None:
    """Drop a PostgreSQL database the benchmark created."""
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = make_url(url).set(database="postgres")
    with create_engine(admin, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def rapport_app(url: str, fake: FakeSlack, output: Path) -> tuple[App, str]:
    settings = Settings(
        database_url=url,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=fake.api_url,
        output_dir=output,
    )
    rapport = Rapport(settings)
    verb = "find" if "find" in rapport.registry.verbs("contact") else "show"
    return build_slack_app(rapport, verify_token=False), verb


def minimal_app(fake: FakeSlack) -> App:
    client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
    app = App(
        client=client,
        signing_secret=SECRET,
        process_before_response=True,
        token_verification_enabled=False,
    )

    def ack_only(ack: Ack) -> None:
        ack()

    app.command("/crm")(ack_only)
    return app


def serve(app: App) -> tuple[str, object]:
    server = http_server(app, host="127.0.0.1", port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/slack/events", server


def ack_time(url: str, command: str, fake: FakeSlack, name: str) -> tuple[str, float, float]:
    body = urlencode(
        {
            "token": "x",
            "team_id": "T0001",
            "channel_id": "C0001",
            "user_id": USER,
            "command": "/crm",
            "text": command,
            "response_url": fake.response_url(name),
            "trigger_id": f"bench-{uuid.uuid4().hex}",
            "api_app_id": "A0001",
        }
    )
    ts = str(int(time.time()))
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
    }
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        assert response.status == 200
    return name, started, time.monotonic() - started


def burst(
    url: str, verb: str, fake: FakeSlack, pool: ThreadPoolExecutor
) -> list[tuple[str, float, float]]:
    """Send 50 requests at once; return (response name, sent at, seconds to the ack) each."""
    commands = [
        f"contact {verb} {WORDS[i % len(WORDS)]} {i * 997 % CONTACTS}" for i in range(CONCURRENT)
    ]
    names = [uuid.uuid4().hex[:12] for _ in commands]
    futures = [pool.submit(ack_time, url, c, fake, n) for c, n in zip(commands, names, strict=True)]
    return [future.result() for future in futures]


def answer_times(fake: FakeSlack, sent: list[tuple[str, float, float]]) -> list[float]:
    """Return the seconds from sending each request to its answer at the response URL."""
    arrived = {call.path.rsplit("/", 1)[-1]: call.at for call in fake.of("respond")}
    return [arrived[name] - started for name, started, _ in sent if name in arrived]


def wait_for_answers(fake: FakeSlack, expected: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while len(fake.of("respond")) < expected and time.monotonic() < deadline:
        time.sleep(0.05)


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=6)
    options = parser.parse_args()
    tune_for_acks()  # as `rapport start` does

    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        url = database(options.backend, directory)
        fake = FakeSlack()
        app, verb = rapport_app(url, fake, directory / "output")
        rapport_url, rapport_server = serve(app)
        minimal_url, minimal_server = serve(minimal_app(fake))
        timings: dict[str, list[float]] = {"rapport": [], "minimal": []}
        answers: list[float] = []
        with ThreadPoolExecutor(CONCURRENT) as pool:
            burst(rapport_url, verb, fake, pool)  # warm-up: imports, caches, connections
            burst(minimal_url, verb, fake, pool)
            wait_for_answers(fake, CONCURRENT)
            for round_no in range(options.rounds):
                answered = len(fake.of("respond"))
                sent = burst(rapport_url, verb, fake, pool)
                timings["rapport"] += [seconds for _, _, seconds in sent]
                wait_for_answers(fake, answered + CONCURRENT)
                answers += answer_times(fake, sent)
                timings["minimal"] += [s for _, _, s in burst(minimal_url, verb, fake, pool)]
                print(f"round {round_no + 1}/{options.rounds} done")
        rapport_server.shutdown()  # type: ignore[attr-defined]
        minimal_server.shutdown()  # type: ignore[attr-defined]
        fake.close()
        if options.backend == "postgresql":
            drop_database(url)

    lines = [
        f"Slack ack latency, {CONCURRENT} concurrent `/crm contact {verb}` over HTTP, "
        f"{CONTACTS:,} contacts, {options.backend}, {options.rounds} rounds "
        f"({len(timings['rapport'])} requests per app); 2 shared cores",
    ]
    for name, values in timings.items():
        lines.append(
            f"  {name:8} median {statistics.median(values) * 1000:7.1f} ms   "
            f"p99 {p99(values) * 1000:7.1f} ms"
        )
    median_ratio = statistics.median(timings["rapport"]) / statistics.median(timings["minimal"])
    p99_ratio = p99(timings["rapport"]) / p99(timings["minimal"])
    lines.append(f"  ratio    median {median_ratio:7.2f}      p99 {p99_ratio:7.2f}   (aim <= 2)")
    lines.append(
        f"  answer   median {statistics.median(answers) * 1000:7.1f} ms   "
        f"p99 {p99(answers) * 1000:7.1f} ms   (Rapport: request to reply at the response URL)"
    )
    report = "\n".join(lines)
    print(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as results:
        results.write(time.strftime("%Y-%m-%d %H:%M UTC ", time.gmtime()) + report + "\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

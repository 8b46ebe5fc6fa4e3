"""`rapport mail ...` from a terminal: run-once and status on the embedded defaults."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

CORPUS = Path(__file__).parents[1] / "mail" / "corpus"


def rapport(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    return subprocess.run(
        [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def test_run_once_says_what_is_missing_and_status_shows_the_queue(tmp_path: Path) -> None:
    (tmp_path / "mailbox" / "queue" / "new").mkdir(parents=True)
    shutil.copy(CORPUS / "gmail_en.eml", tmp_path / "mailbox" / "queue" / "new" / "1.eml")

    once = rapport("mail", "run-once", cwd=tmp_path)
    status = rapport("mail", "status", cwd=tmp_path)

    assert once.returncode == 1
    assert "setup template defaults email=" in once.stdout
    assert status.returncode == 0
    assert "Queue: 1 message(s) waiting in maildir." in status.stdout
    assert "Pending senders: 0" in status.stdout


def test_inspect_prints_for_a_person_without_a_database(tmp_path: Path) -> None:
    done = rapport("mail", "inspect", str(CORPUS / "bounce_dsn.eml"), cwd=tmp_path)

    assert done.returncode == 0
    assert "Kind:         bounce" in done.stdout
    assert not (tmp_path / "rapport.db").exists()

"""`rapport run` in a subprocess: exit status 0 done, 1 refused, 2 failed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

RAPPORT = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]


@pytest.fixture
def rapport(tmp_path: Path):
    env = {**os.environ, "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    env.pop("RAPPORT_USER", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*RAPPORT, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
        )

    return run


def test_exit_statuses(rapport, tmp_path):
    added = rapport("run", 'contact add "Acme Corp" email=info@acme.com', "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["data"]["no"] == "CT000001"

    refused = rapport("run", "contact add Acme email=not-an-address")
    assert refused.returncode == 1 and "not a valid e-mail" in refused.stdout

    (tmp_path / "bad.csv").write_bytes(b"name\n\xff\xfe broken\n")
    assert rapport("run", "contact import bad.csv").returncode == 1

    # A directory where a file is expected breaks inside Rapport, not in the user's input.
    (tmp_path / "out.csv").mkdir()
    failed = rapport("run", "contact export out.csv")
    assert failed.returncode == 2 and "reference" in failed.stdout

    assert rapport("run", "help contact").returncode == 0

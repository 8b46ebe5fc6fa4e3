"""Settings: environment and rapport.toml, secrets masked in `config check`."""

import subprocess
import sys

from bot.settings import Settings


def test_secrets_and_database_passwords_are_masked():
    settings = Settings(
        database_url="postgresql://rapport:s3cret@db.example.com/crm",
        slack_bot_token="xoxb-secret-token",
        slack_signing_secret="signing-secret",
    )

    shown = {name: value for name, value, _, _ in settings.describe()}

    assert "s3cret" not in shown["database_url"]
    assert shown["slack_bot_token"] == "•••• (set)"
    assert "secret" not in shown["slack_signing_secret"].replace("(set)", "")


def test_half_configured_slack_is_reported():
    problems = Settings(slack_bot_token="xoxb-1").problems()

    assert any("SIGNING_SECRET" in problem for problem in problems)


def test_toml_file_is_read(tmp_path, monkeypatch):
    (tmp_path / "rapport.toml").write_text('user = "AB"\ntime_zone = "Europe/Berlin"\n')
    monkeypatch.chdir(tmp_path)

    settings = Settings()

    assert (settings.user, settings.time_zone) == ("AB", "Europe/Berlin")


def test_config_check_never_prints_a_secret(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "RAPPORT_SLACK_BOT_TOKEN": "xoxb-very-secret",
        "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import bot.cli, sys; sys.exit(bot.cli.main(['config', 'check']))"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )

    assert "xoxb-very-secret" not in result.stdout + result.stderr
    assert result.returncode == 1  # a bot token without a signing secret is incomplete


def test_misspelt_variables_are_reported(monkeypatch):
    monkeypatch.setenv("RAPPORT_DATABSE_URL", "sqlite:///x.db")

    assert any("RAPPORT_DATABSE_URL" in problem for problem in Settings().problems())

"""One typed settings object, read from RAPPORT_* variables and an optional rapport.toml."""

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

TEST_VARIABLES = {"RAPPORT_TEST_POSTGRES_URL"}


class Settings(BaseSettings):
    """Everything Rapport can be told; only this module reads the environment."""

    model_config = SettingsConfigDict(
        env_prefix="RAPPORT_", toml_file="rapport.toml", extra="forbid", validate_default=True
    )

    database_url: str = Field(
        "sqlite:///rapport.db", description="SQLAlchemy URL; PostgreSQL for teams."
    )
    user: str | None = Field(None, description="Salesperson code of the person at the console.")
    time_zone: str = Field("UTC", description="Zone dates are shown in when a user has none.")
    output_dir: Path = Field(Path("rapport-output"), description="Where charts and CSVs go.")
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_file: Path | None = Field(None, description="Log to this file instead of stderr.")

    slack_bot_token: SecretStr | None = Field(None, description="Bot token (xoxb-...).")
    slack_signing_secret: SecretStr | None = Field(None, description="Signs Slack's requests.")
    slack_app_token: SecretStr | None = Field(None, description="App token for Socket Mode.")
    slack_port: int = Field(3000, description="Port of the Slack HTTP endpoint.")
    slack_api_url: str | None = Field(None, description="Slack Web API base URL (for tests).")
    slack_command: str = Field("/crm", description="The slash command Rapport answers.")

    mail_backend: Literal["maildir", "ews", "graph", "none"] = Field(
        "maildir", description="Where the bot mailbox lives."
    )
    maildir_path: Path = Field(Path("mailbox"), description="The local Maildir mailbox.")
    mailbox_address: str = Field("crm@localhost", description="The bot mailbox's address.")
    mail_poll_seconds: int = Field(60, description="How often the mailbox is read.")
    ews_url: str | None = Field(None, description="EWS endpoint of Exchange Server.")
    ews_username: str | None = Field(None, description="Exchange account of the bot.")
    ews_password: SecretStr | None = Field(None, description="Its password.")
    graph_tenant_id: str | None = Field(None, description="Entra tenant of Exchange Online.")
    graph_client_id: str | None = Field(None, description="App registration for Graph.")
    graph_client_secret: SecretStr | None = Field(None, description="Its client secret.")
    graph_url: str = Field(
        "https://graph.microsoft.com/v1.0", description="Microsoft Graph base URL (for tests)."
    )
    ews_version: str = Field("15.1", description="Exchange build: 15.1 = 2016, 15.2 = 2019.")
    ews_auth_type: Literal["NTLM", "basic", "digest", "OAuth 2.0", "no authentication"] = Field(
        "NTLM", description="How Rapport signs in to Exchange Server."
    )
    mail_queue_folder: str = Field("Inbox/Rapport/Queue", description="Folder read for mail.")
    mail_storage_folder: str = Field("Inbox/Rapport/Storage", description="Logged mail goes here.")
    mail_failed_folder: str = Field(
        "Inbox/Rapport/Failed", description="Unreadable mail goes here."
    )
    mail_unknown_senders: Literal["ignore", "review", "create"] = Field(
        "review", description="Addresses no contact has: ignore, hold for review, or create."
    )
    mail_sender_cap: int = Field(60, description="Messages per sender and hour before skipping.")
    mail_max_bytes: int = Field(25 * 1024 * 1024, description="Larger messages go to failed.")
    mail_log_private: bool = Field(False, description="Log mail marked private or confidential.")
    mail_workers: int = Field(
        0, ge=0, le=16, description="Messages logged at once; 0: 2 on PostgreSQL, 1 on SQLite."
    )
    mail_group: int = Field(
        20, ge=1, le=500, description="Messages committed together; a failure splits the group."
    )

    dataverse_url: str | None = Field(None, description="Dynamics 365 Sales environment URL.")
    dataverse_tenant_id: str | None = Field(None, description="Entra tenant of Dataverse.")
    dataverse_client_id: str | None = Field(None, description="App registration for Dataverse.")
    dataverse_client_secret: SecretStr | None = Field(None, description="Its client secret.")
    dataverse_sync_minutes: int = Field(
        30, description="How often the scheduled Sales synchronization runs (0 = never)."
    )
    dataverse_batch_size: int = Field(
        1000, description="Writes per $batch change set sent to Dataverse (1-1000)."
    )

    scheduler_enabled: bool = Field(True, description="Run scheduled jobs in this instance.")
    scheduler_recheck_seconds: float = Field(
        10.0, description="How often the scheduler's leader lock is checked (takeover time)."
    )
    instance_name: str | None = Field(None, description="Name of this instance in job runs.")
    campaign_per_minute: int = Field(600, description="Campaign mails sent per minute at most.")
    campaign_batch_size: int = Field(100, description="Campaign mails per send request.")
    unsubscribe_secret: SecretStr | None = Field(
        None, description="Signs unsubscribe tokens in campaign mail."
    )
    public_url: str | None = Field(
        None, description="Rapport's public https URL, for one-click unsubscribe links."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)

    @property
    def slack_configured(self) -> bool:
        return self.slack_bot_token is not None and (
            self.slack_signing_secret is not None or self.slack_app_token is not None
        )

    def describe(self) -> list[tuple[str, str, str, str]]:
        """Return (name, shown value, source, description) per setting, secrets masked."""
        rows = []
        for name, info in type(self).model_fields.items():
            value: Any = getattr(self, name)
            source = "set" if name in self.model_fields_set else "default"
            if isinstance(value, SecretStr):
                shown = "•••• (set)"
            elif value is None:
                shown = "—"
            else:
                shown = str(value)
            if name == "database_url":
                shown = _mask_url(shown)
            rows.append((name, shown, source, info.description or ""))
        return rows

    def problems(self) -> list[str]:
        """Return what is missing for the features that are half configured."""
        found = []
        if self.slack_bot_token and not (self.slack_signing_secret or self.slack_app_token):
            found.append(
                "Slack: set RAPPORT_SLACK_SIGNING_SECRET (HTTP) or RAPPORT_SLACK_APP_TOKEN."
            )
        if (self.slack_signing_secret or self.slack_app_token) and not self.slack_bot_token:
            found.append("Slack: RAPPORT_SLACK_BOT_TOKEN (xoxb-...) is missing.")
        if self.mail_backend == "ews" and not (self.ews_url and self.ews_username):
            found.append("Exchange Server: set RAPPORT_EWS_URL and RAPPORT_EWS_USERNAME.")
        graph = (self.graph_tenant_id, self.graph_client_id, self.graph_client_secret)
        if self.mail_backend == "graph" and not all(graph):
            found.append("Exchange Online: set the three RAPPORT_GRAPH_* settings.")
        dataverse = (
            self.dataverse_tenant_id,
            self.dataverse_client_id,
            self.dataverse_client_secret,
        )
        if self.dataverse_url and not all(dataverse):
            found.append("Dynamics 365 Sales: set the RAPPORT_DATAVERSE_* credentials.")
        known = {f"RAPPORT_{name.upper()}" for name in type(self).model_fields}
        for variable in sorted(os.environ):
            if variable.startswith("RAPPORT_") and variable not in known | TEST_VARIABLES:
                found.append(f"{variable} is not a Rapport setting (a typo?).")
        return found


def _mask_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" not in rest or ":" not in rest.split("@", 1)[0]:
        return url
    credentials, host = rest.split("@", 1)
    return f"{scheme}{sep}{credentials.split(':', 1)[0]}:••••@{host}"

"""Logging for the entry points: one format, one level, and secrets scrubbed on the way out."""

import logging
import re
from pathlib import Path

SECRET = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|Bearer\s+[A-Za-z0-9._~+/=-]+"
    r"|(?:password|secret|token)=[^\s&]+)",
    re.IGNORECASE,
)


class ScrubSecrets(logging.Filter):
    """Mask anything shaped like a token or password, whoever logged it (libraries too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = SECRET.sub(_mask, message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def _mask(match: re.Match[str]) -> str:
    text = match.group(0)
    keep = text.split("=", 1)[0] + "=" if "=" in text and not text.startswith("Bearer") else ""
    return f"{keep}[redacted]"


def configure(level: str = "INFO", file: Path | None = None, *, quiet: bool = False) -> None:
    """Send log records to stderr (or a file) with secrets scrubbed.

    A quiet front (the console) shows only warnings on stderr, so that log lines do not mix
    with the answers; a log file still receives everything at the configured level.
    """
    handler: logging.Handler = logging.FileHandler(file) if file else logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(ScrubSecrets())
    if quiet and file is None:
        handler.setLevel(logging.WARNING)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("alembic").setLevel(logging.WARNING)

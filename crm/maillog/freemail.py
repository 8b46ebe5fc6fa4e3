"""Free-mail domains: an address there says nothing about the company a person works for."""

from pathlib import Path

FREE_MAIL_DOMAINS = frozenset(
    line.strip().lower()
    for line in (Path(__file__).with_name("freemail.txt")).read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)


def is_free_mail(domain: str) -> bool:
    """Tell whether a domain belongs to a free-mail provider rather than a company."""
    return domain.strip().lower() in FREE_MAIL_DOMAINS

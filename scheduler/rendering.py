"""Render one campaign's templates for thousands of recipients: check and compile once."""

import threading
from collections.abc import Callable, Mapping
from typing import Any

MAX_OUTPUT = 200_000


class CompiledRenderer:
    """A Renderer that keeps each checked template compiled, so a send compiles it once.

    It takes the sandboxed environments and the sandbox's own check from bot, so that the
    rules (allowed names, no internals, capped output) stay those of the mail side.
    """

    def __init__(
        self, environments: Mapping[bool, Any], check: Callable[..., None], max_cache: int = 64
    ) -> None:
        self._environments = environments
        self._check = check
        self._compiled: dict[tuple[str, bool], Any] = {}
        self._lock = threading.Lock()
        self._max = max_cache

    def check(self, source: str, *, name: str, html: bool) -> None:
        self._check(source, name=name, html=html)

    def render(self, source: str, fields: Mapping[str, object], *, name: str, html: bool) -> str:
        template = self._template(source, name, html)
        out, size = [], 0
        for chunk in template.generate(**fields):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise ValueError(f"the {name} template renders more than {MAX_OUTPUT} characters")
            out.append(chunk)
        return "".join(out)

    def _template(self, source: str, name: str, html: bool) -> Any:
        key = (source, html)
        with self._lock:
            template = self._compiled.get(key)
        if template is None:
            self._check(source, name=name, html=html)
            template = self._environments[html].from_string(source)
            with self._lock:
                if len(self._compiled) >= self._max:
                    self._compiled.clear()
                self._compiled[key] = template
        return template

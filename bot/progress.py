"""A progress bar on the terminal for long work (imports, sends, sync runs)."""

import sys
from typing import Any


class TerminalProgress:
    """Draw a bar on stderr while work advances; silent when stderr is not a terminal."""

    def __init__(self) -> None:
        self._bar: Any = None

    def start(self, total: int, label: str) -> None:
        from tqdm import tqdm

        self._bar = tqdm(
            total=total,
            desc=label,
            unit="row",
            file=sys.stderr,
            leave=False,
            disable=not sys.stderr.isatty(),
        )

    def advance(self, done: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(done)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

"""Progress reporting for long work, implemented by each front (a bar, a Slack message)."""

from typing import Protocol


class Progress(Protocol):
    """Told how much of a long piece of work is done."""

    def start(self, total: int, label: str) -> None: ...

    def advance(self, done: int = 1) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    """Progress that nobody watches."""

    def start(self, total: int, label: str) -> None:
        pass

    def advance(self, done: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass

"""Progress lines for long commands (import, seeding, indexing): how many so far, of how many, how fast,
and about how long is left, at most one line every few seconds so a log stays readable."""
from __future__ import annotations

import time
from collections.abc import Callable


class Progress:
    def __init__(self, what: str, write: Callable[[str], None], total: int | None = None,
                 every_seconds: float = 2.0) -> None:
        self.what, self.write, self.total, self.every_seconds = what, write, total, every_seconds
        self.done = 0
        self.started = self._reported = time.monotonic()

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._reported >= self.every_seconds:
            self._reported = now
            self.write(self.line(now))

    def finish(self) -> None:
        now = time.monotonic()
        self.write(f"{self.line(now, estimate=False)}, done in {now - self.started:.1f} s")

    def line(self, now: float, estimate: bool = True) -> str:
        rate = self.done / max(now - self.started, 1e-6)
        text = f"{self.what}: {self.done:,}"
        if self.total:
            text += f" of {self.total:,} ({self.done / self.total:.0%})"
        text += f", {rate:,.0f}/s"
        if estimate and self.total and rate and self.done < self.total:
            text += f", about {(self.total - self.done) / rate:.0f} s left"
        return text

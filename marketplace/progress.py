"""Progress lines for long commands (import, seeding, indexing): each step's running count and rate, on
stderr so that stdout keeps the result."""
from __future__ import annotations

import time

import click


class ProgressPrinter:
    """Prints each step of a long command as it goes: its count and rate. A step reported again (a running
    count) is timed from where it began."""

    def __init__(self) -> None:
        self.step, self.began = "", time.monotonic()
        self.last = self.began

    def __call__(self, step: str, count: int) -> None:
        now = time.monotonic()
        if step != self.step:
            self.step, self.began = step, self.last
        self.last = now
        seconds = max(now - self.began, 1e-3)
        click.echo(f"  {step}: {count:,} in {seconds:.1f} s ({count / seconds:,.0f}/s)", err=True)

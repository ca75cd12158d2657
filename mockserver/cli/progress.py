"""A run's progress where the person running it looks: on a terminal, one live line (rich)
redrawn in place; off one (a CI log), a plain line soon after the start and then every
`LOG_EVERY` seconds. Findings printed meanwhile go above the live line."""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import Any

import click

from mockserver.contract.progress import RunProgress

# Off a terminal: the first line this soon, then one this often (a 30-minute job logs ~60 lines).
FIRST_LOG_AFTER = 2.0
LOG_EVERY = 30.0


class Display:
    def __init__(self, progress: RunProgress, tty: bool | None = None) -> None:
        self.progress = progress
        self.tty = sys.stdout.isatty() if tty is None else tty
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._live: Any = None

    def __enter__(self) -> Display:
        if self.tty:
            from rich.console import Console
            from rich.live import Live
            from rich.text import Text

            progress = self.progress
            self._live = Live(
                get_renderable=lambda: Text(
                    progress.line(time.monotonic()), no_wrap=True, overflow="ellipsis"
                ),
                console=Console(),
                refresh_per_second=4,
                transient=True,
            )
            self._live.start()
        else:
            self._thread = threading.Thread(target=self._log, daemon=True)
            self._thread.start()
        return self

    def _log(self) -> None:
        wait = FIRST_LOG_AFTER
        while not self._stop.wait(wait):
            click.echo(self.progress.line(time.monotonic()))
            wait = LOG_EVERY

    def echo(self, line: str) -> None:
        """A line above the live one (or in the log)."""
        if self._live is not None:
            self._live.console.print(line, markup=False, highlight=False, soft_wrap=True)
        else:
            click.echo(line)

    def lines(self, lines: list[str]) -> None:
        for line in lines:
            self.echo(line)

    def close(self) -> None:
        """Stop drawing (the live line is cleared, so the summary starts a line of its own)."""
        self._stop.set()
        if self._live is not None:
            self._live.stop()
            self._live = None
        if self._thread is not None:
            self._thread.join(timeout=1)
            self._thread = None

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

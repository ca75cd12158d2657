"""`serve --watch`: the spec and the fixtures are read again when they change.

The check is made on each request (a few `stat` calls), so the request after an edit is served
from it; a broken edit keeps the last good version serving and logs one line saying why.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.mock.settings import Settings

logger = logging.getLogger("mockserver.watch")
Stamp = tuple[tuple[str, int, int], ...]


class WatchingApp:
    """An ASGI app that rebuilds itself from `settings` when a watched file changes."""

    def __init__(
        self,
        settings: Settings,
        build: Callable[[Settings], ASGIApp],
        errors: tuple[type[Exception], ...],
        app: ASGIApp | None = None,
    ) -> None:
        self.settings = settings
        self.build = build
        self.errors = errors
        self.app = app if app is not None else build(settings)
        self.stamp = self._stamp()
        self._lock = asyncio.Lock()

    def _stamp(self) -> Stamp:
        """Path, modification time and size of the spec and every fixture file."""
        paths = [self.settings.spec_path]
        fixtures = self.settings.fixtures_dir
        if fixtures.is_dir():
            paths += sorted(p for p in fixtures.rglob("*") if p.is_file())
        found = []
        for path in paths:
            try:
                status = path.stat()
            except OSError:
                continue  # deleted between listing and reading: the next request sees it
            found.append((str(path), status.st_mtime_ns, status.st_size))
        return tuple(found)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            stamp = self._stamp()
            if stamp != self.stamp:
                async with self._lock:
                    if stamp != self.stamp:
                        self.stamp = stamp
                        self._rebuild()
        await self.app(scope, receive, send)

    def _rebuild(self) -> None:
        try:
            self.app = self.build(self.settings)
        except self.errors as exc:
            logger.error("mockserver: watch: %s; still serving the last good version", _one_line(exc))
            return
        logger.warning("mockserver: watch: reloaded %s and its fixtures", Path(self.settings.spec_path).name)


def _one_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

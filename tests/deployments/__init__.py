"""Real implementations of the list styles real APIs use, each written as a developer of its
framework writes it, with the document its framework generates and no `x-` extension: the
checker must understand them from the document alone. Each module's `make_app(bug)` builds the
clean app, or one with a bug that list endpoints ship."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import uvicorn
from sqlalchemy import MetaData, create_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class AllowEveryMethod:
    """Starlette answers a 405 with the methods of the first route that matched the path only,
    and FastAPI makes one route per method; a developer whose contract run reported the
    incomplete `Allow` (RFC 9110 §15.5.6) lists every method of the path instead."""

    def __init__(self, app: ASGIApp, router: Any) -> None:
        self.app = app
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        methods = sorted(
            {
                method
                for route in self.router.routes
                if route.matches(scope)[0] != Match.NONE
                for method in getattr(route, "methods", None) or ()
            }
        )

        async def send_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                message = {**message, "headers": [*headers, (b"allow", ", ".join(methods).encode())]}
            await send(message)

        await self.app(scope, receive, send_allow)


def seeded_database(metadata: MetaData, seed: Callable[[Session], None]) -> Callable[[], Iterator[Session]]:
    """An in-memory SQLite database of `metadata`'s tables, filled by `seed` and shared by every
    request of one app (one connection); returns the dependency that opens a session on it."""
    engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
    metadata.create_all(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as db:
        seed(db)

    def get_db() -> Iterator[Session]:
        with factory() as db:
            yield db

    return get_db


def write_document(app: Any, directory: Path, name: str) -> Path:
    """The document the app's framework generates, as a file a user hands to `--spec`."""
    path = directory / f"{name}.json"
    path.write_text(json.dumps(app.openapi(), indent=1), encoding="utf-8")
    return path


@contextmanager
def serving(app: Any, port: int) -> Iterator[str]:
    """The app served by uvicorn on loopback, in this process, for as long as the block runs."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the deployment did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _deployments() -> dict[str, ModuleType]:
    from tests.deployments import conduit, customers_cursor, events_link, items_sqlmodel

    return {
        "items_sqlmodel": items_sqlmodel,
        "conduit": conduit,
        "customers_cursor": customers_cursor,
        "events_link": events_link,
    }


# Each framework deployment by name: a module with `make_app(bug)`, `BUGS` and `TOKEN`.
DEPLOYMENTS = _deployments()

"""The one place that owns every default of the mock server."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from mockserver.model.defaults import DEFAULT_SEED, default_fixtures_dir, default_spec_path

DEFAULT_COUNT = 1500
DEFAULT_ORG_COUNT = 36
DEFAULT_LOCALE = "en_US"
DEFAULT_MAX_BODY = 10 * 1024 * 1024
# Seconds a client has to send a whole request; a slower one gets 408 and is closed.
DEFAULT_REQUEST_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that shapes what the mock serves.

    Two processes built from equal settings serve byte-identical responses.
    """

    seed: int = DEFAULT_SEED
    # Generated assistants per organization on `GET /assistants`.
    count: int = DEFAULT_COUNT
    # Generated assistants per organization slug on `GET /orgs/{org_id}/assistants`.
    org_count: int = DEFAULT_ORG_COUNT
    locale: str = DEFAULT_LOCALE
    fixtures_dir: Path = field(default_factory=default_fixtures_dir)
    spec_path: Path = field(default_factory=default_spec_path)
    # Origins a browser may call from (comma-separated, `*` any); empty turns CORS off.
    cors_origins: str = "*"
    # Added before each answer: `120ms` or a range `50ms..300ms`; empty for none.
    latency: str = ""
    # Share of requests answered with a fault, and the faults drawn from.
    fault_rate: float = 0.0
    faults: str = "500,503"
    # Requests kept in the journal (`/__mockserver/requests`); 0 turns it off.
    journal_size: int = 1000
    # The largest request body read, in bytes; a larger one is answered 413. 0 for no limit.
    max_body: int = DEFAULT_MAX_BODY
    # Writes forgotten at once (every answer a function of the request alone), as before
    # sessions; else each session's writes are kept and every read sees them.
    stateless: bool = False
    # Where the writes are kept: "" in this process, `sqlite:PATH` across restarts,
    # `redis://HOST:PORT/DB` shared by workers and replicas.
    state: str = ""
    # Seconds a client has to send a whole request (its head and its body).
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT

    def to_env(self) -> dict[str, str]:
        """Environment variables from which `from_env` rebuilds these settings.

        Worker processes started by uvicorn (`--workers`, `--reload`) get settings this way.
        """
        return {f"MOCKSERVER_{f.name.upper()}": str(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            raw = environ.get(f"MOCKSERVER_{f.name.upper()}")
            if raw is None:
                continue
            default = getattr(cls(), f.name)
            # `bool("False")` is True: a flag is read as `to_env` wrote it.
            kwargs[f.name] = raw == "True" if isinstance(default, bool) else type(default)(raw)
        return cls(**kwargs)  # type: ignore[arg-type]

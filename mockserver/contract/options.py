"""What a contract or fuzz run is asked to do, and every default of it.

Kept apart from the runner, which imports Schemathesis, so that the command line reads its
defaults (and answers `--help`) without loading the engine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockserver.model.defaults import DEFAULT_SEED, default_spec_path

# Items of the list compared in every walk, unless the run asks for another bound.
DEFAULT_WINDOW = 200
# Generated cases per operation and phase of a contract run.
DEFAULT_MAX_EXAMPLES = 25
# Seconds for each whole response.
DEFAULT_TIMEOUT = 10.0
# A fuzz run's time box, as the command line writes one.
DEFAULT_FUZZ_DURATION = "10m"
# The bytes of one body a report keeps (requests and responses alike); the rest is cut, marked.
DEFAULT_REPORT_BODY_LIMIT = 64 * 1024
# Checks that Schemathesis 4.32.5's fuzz engine cannot run: `ignored_auth` records its extra
# requests into the scenario while the engine iterates it ("dictionary changed size during
# iteration"). The contract run applies it.
NOT_IN_FUZZ_MODE = ("ignored_auth",)


def cache_directory() -> Path:
    """Where runs keep what is theirs and no user's (Hypothesis' files, a fuzz run's reports when
    no `--report-dir` is given): `$MOCKSERVER_CACHE`, else the user's cache folder, never the
    current directory."""
    chosen = os.environ.get("MOCKSERVER_CACHE")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "mockserver"


@dataclass(frozen=True, slots=True)
class RunOptions:
    url: str | None = None
    token: str | None = None
    org_id: str | None = None
    max_examples: int = DEFAULT_MAX_EXAMPLES
    seed: int = DEFAULT_SEED
    workers: int = 1
    rate_limit: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    checks: tuple[str, ...] = ()
    include_operations: tuple[str, ...] = ()
    # The stateful phase follows links (declared, or inferred as Schemathesis infers them: a
    # created resource's id into its item operations) and checks that a created resource can be
    # read and a deleted one cannot.
    phases: tuple[str, ...] = ("examples", "coverage", "fuzzing", "stateful")
    # Whole-run limit in seconds (contract), or the time box (fuzz).
    max_time: float | None = None
    # "contract" runs Schemathesis' phases once; "fuzz" keeps drawing across every operation,
    # both modes, after failures too, until the time box ends.
    mode: str = "contract"
    database: Path | None = None
    spec_path: Path = field(default_factory=default_spec_path)
    # Who the token belongs to (`user_id`, `organization_id`), for `$caller` rules.
    caller: dict[str, Any] = field(default_factory=dict)
    # Items of each list the whole-list checks walk (page sizes, filters, records).
    window: int = DEFAULT_WINDOW
    # Schemathesis report formats to write into `report_dir` besides junit.xml and summary.json.
    reports: tuple[str, ...] = ()
    report_dir: Path | None = None
    # The ASGI app tested in-process when `url` is None (its caller builds it: the checker
    # never imports the mock).
    app: Any = None
    # Further request headers (an API key, Basic credentials); treated as secrets in reports.
    headers: tuple[tuple[str, str], ...] = ()
    # A second caller's bearer token: one who owns none of the first caller's records.
    other_token: str | None = None
    # Whether the run sends the operations that write (POST, PUT, PATCH, DELETE): they change
    # the deployment, so only when asked (`mockserver contract` asks for the in-process mock,
    # whose session is the run's own).
    writes: bool = False
    # The bytes of each body the reports keep; 0 keeps them whole.
    report_body_limit: int = DEFAULT_REPORT_BODY_LIMIT
    # Hypothesis' own files (and nothing of the user's) are kept here.
    cache: Path = field(default_factory=cache_directory)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.token, self.other_token, *(value for _, value in self.headers)) if s)

    @property
    def checks_to_run(self) -> tuple[str, ...]:
        """The selected checks, or every registered one this mode can run."""
        if self.checks:
            return self.checks
        from schemathesis.checks import CHECKS

        import mockserver.contract.hooks  # noqa: F401  (registers the domain checks)

        excluded = NOT_IN_FUZZ_MODE if self.mode == "fuzz" else ()
        return tuple(sorted(name for name in CHECKS.get_all_names() if name not in excluded))

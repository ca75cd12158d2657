"""Running Schemathesis (its own checks plus ours) against the mock or any deployment.

The CLI turns options into a `RunOptions`; this module builds the Schemathesis schema, consumes
the engine's events into a `RunOutcome`, and never prints.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from schemathesis import GenerationMode
from schemathesis.engine import events, from_schema

import mockserver.hooks  # noqa: F401  (registers the domain checks)
from mockserver.app import create_app
from mockserver.fixtures import schema_errors
from mockserver.outcome import Finding, RunOutcome, redact
from mockserver.resources import default_spec_path
from mockserver.settings import Settings
from mockserver.spec import Spec, SpecError, load_spec, resolve_refs

DEFAULT_SEED = 20231107
IN_PROCESS = "in-process mock"
# The bundled mock's identities, so the in-process run can check `$caller` rules exactly.
IN_PROCESS_TOKEN = "dev-token"
IN_PROCESS_ORG = "org_demo"


class RunError(Exception):
    """The run could not be made (bad arguments, unreachable URL, invalid spec)."""


@dataclass(frozen=True, slots=True)
class RunOptions:
    url: str | None = None
    token: str | None = None
    org_id: str | None = None
    max_examples: int = 25
    seed: int = DEFAULT_SEED
    workers: int = 1
    rate_limit: str | None = None
    timeout: float = 10.0
    checks: tuple[str, ...] = ()
    include_operations: tuple[str, ...] = ()
    phases: tuple[str, ...] = ("examples", "coverage", "fuzzing")
    max_time: float | None = None
    database: Path | None = None
    spec_path: Path = field(default_factory=default_spec_path)
    # The ASGI app tested in-process when `url` is None; default: the bundled mock.
    app: Any = None

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.token,) if s)


def preflight(url: str, timeout: float) -> None:
    """Fail fast, in one line, when the deployment cannot be reached at all."""
    try:
        httpx.get(url, timeout=timeout)
    except httpx.TimeoutException as exc:
        raise RunError(f"{url}: no response within {timeout:g}s ({type(exc).__name__})") from None
    except httpx.ConnectError as exc:
        raise RunError(f"{url}: cannot connect ({exc})") from None
    except httpx.HTTPError as exc:
        raise RunError(f"{url}: {exc}") from None


def build_schema(options: RunOptions) -> Any:
    schema: Any
    try:
        if options.url is None:
            for name in ("connexion", "uvicorn.error"):
                # Connexion logs every rejected request; the run reports what matters.
                logging.getLogger(name).setLevel(logging.ERROR)
            app = options.app if options.app is not None else create_app(Settings())
            schema = schemathesis.openapi.from_path(options.spec_path)
            schema.app = app
        else:
            schema = schemathesis.openapi.from_path(options.spec_path)
            schema.config.update(base_url=options.url.rstrip("/"))
    except Exception as exc:  # Schemathesis raises several types for unreadable specs
        raise RunError(f"cannot load the spec: {str(exc).splitlines()[0]}") from None
    token = options.token or (IN_PROCESS_TOKEN if options.url is None else None)
    org_id = options.org_id or (IN_PROCESS_ORG if options.url is None else None)
    config = schema.config
    config.update(
        headers={"Authorization": f"Bearer {token}"} if token else None,
        workers=options.workers,
        rate_limit=options.rate_limit,
        request_timeout=options.timeout,
        parameters={"org_id": org_id} if org_id else None,
    )
    config.seed = options.seed
    config.generation.update(
        modes=list(GenerationMode),
        max_examples=options.max_examples,
        deterministic=options.database is None,
        database=str(options.database) if options.database else "none",
    )
    config.phases.update(phases=list(options.phases))
    if options.checks:
        config.checks.update(included_check_names=list(options.checks))
    if options.max_time is not None:
        config.max_time = int(options.max_time)
    if options.include_operations:
        schema = schema.include(operation_id=list(options.include_operations))
    return schema


def _excerpt(response: Any, secrets: tuple[str, ...]) -> str:
    text = response.content.decode("utf-8", "replace") if response is not None else ""
    text = " ".join(text.split())
    return redact(text[:300] + ("..." if len(text) > 300 else ""), secrets)


def explain_schema_violation(spec: Spec, label: str, response: Any) -> str | None:
    """The deepest violations of the declared response schema, as `pointer: message` lines.

    Schemathesis reports a nullable object that fails as "not valid under any of anyOf" at the
    object; re-validating with the OpenAPI 3.0 validator points at the offending leaf instead:
    `/3/llm_settings/temperature: '0.5' is not of type 'number'`.
    """
    method, _, path = label.partition(" ")
    operation = next(
        (op for op in spec.operations.values() if op.method.upper() == method and op.path == path), None
    )
    if operation is None or response is None:
        return None
    declared = operation.responses.get(str(response.status_code), {}).get("content", {})
    media = next(iter(declared.values()), None)
    if media is None or "schema" not in media:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    errors = schema_errors(body, resolve_refs(media["schema"], spec.document))
    if not errors:
        return None
    errors.sort(key=lambda e: -e[0].count("/"))
    shown = [f"{pointer}: {message}" for pointer, message in errors[:3]]
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return "\n".join(shown) + more


def _message(failure: Any, spec: Spec, label: str, response: Any) -> str:
    path = getattr(failure, "instance_path", None)
    raw = getattr(failure, "_raw_message", None)
    if path is not None and raw:
        precise = explain_schema_violation(spec, label, response)
        if precise is not None:
            return precise
        return "/" + "/".join(str(p) for p in path) + f": {raw}"
    return str(failure.message or failure.title)


def _collect(
    outcome: RunOutcome,
    recorder: Any,
    spec: Spec,
    secrets: tuple[str, ...],
    on_finding: Callable[[Finding], None] | None,
) -> None:
    label = recorder.label
    outcome.cases[label] = outcome.cases.get(label, 0) + len(recorder.cases)
    for case_id, nodes in recorder.checks.items():
        for node in nodes:
            failed = node.failure_info is not None
            outcome.record(label, node.name, passed=not failed)
            if not failed:
                continue
            info = node.failure_info
            interaction = recorder.interactions.get(info.failure.case_id or case_id)
            response = interaction.response if interaction is not None else None
            finding = Finding(
                operation=label,
                check=node.name,
                title=redact(str(info.failure.title), secrets),
                message=redact(_message(info.failure, spec, label, response), secrets),
                curl=redact(info.code_sample, secrets),
                status=response.status_code if response is not None else None,
                excerpt=_excerpt(response, secrets),
            )
            if outcome.add_finding(finding) and on_finding is not None:
                on_finding(finding)


def run(
    options: RunOptions,
    *,
    on_event: Callable[[str], None] | None = None,
    on_finding: Callable[[Finding], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RunOutcome:
    if options.url is not None:
        preflight(options.url, options.timeout)
    schema = build_schema(options)
    try:
        spec = load_spec(options.spec_path)
    except SpecError as exc:
        raise RunError(str(exc)) from None
    target = options.url or (IN_PROCESS if options.app is None else "in-process app")
    outcome = RunOutcome(seed=options.seed, target=target)
    started = time.monotonic()
    stream = from_schema(schema).execute()
    try:
        for event in stream:
            if should_stop is not None and should_stop():
                stream.stop()
            if isinstance(event, events.ScenarioFinished):
                _collect(outcome, event.recorder, spec, options.secrets, on_finding)
                if on_event is not None:
                    on_event(
                        f"{event.phase.value if hasattr(event.phase, 'value') else event.phase} "
                        f"{event.recorder.label}: {len(event.recorder.cases)} cases"
                    )
            elif isinstance(event, events.NonFatalError):
                outcome.errors.append(
                    redact(f"{event.label}: {str(event.value).splitlines()[0]}", options.secrets)
                )
            elif isinstance(event, events.FatalError):
                outcome.errors.append(redact(str(event.exception).splitlines()[0], options.secrets))
            elif isinstance(event, events.Interrupted):
                outcome.interrupted = True
    except KeyboardInterrupt:
        outcome.interrupted = True
        stream.stop()
    outcome.duration = time.monotonic() - started
    return outcome

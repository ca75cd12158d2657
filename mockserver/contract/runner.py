"""Running Schemathesis (its own checks plus ours) against the mock or any deployment.

The CLI turns options into a `RunOptions`; this module builds the Schemathesis schema, consumes
the engine's events into a `RunOutcome` (and into Schemathesis' own report writers), and never
prints.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import math
import re
import shlex
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import requests
import schemathesis
from hypothesis.configuration import set_hypothesis_home_dir, storage_directory
from schemathesis import GenerationMode
from schemathesis.config import FuzzConfig, ReportFormat, SanitizationConfig
from schemathesis.engine import events, from_schema
from schemathesis.openapi.checks import JsonSchemaError

import mockserver.contract.hooks  # noqa: F401  (registers the domain checks)
from mockserver.contract.hooks import DomainFailure, bind_run
from mockserver.contract.options import NOT_IN_FUZZ_MODE, RunOptions
from mockserver.contract.outcome import TOKEN_VARIABLE, Finding, RunOutcome, redact, reproducible
from mockserver.contract.progress import TEST_PHASES, RunProgress
from mockserver.contract.relay import Relay, ResponseRefused, ResponseTooLarge, fetch
from mockserver.contract.report_bounds import ReportBudget
from mockserver.contract.validation import known_operations
from mockserver.model.document import SpecError, resolve_refs
from mockserver.model.schemas import schema_errors
from mockserver.model.spec import Spec, load_spec

# A redirect chain longer than this is a loop, reported once rather than followed 30 times.
MAX_REDIRECTS = 5
_REPORT_PATHS = {
    "har": "har.json",
    "vcr": "vcr.yaml",
    "ndjson": "events.ndjson",
    "pytest": "test_reproduce.py",
    "html": "html",
}
# Only credentials are redacted in Schemathesis' reports: a `next_page_token` is no secret.
CREDENTIAL_KEYS = (
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "api_key",
    "apikey",
    "password",
    "passwd",
)


class RunError(Exception):
    """The run could not be made (bad arguments, unreachable URL, invalid spec)."""


# Before testing, Schemathesis probes the deployment with plain `requests` calls that bypass the
# relay (its probing phase cannot be switched off): the base URL, and this path under it.
SCHEMATHESIS_PROBE_PATH = "schemathesis-probe%5C%1B%01"


def preflight(url: str, timeout: float, should_stop: Callable[[], bool] = lambda: False) -> None:
    """Fail fast, in one line, when the deployment cannot be reached, and send Schemathesis'
    probe requests first within the run's bounds (each whole response within `timeout`, the
    body within the size limit), so its unbounded probes never meet a hanging or huge answer."""

    async def probe(target: str) -> None:
        async with httpx.AsyncClient(timeout=timeout) as client:
            await fetch(client, client.build_request("GET", target))

    async def bounded(target: str) -> None:
        # Polls `should_stop`, so a signal ends the preflight at once without unwinding asyncio.
        task = asyncio.ensure_future(asyncio.wait_for(probe(target), timeout))
        while not task.done():
            await asyncio.wait({task}, timeout=0.1)
            if should_stop() and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                raise KeyboardInterrupt
        task.result()

    for target in (url, f"{url}/{SCHEMATHESIS_PROBE_PATH}"):
        what = url if target == url else f"{url} (Schemathesis' probe GET /{SCHEMATHESIS_PROBE_PATH})"
        try:
            asyncio.run(bounded(target))
        except (TimeoutError, httpx.TimeoutException):
            raise RunError(f"{what}: no response within {timeout:g}s") from None
        except httpx.ConnectError as exc:
            raise RunError(f"{url}: cannot connect ({exc})") from None
        except ResponseRefused as exc:
            raise RunError(f"{what}: {exc.reason}") from None
        except httpx.HTTPError as exc:
            raise RunError(f"{what}: {type(exc).__name__}: {exc}") from None


def build_schema(options: RunOptions, labels: list[str] | None = None) -> Any:
    schema: Any
    try:
        schema = schemathesis.openapi.from_path(options.spec_path)
    except Exception as exc:  # Schemathesis raises several types for unreadable specs
        raise RunError(f"cannot load the spec: {str(exc).splitlines()[0]}") from None
    if options.url is None:
        for name in ("connexion", "uvicorn.error"):
            # Connexion logs every rejected request; the run reports what matters.
            logging.getLogger(name).setLevel(logging.ERROR)
        if options.app is None:
            raise RunError("nothing to test: give --url, or an app to test in-process")
        schema.app = options.app
    else:
        base = options.url.rstrip("/")
        parts = urlsplit(base)
        schema.config.update(base_url=base)
        # Requests keep the deployment's URL; the relay bounds each response (see relay.py).
        schema.app = Relay(f"{parts.scheme}://{parts.netloc}")
        # Schemathesis mines an in-process app's code for constants to generate with; the relay
        # is no API, and mining it would make the cases depend on the installed files.
        schema.config.analysis.constants.enabled = False
    token, org_id = options.token, options.org_id
    config = schema.config
    config.update(
        headers={**dict(options.headers), **({"Authorization": f"Bearer {token}"} if token else {})} or None,
        workers=options.workers,
        rate_limit=options.rate_limit,
        request_timeout=options.timeout,
        max_redirects=MAX_REDIRECTS,
        parameters={"org_id": org_id} if org_id else None,
        continue_on_failure=options.mode == "fuzz",
    )
    config.output.sanitization = SanitizationConfig(
        keys_to_sanitize=CREDENTIAL_KEYS, sensitive_markers=("authorization", "password", "cookie")
    )
    # Schemathesis' fuzz engine validates the recorded response, which it cuts at 1 MiB by
    # default: a page of 300 assistants then reads as invalid JSON. Keep whole bodies: the
    # reports get them cut (`report_bounds`), once the checks have seen them.
    config.output.truncation.max_recorded_payload_size = 0
    config.seed = options.seed
    config.generation.update(
        modes=list(GenerationMode),
        max_examples=options.max_examples,
        deterministic=options.database is None,
        database=str(options.database) if options.database else "none",
    )
    config.phases.update(phases=list(options.phases))
    refused = sorted(set(options.checks) & set(NOT_IN_FUZZ_MODE)) if options.mode == "fuzz" else []
    if refused:
        raise RunError(f"{', '.join(refused)} cannot run in fuzz mode; `mockserver contract` runs it")
    if options.checks or options.mode == "fuzz":
        config.checks.update(included_check_names=list(options.checks_to_run))
    # Schemathesis keeps interesting cases of earlier runs in a cache under the working directory
    # and replays them; a contract run must depend on the deployment and the seed alone.
    config.cache.enabled = False
    if (options.include_operations or not options.writes) and labels:
        schema = schema.include(name=list(labels))
    other = {"Authorization": f"Bearer {options.other_token}"} if options.other_token else None
    # The fuzz engine checks a scenario once all of its steps are sent.
    bind_run(
        schema, caller=options.caller, window=options.window, other=other, settled=options.mode != "fuzz"
    )
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
    operation = spec.by_label(label)
    if operation is None or response is None:
        return None
    declared = operation.responses.get(str(response.status_code), {}).get("content", {})
    media = next(iter(declared.values()), None)
    if media is None or "schema" not in media:
        return None
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):
        return None
    errors = schema_errors(body, resolve_refs(media["schema"], spec.document))
    if not errors:
        return None
    errors.sort(key=lambda e: -e[0].count("/"))
    shown = [f"{pointer}: {message}" for pointer, message in errors[:3]]
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return "\n".join(shown) + more


def _message(failure: Any, spec: Spec, label: str, response: Any) -> str:
    if isinstance(failure, DomainFailure):
        return failure.rule_message
    if isinstance(failure, JsonSchemaError):
        precise = explain_schema_violation(spec, label, response)
        if precise is not None:
            return precise
        return "/" + "/".join(str(p) for p in failure.instance_path) + f": {failure.message}"
    return str(failure.message or failure.title)


def _curl(method: str, url: str, token: str | None) -> str:
    auth = f' -H "Authorization: Bearer ${TOKEN_VARIABLE}"' if token else ""
    return f"curl -X {method}{auth} {shlex.quote(url)}"


@dataclass
class _Collector:
    outcome: RunOutcome
    spec: Spec
    options: RunOptions
    on_finding: Callable[[Finding], None] | None
    progress: RunProgress | None = None

    def _add(self, finding: Finding) -> None:
        if not self.outcome.add_finding(finding):
            return
        if self.progress is not None:
            self.progress.found()
        if self.on_finding is not None:
            self.on_finding(finding)

    def scenario(self, recorder: Any, elapsed: float) -> None:
        secrets = self.options.secrets
        labels: dict[str, str] = {}
        for case_id, node in recorder.cases.items():
            case = node.value
            label = case.operation.label
            labels[case_id] = label
            self.outcome.cases[label] = self.outcome.cases.get(label, 0) + 1
            positive = case.meta is None or case.meta.generation.mode.is_positive
            interaction = recorder.interactions.get(case_id)
            if positive and interaction is not None and interaction.response is not None:
                self.outcome.statuses.setdefault(label, Counter())[interaction.response.status_code] += 1
        touched = set(labels.values())
        for label in touched:
            self.outcome.seconds[label] = self.outcome.seconds.get(label, 0.0) + elapsed / len(touched)
        for case_id, nodes in recorder.checks.items():
            label = labels.get(case_id, recorder.label)
            for node in nodes:
                failed = node.failure_info is not None
                self.outcome.record(label, node.name, passed=not failed)
                if failed:
                    self._finding(recorder, case_id, label, node, secrets)

    def _finding(self, recorder: Any, case_id: str, label: str, node: Any, secrets: tuple[str, ...]) -> None:
        info = node.failure_info
        failure = info.failure
        interaction = recorder.interactions.get(failure.case_id or case_id)
        response = interaction.response if interaction is not None else None
        compared = failure.compared if isinstance(failure, DomainFailure) else ()
        finding = Finding(
            operation=label,
            check=node.name,
            title=redact(str(failure.title), secrets),
            message=redact(_message(failure, self.spec, label, response), secrets),
            curl=redact(reproducible(info.code_sample, self.options.token), secrets),
            status=response.status_code if response is not None else None,
            excerpt=_excerpt(response, secrets),
            compared=tuple(redact(reproducible(line, self.options.token), secrets) for line in compared),
        )
        self._add(finding)

    def error(self, event: Any) -> bool:
        """Record an error; True when the run must stop: a response that could not be read
        within the bounds (the timeout, the size limit) would cost as much again for every
        case, and a CI run must end within its timeout, not within cases x timeout."""
        secrets = self.options.secrets
        value = event.value
        label = event.label or "run"
        if isinstance(value, requests.exceptions.Timeout):
            self.outcome.errors[
                redact(
                    f"{label}: no complete response within {self.options.timeout:g}s; run stopped", secrets
                )
            ] += 1
            return True
        if isinstance(value, ResponseRefused):
            # The deployment sent something no client should accept: a violation, not a run error.
            finding = Finding(
                operation=label,
                check="bounded_response",
                title=value.title,
                message=redact(value.reason, secrets),
                curl=redact(_curl(value.method, value.url, self.options.token), secrets),
                status=None,
                excerpt="",
            )
            self.outcome.record(label, "bounded_response", passed=False)
            self._add(finding)
            return isinstance(value, ResponseTooLarge)
        text = str(value).strip().splitlines()
        self.outcome.errors[redact(f"{label}: {text[0] if text else type(value).__name__}", secrets)] += 1
        return False


def selected(spec: Spec, include: tuple[str, ...], writes: bool = True) -> list[str]:
    """The operations a run covers, as Schemathesis labels (`GET /path`), chosen by operationId
    or label, without those that write unless `writes`; a selector that names nothing, or a
    document with nothing to test, is an error."""
    if not spec.endpoints:
        raise RunError(f"{spec.path.name}: /paths: no operation to test")
    found = {name: spec.find(name) for name in include}
    unknown = [name for name, endpoint in found.items() if endpoint is None]
    if unknown:
        raise RunError(
            f"--include-operation selects nothing for {', '.join(repr(n) for n in unknown)} "
            f"({known_operations(spec)})"
        )
    chosen = [e for e in found.values() if e is not None] if include else list(spec.endpoints.values())
    if writes:
        return sorted({e.label for e in chosen})
    reading = sorted({e.label for e in chosen if e.kind != "write"})
    if not reading:
        shown = ", ".join(sorted({e.label for e in chosen})[:3]) + (", ..." if len(chosen) > 3 else "")
        raise RunError(
            f"every operation selected writes ({shown}): --writes tests them, writing to the deployment"
        )
    return reading


def unsent_writes(spec: Spec, include: tuple[str, ...], chosen: list[str]) -> str | None:
    """One line naming the write operations a run against a deployment leaves out, if any."""
    picked = [spec.find(name) for name in include] if include else list(spec.endpoints.values())
    left = sorted({e.label for e in picked if e is not None and e.kind == "write"} - set(chosen))
    if not left:
        return None
    shown = ", ".join(left[:4]) + (f" and {len(left) - 4} more" if len(left) > 4 else "")
    return f"not sent: {shown}, which write; --writes sends them (it changes the deployment)"


def _why_untested(
    outcome: RunOutcome, spec: Spec, label: str, options: RunOptions, selected: list[str]
) -> str:
    statuses = outcome.statuses.get(label, Counter())
    if not outcome.cases.get(label):
        if options.mode == "fuzz":
            return f"{label} was never requested within the time box: give --duration more time"
        if outcome.interrupted_by == "time limit":
            return f"{label} was never requested before --max-duration ended the run"
        return f"{label} was never requested"
    if not statuses:
        return f"{label} got no readable response to a valid request"
    if options.url and all(set(outcome.statuses.get(op, Counter())) == {404} for op in selected):
        return f"every request to {label} was answered 404, as to every operation: is --url the API's base?"
    shown = ", ".join(f"{code} x{n}" for code, n in statuses.most_common())
    if set(statuses) <= {401, 403}:
        code = statuses.most_common(1)[0][0]
        hint = "is --token right?" if options.token else "no --token was given"
        return f"every request to {label} was answered {code}: {hint}"
    endpoint = spec.by_label(label)
    tenant = endpoint.tenant.parameter if endpoint is not None and endpoint.tenant else None
    org_id = options.org_id
    if tenant and set(statuses) <= {404} and org_id:
        return f"{label} answered 404 for org {org_id!r}: is --org-id right?"
    if tenant and not org_id:
        return f"{label} never answered 2xx ({shown}): give the organization with --org-id"
    return f"{label} never answered 2xx to a valid request ({shown})"


def _report_handlers(schema: Any, options: RunOptions) -> tuple[list[Any], Any, list[Path]]:
    """Schemathesis' own report writers for the formats asked for, fed the same events."""
    if not options.reports or options.report_dir is None:
        return [], None, []
    from schemathesis.cli.commands.fuzz.context import FuzzExecutionContext
    from schemathesis.cli.commands.run.context import ExecutionContext
    from schemathesis.cli.executor import initialize_report_handlers

    directory = options.report_dir
    paths = {f"{name}_path": str(directory / _REPORT_PATHS[name]) for name in options.reports}
    schema.config.reports.update(
        formats=[ReportFormat(name) for name in options.reports], directory=directory, **paths
    )
    directory.mkdir(parents=True, exist_ok=True)
    handlers = initialize_report_handlers(config=schema.config, args=[], params={})
    written = [directory / _REPORT_PATHS[name] for name in options.reports]
    # The context is what `st run` / `st fuzz` keep; the writers read their statistics from it.
    context = (
        FuzzExecutionContext(config=schema.config)
        if options.mode == "fuzz"
        else ExecutionContext(config=schema.config)
    )
    return handlers, context, written


def _events(schema: Any, options: RunOptions, location: str) -> Iterator[Any]:
    from schemathesis.cli.events import LoadingFinished, LoadingStarted

    started = LoadingStarted(location=location)
    yield started
    yield LoadingFinished.from_schema(
        schema, location=location, start_time=started.timestamp, base_url=options.url or "http://testserver"
    )


# Schemathesis' HTML report links each failure's code to its own reference, where a domain
# check's is not: the badge says what it is instead.
_DOMAIN_BADGE = re.compile(rf'<a class="fcode" href="[^"]*" [^>]*>{DomainFailure.code}</a>')


def own_badges(text: str) -> str:
    # Not of Schemathesis' `fcode` class, which draws an outbound-link arrow after the code.
    badge = (
        '<span class="mockserver-code" style="font-family:var(--font-family-monospace);font-size:11px;'
        'font-weight:400;color:var(--color-text-muted)" title="a mockserver domain check: the table of '
        f'docs/contract.md says what each proves">{DomainFailure.code}</span>'
    )
    return _DOMAIN_BADGE.sub(badge, text)


def pasteable(text: str, token: str | None) -> str:
    """The HTML report's curl lines as our own read: the filtered bearer token becomes
    `$MOCKSERVER_TOKEN`, so that a line copied from the report works once it is set."""
    if token is None:
        return text
    return text.replace(
        html.escape("-H 'Authorization: [Filtered]'"),
        html.escape(reproducible("-H 'Authorization: [Filtered]'", token)),
    )


def _scrub(paths: list[Path], secrets: tuple[str, ...], token: str | None) -> None:
    """Schemathesis filters credentials by header name; a deployment that echoes the token in a
    body would still put it in its reports, so the written files are redacted as ours are."""
    # As written: plain, HTML-escaped (the HTML report), JSON-escaped (HAR, NDJSON).
    variants = tuple(
        {s for secret in secrets for s in (secret, html.escape(secret), json.dumps(secret)[1:-1])}
    )
    for path in paths:
        for file in [path] if path.is_file() else sorted(path.rglob("*")) if path.is_dir() else []:
            if not file.is_file():
                continue
            text = file.read_text(encoding="utf-8", errors="surrogateescape")
            cleaned = redact(text, variants)
            if file.suffix == ".html":
                cleaned = pasteable(own_badges(cleaned), token)
            if cleaned != text:
                file.write_text(cleaned, encoding="utf-8", errors="surrogateescape")


def run(
    options: RunOptions,
    *,
    progress: RunProgress | None = None,
    on_finding: Callable[[Finding], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_engine_start: Callable[[], None] | None = None,
    on_understood: Callable[[list[str]], None] | None = None,
) -> RunOutcome:
    """Run the contract or fuzzing session `options` describes.

    `should_stop` is polled (the preflight, between events); `on_engine_start` is called once
    the engine is under way, from when a `KeyboardInterrupt` unwinds it cleanly;
    `on_understood` gets one line per selected list (what the model understood of it) and one
    naming the write operations left out; `progress` is kept up to date as the run goes.
    """
    # Hypothesis keeps files of its own (the constants it draws from source code): in the run's
    # cache, never in the user's current directory.
    previous = storage_directory(intent_to_write=False).home_directory
    set_hypothesis_home_dir(options.cache / "hypothesis")
    try:
        return _run(options, progress, on_finding, should_stop, on_engine_start, on_understood)
    finally:
        set_hypothesis_home_dir(previous)


def _run(
    options: RunOptions,
    progress: RunProgress | None,
    on_finding: Callable[[Finding], None] | None,
    should_stop: Callable[[], bool] | None,
    on_engine_start: Callable[[], None] | None,
    on_understood: Callable[[list[str]], None] | None,
) -> RunOutcome:
    stop_requested = should_stop or (lambda: False)
    try:
        spec = load_spec(options.spec_path)
    except SpecError as exc:
        raise RunError(str(exc)) from None
    chosen = selected(spec, options.include_operations, options.writes)
    if options.url is not None:
        preflight(options.url, options.timeout, stop_requested)
    if on_understood is not None:
        left_out = unsent_writes(spec, options.include_operations, chosen)
        understood = [e.understood(spec.details) for e in spec.lists.values() if e.label in chosen]
        on_understood([f"understood: {line}" for line in understood] + ([left_out] if left_out else []))
    schema = build_schema(options, chosen)
    target = options.url or "in-process app"
    outcome = RunOutcome(seed=options.seed, target=target)
    outcome.selected_checks = tuple(sorted(options.checks_to_run))
    # A list that never answered was not judged at all: the semantic checks need its pages.
    outcome.critical = {e.label for e in spec.lists.values()}
    collector = _Collector(outcome, spec, options, on_finding, progress)
    if progress is not None:
        progress.operations = len(chosen)
        if options.mode == "fuzz":
            progress.time_box = options.max_time
        else:
            progress.phases = tuple(p for p in TEST_PHASES if p in options.phases)
    budget = ReportBudget(options.report_body_limit, len(options.reports))
    handlers, context, outcome.reports = _report_handlers(schema, options)
    started = time.monotonic()
    engine = from_schema(schema)
    if options.mode == "fuzz":
        stream = engine.fuzz(FuzzConfig(max_time=max(1, math.ceil(options.max_time or 60))))
    else:
        stream = engine.execute()
    # The whole-run limit of a contract run. Schemathesis' own `max_time` is a budget it fills
    # by cycling its phases again, so a deadline of ours stops the stream instead.
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        stream.stop()

    deadline = None
    if options.mode == "contract" and options.max_time:
        deadline = threading.Timer(options.max_time, expire)
        deadline.daemon = True

    def writing(handler: Any, step: str, *args: Any) -> None:
        # A full disk or a folder gone mid-run costs that report, never the run or its findings.
        try:
            getattr(handler, step)(context, *args)
        except OSError as exc:
            handlers.remove(handler)
            if step != "shutdown":
                # Its file is closed all the same (the flush may fail again: the disk is full).
                with contextlib.suppress(OSError):
                    handler.shutdown(context)
            outcome.unwritten = outcome.unwritten or f"{options.report_dir}: {exc.strerror or exc}"

    def feed(event: Any, written: bool = True) -> None:
        if context is None:
            return
        context.on_event(event)
        for handler in list(handlers) if written else ():
            writing(handler, "handle_event", event)

    stopped_by_run = False
    for handler in list(handlers):
        writing(handler, "start")
    for event in _events(schema, options, str(options.spec_path)) if handlers else ():
        feed(event)
    try:
        if deadline is not None:
            deadline.start()
        if on_engine_start is not None:
            on_engine_start()
        for event in stream:
            scenario = isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished)
            if not scenario:
                feed(event)
            if stop_requested():
                stream.stop()
            if isinstance(event, events.PhaseStarted) and progress is not None:
                progress.enter(str(event.phase.name.value))
            if scenario:
                if isinstance(event, events.ScenarioFinished) and not event.is_test_scenario:
                    feed(event)
                    continue
                collector.scenario(event.recorder, event.elapsed_time)
                if progress is not None:
                    progress.scenario(event.recorder.label, len(event.recorder.cases))
                # The checks have seen whole bodies; the reports get them cut, within a budget.
                feed(event, written=budget.admit(event.recorder))
                if options.mode == "fuzz" and all(
                    outcome.cases.get(label, 0) >= options.max_examples for label in chosen
                ):
                    # Schemathesis' fuzz engine draws without an example budget; this is ours.
                    stopped_by_run = True
                    stream.stop()
            elif isinstance(event, events.NonFatalError) and collector.error(event):
                stopped_by_run = True
                stream.stop()
            elif isinstance(event, events.FatalError):
                outcome.errors[redact(str(event.exception).splitlines()[0], options.secrets)] += 1
            elif isinstance(event, events.Interrupted) and not stopped_by_run and not expired.is_set():
                outcome.interrupted_by = outcome.interrupted_by or "SIGINT"
    except KeyboardInterrupt:
        outcome.interrupted_by = outcome.interrupted_by or "SIGINT"
        stream.stop()
        stream.generator.close()
    finally:
        if deadline is not None and deadline.is_alive():
            deadline.cancel()
            deadline.join()
        outcome.duration = time.monotonic() - started
        for handler in list(handlers):
            writing(handler, "shutdown")
        try:
            _scrub(outcome.reports, options.secrets, options.token)
        except OSError as exc:
            outcome.unwritten = outcome.unwritten or f"{options.report_dir}: {exc.strerror or exc}"
    if expired.is_set() and not outcome.interrupted:
        outcome.interrupted_by = "time limit"
    outcome.left_out_of_reports = budget.left_out
    for label in chosen:
        if outcome.successes(label):
            continue
        reached = bool(outcome.cases.get(label))
        # A signal, or a deployment the run had to stop for, says why nothing more was tested;
        # an operation that --max-duration left untested is still untested.
        if (outcome.interrupted and not reached) or (stopped_by_run and (outcome.errors or not reached)):
            continue
        outcome.untested[label] = _why_untested(outcome, spec, label, options, chosen)
    return outcome

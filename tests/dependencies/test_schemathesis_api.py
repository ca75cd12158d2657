"""What mockserver relies on in Schemathesis, checked so that an upgrade fails here, loudly,
instead of somewhere inside a contract run. docs/design.md, "Dependencies", says why each is used."""

from __future__ import annotations

import inspect
from importlib import metadata

import schemathesis

from mockserver.contract import outcome, runner


def test_schemathesis_is_the_pinned_version() -> None:
    assert metadata.version("schemathesis") == "4.32.5", (
        "re-check this file and docs/design.md 'Dependencies'"
    )


def test_schemathesis_installs_with_the_tool_not_with_the_test_extra() -> None:
    requirements = metadata.requires("mockserver") or []
    runtime = [r for r in requirements if "extra ==" not in r]
    assert "schemathesis==4.32.5" in runtime
    assert not [r for r in requirements if r.startswith("schemathesis") and "extra ==" in r]


def test_the_public_calls_the_checks_make() -> None:
    from schemathesis.config import ProjectConfig

    assert "headers" in inspect.signature(schemathesis.Case.call).parameters
    assert "headers" in inspect.signature(schemathesis.Case.as_curl_command).parameters
    assert "operation" in inspect.signature(ProjectConfig.headers_for).parameters


def test_the_engine_and_config_the_runner_drives() -> None:
    from schemathesis.config import FuzzConfig, ReportFormat, SanitizationConfig, TruncationConfig
    from schemathesis.engine import events, from_schema
    from schemathesis.engine.core import Engine, EventStream

    assert callable(from_schema) and callable(Engine.fuzz) and callable(EventStream.stop)
    assert FuzzConfig(max_time=3).max_time == 3
    assert {"keys_to_sanitize", "sensitive_markers"} <= set(inspect.signature(SanitizationConfig).parameters)
    assert "max_recorded_payload_size" in TruncationConfig.__slots__  # type: ignore[attr-defined]
    assert {f.value for f in ReportFormat} >= set(outcome.REPORT_FORMATS)
    for event, fields in (
        (events.ScenarioFinished, {"recorder", "elapsed_time", "is_final"}),
        (events.FuzzScenarioFinished, {"recorder", "elapsed_time"}),
        (events.NonFatalError, {"info", "value", "label"}),
        (events.EngineFinished, {"stop_reason"}),
    ):
        assert fields <= set(event.__slots__), event


def test_the_recorder_fields_the_outcome_is_filled_from() -> None:
    import schemathesis.specs.openapi.checks  # noqa: F401  (registers the OpenAPI checks)
    from schemathesis.checks import CHECKS
    from schemathesis.engine.core import EventStream
    from schemathesis.engine.recorder import CheckFailureInfo, CheckNode, ScenarioRecorder

    assert {"cases", "checks", "interactions", "label"} <= set(ScenarioRecorder.__annotations__)
    assert {"name", "failure_info"} <= set(CheckNode.__annotations__)
    assert "code_sample" in dir(CheckFailureInfo) or "code_sample" in CheckFailureInfo.__annotations__
    assert "generator" in EventStream.__annotations__
    assert {"not_a_server_error", "status_code_conformance"} <= set(CHECKS.get_all_names())


def test_schemathesis_cache_can_be_switched_off() -> None:
    schema = schemathesis.openapi.from_dict(
        {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
    )
    schema.config.cache.enabled = False
    assert schema.config.cache.enabled is False


def test_the_report_writers_are_reached_through_the_cli_modules() -> None:
    # No public API offers Schemathesis' report writers outside `st run`; these are its CLI's own.
    from schemathesis.cli.commands.run.context import ExecutionContext
    from schemathesis.cli.events import LoadingFinished, LoadingStarted
    from schemathesis.cli.executor import initialize_report_handlers

    assert set(inspect.signature(initialize_report_handlers).parameters) == {"config", "args", "params"}
    assert "config" in inspect.signature(ExecutionContext).parameters
    assert (
        callable(LoadingFinished.from_schema) and "location" in inspect.signature(LoadingStarted).parameters
    )


def test_the_probes_the_preflight_sends_first_are_schemathesis_own() -> None:
    from schemathesis.engine.run import probes

    assert [probe.__name__ for probe in probes.PROBES] == ["NullByteInHeader", "UnsafePathDecoder"]
    source = inspect.getsource(probes)
    assert f'"{runner.SCHEMATHESIS_PROBE_PATH}"' in source


def test_domain_failures_keep_their_own_identity() -> None:
    # DomainFailure overrides `_unique_key` (private) so two rules broken on one operation are
    # two findings; Schemathesis dedups failures by it.
    from schemathesis.core.failures import Failure

    from mockserver.contract.hooks import DomainFailure

    assert isinstance(inspect.getattr_static(Failure, "_unique_key"), property)
    failure = DomainFailure(operation="GET /x", title="Pages overlap", message="m", compared=("curl",))
    assert failure._unique_key == "Pages overlap" and failure.compared == ("curl",)


def test_the_asgi_client_bounds_a_whole_call_by_the_timeout() -> None:
    # The relay's time bound is Schemathesis' in-process client's `fail_after(read_timeout)`.
    from schemathesis.python import asgi

    assert "fail_after(read_timeout)" in inspect.getsource(asgi)


def test_ignored_auth_still_cannot_run_in_the_fuzz_engine() -> None:
    # The engine iterates `recorder.cases` while `ignored_auth` records into it. When this fails,
    # Schemathesis fixed it: drop NOT_IN_FUZZ_MODE.
    from schemathesis.engine.fuzz import _executor

    source = inspect.getsource(_executor._validate_scenario)
    assert "for case_id, node in recorder.cases.items():" in source
    assert runner.NOT_IN_FUZZ_MODE == ("ignored_auth",)

"""What a contract or fuzzing run found, as plain data, and its renderings.

Nothing here talks to the network or to Schemathesis: the runner fills a `RunOutcome`, and the
text summary, JUnit XML and JSON summary are views of it. Secrets are redacted here, once, so no
rendering can leak the token.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

EXIT_CONFORMS = 0
EXIT_VIOLATIONS = 1
EXIT_ERROR = 2
# What shells report for a process stopped by SIGINT and SIGTERM (128 + signal number).
EXIT_SIGINT = 130
EXIT_SIGTERM = 143
REDACTED = "[REDACTED]"
# Schemathesis' report writers offered through `--report`; junit.xml and summary.json are ours.
REPORT_FORMATS = ("html", "har", "vcr", "ndjson", "pytest")
# Curl lines name the token through the environment, so a pasted line works and shows no secret.
TOKEN_VARIABLE = "MOCKSERVER_TOKEN"


@dataclass(frozen=True, slots=True)
class Finding:
    """One distinct contract violation; `count` says how often it was seen."""

    operation: str
    check: str
    title: str
    message: str
    curl: str
    status: int | None
    excerpt: str
    # Every request a check compared (both pages, both reads), as curl lines with what came back.
    compared: tuple[str, ...] = ()

    def key(self) -> tuple[str, str, str]:
        # The message names the data (an id, a count), which differs each time one fault is hit.
        return (self.operation, self.check, self.title)


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0


@dataclass
class RunOutcome:
    seed: int
    target: str
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    operations: dict[str, dict[str, Tally]] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)
    # Status codes of the responses to positive (valid) requests, per operation.
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    # Seconds spent in each operation's scenarios.
    seconds: dict[str, float] = field(default_factory=dict)
    # Checks selected for the run: those that never applied to an operation are reported skipped.
    selected_checks: tuple[str, ...] = ()
    findings: list[Finding] = field(default_factory=list)
    occurrences: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    # Distinct errors (the run could not test something), with how often each was seen.
    errors: Counter[str] = field(default_factory=Counter)
    # Why an operation never got a 2xx to a valid request (a run that tested nothing).
    untested: dict[str, str] = field(default_factory=dict)
    # Operations that must each be tested for the run to count (the lists the semantic checks
    # judge); None: every selected operation.
    critical: set[str] | None = None
    # Set when the run was stopped early: "SIGINT", "SIGTERM", or "time limit".
    interrupted_by: str | None = None
    reports: list[Path] = field(default_factory=list)
    # Why a report could not be written (a full disk, a folder removed mid-run), if one could not.
    unwritten: str | None = None
    # Scenarios left out of Schemathesis' reports once they held their budget of bytes.
    left_out_of_reports: int = 0
    duration: float = 0.0

    @property
    def interrupted(self) -> bool:
        return self.interrupted_by in ("SIGINT", "SIGTERM")

    def record(self, operation: str, check: str, passed: bool) -> None:
        tally = self.operations.setdefault(operation, {}).setdefault(check, Tally())
        if passed:
            tally.passed += 1
        else:
            tally.failed += 1

    def add_finding(self, finding: Finding) -> bool:
        """Keep one finding per distinct failure and count the others; True when it is new."""
        key = finding.key()
        self.occurrences[key] += 1
        if self.occurrences[key] > 1:
            return False
        self.findings.append(finding)
        return True

    def successes(self, operation: str) -> int:
        return sum(n for status, n in self.statuses.get(operation, Counter()).items() if 200 <= status < 300)

    @property
    def nothing_tested(self) -> bool:
        """No operation ever answered 2xx to a valid request, and either nothing was found or
        every answer was a refusal (401/403/404: the identity, organization or URL is wrong)."""
        if not self.untested or any(self.successes(op) for op in self.statuses):
            return False
        seen = {status for counts in self.statuses.values() for status in counts}
        return not self.findings or seen <= {401, 403, 404}

    @property
    def untested_is_fatal(self) -> bool:
        """Nothing was tested: no operation ever answered 2xx; or, of the operations that must be
        tested, one never answered 2xx and no violation was found, or one was only ever refused
        (401/403/404), which means the run's identity, organization or URL is wrong, whatever
        else was found."""
        if self.nothing_tested:
            return True
        if any(not self.cases.get(op) for op in self.untested):
            return True  # an operation the run never reached was not tested at all
        critical = [op for op in self.untested if self.critical is None or op in self.critical]
        refused_only = any(
            self.statuses.get(op) and set(self.statuses[op]) <= {401, 403, 404} for op in critical
        )
        return bool(critical) and (not self.findings or refused_only)

    @property
    def exit_code(self) -> int:
        if self.interrupted_by == "SIGTERM":
            return EXIT_SIGTERM
        if self.interrupted_by == "SIGINT":
            return EXIT_SIGINT
        if self.errors or self.untested_is_fatal:
            return EXIT_ERROR
        return EXIT_VIOLATIONS if self.findings else EXIT_CONFORMS

    @property
    def verdict(self) -> str:
        if self.interrupted:
            return "interrupted"
        return {EXIT_CONFORMS: "conforms", EXIT_VIOLATIONS: "violations", EXIT_ERROR: "error"}[self.exit_code]


# Below this length a secret is replaced only where no letter or digit touches it, so a test
# token such as `t` cannot garble "Authorization"; a real token is replaced wherever it appears.
SHORT_SECRET = 8


def redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if len(secret) >= SHORT_SECRET:
            text = text.replace(secret, REDACTED)
        elif secret:
            text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", REDACTED, text)
    return text


def reproducible(curl: str, token: str | None) -> str:
    """A curl line that works when pasted: the filtered credential becomes `$MOCKSERVER_TOKEN`."""
    if token is None:
        return curl
    variable = f'-H "Authorization: Bearer ${TOKEN_VARIABLE}"'
    return curl.replace("-H 'Authorization: [Filtered]'", variable).replace(
        "-H 'authorization: [Filtered]'", variable
    )


def _times(count: int) -> str:
    return f" (x{count})" if count > 1 else ""


def summary_lines(outcome: RunOutcome) -> list[str]:
    lines = [f"Target: {outcome.target}", f"Seed: {outcome.seed}", ""]
    for operation in sorted(set(outcome.operations) | set(outcome.statuses)):
        checks = outcome.operations.get(operation, {})
        passed = sum(t.passed for t in checks.values())
        failed = [name for name, t in sorted(checks.items()) if t.failed]
        mark = "FAIL" if failed or operation in outcome.untested else "ok  "
        lines.append(
            f"{mark} {operation}: {outcome.cases.get(operation, 0)} cases, "
            f"{outcome.successes(operation)} answered 2xx, {len(checks)} checks, {passed} passed"
            + (f", failed: {', '.join(failed)}" if failed else "")
        )
    for number, finding in enumerate(outcome.findings, 1):
        lines += [
            "",
            f"{number}. [{finding.check}] {finding.operation}: {finding.title}"
            + _times(outcome.occurrences[finding.key()]),
            f"   {finding.message}".replace("\n", "\n   "),
        ]
        if finding.compared:
            lines.append("   Compared:")
            lines += [f"     {line}" for entry in finding.compared for line in entry.splitlines()]
        else:
            lines.append(f"   Reproduce: {finding.curl}")
        if finding.status is not None:
            lines.append(f"   Response: {finding.status} {finding.excerpt}")
    label = "error: nothing tested" if outcome.untested_is_fatal else "note: no 2xx"
    for _operation, why in sorted(outcome.untested.items()):
        lines += ["", f"{label}: {why}"]
    for error, count in outcome.errors.items():
        lines += ["", f"error{_times(count)}: {error}"]
    if outcome.left_out_of_reports:
        lines += [
            "",
            f"note: {outcome.left_out_of_reports} scenarios were left out of the HAR/VCR/NDJSON/HTML "
            "reports, which held their budget (half of it for scenarios that passed); every finding "
            "above is in junit.xml and summary.json.",
        ]
    if outcome.interrupted_by:
        what = "time limit reached" if outcome.interrupted_by == "time limit" else f"{outcome.interrupted_by}"
        lines += ["", f"Run stopped early ({what}); the reports hold what was found until then."]
    lines += [
        "",
        f"{len(outcome.findings)} distinct failures, {len(outcome.errors) + len(outcome.untested)} errors; "
        f"verdict: {outcome.verdict} ({outcome.duration:.1f}s)",
    ]
    return lines


def _failure_text(finding: Finding, count: int) -> str:
    parts = [finding.message, ""]
    if finding.compared:
        parts += ["Compared:", *finding.compared]
    else:
        parts.append(f"Reproduce: {finding.curl}")
    parts.append(f"Response: {finding.status} {finding.excerpt}")
    if count > 1:
        parts.append(f"Seen {count} times.")
    return "\n".join(parts)


def junit_xml(outcome: RunOutcome) -> bytes:
    """One testsuite per operation, one testcase per check; checks that never applied are skipped."""
    timestamp = outcome.started_at.isoformat(timespec="seconds")
    root = ET.Element(
        "testsuites", name="mockserver contract", time=f"{outcome.duration:.3f}", timestamp=timestamp
    )
    for operation in sorted(set(outcome.operations) | set(outcome.statuses)):
        checks = outcome.operations.get(operation, {})
        names = sorted(set(checks) | set(outcome.selected_checks))
        failures = [f for f in outcome.findings if f.operation == operation]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=operation,
            tests=str(len(names)),
            failures=str(sum(1 for t in checks.values() if t.failed)),
            errors="1" if operation in outcome.untested and outcome.untested_is_fatal else "0",
            skipped=str(sum(1 for name in names if name not in checks)),
            time=f"{outcome.seconds.get(operation, 0.0):.3f}",
            timestamp=timestamp,
        )
        properties = ET.SubElement(suite, "properties")
        for name, value in (
            ("seed", str(outcome.seed)),
            ("target", outcome.target),
            ("cases", str(outcome.cases.get(operation, 0))),
            ("answered_2xx", str(outcome.successes(operation))),
        ):
            ET.SubElement(properties, "property", name=name, value=value)
        for check in names:
            case = ET.SubElement(suite, "testcase", classname=operation, name=check)
            if check not in checks:
                ET.SubElement(case, "skipped", message="never applied: no response this check judges")
                continue
            for finding in (f for f in failures if f.check == check):
                failure = ET.SubElement(case, "failure", message=finding.title, type=check)
                failure.text = _failure_text(finding, outcome.occurrences[finding.key()])
        if operation in outcome.untested and outcome.untested_is_fatal:
            case = ET.SubElement(suite, "testcase", classname=operation, name="answered_2xx")
            ET.SubElement(case, "error", message=outcome.untested[operation])
    run_errors = list(outcome.errors.items())
    if outcome.interrupted_by:
        run_errors.append((f"run stopped early ({outcome.interrupted_by})", 1))
    if run_errors:
        suite = ET.SubElement(root, "testsuite", name="run", tests="1", failures="0", errors="1")
        case = ET.SubElement(suite, "testcase", classname="run", name="run")
        ET.SubElement(case, "error", message=run_errors[0][0]).text = "\n".join(
            f"{message}{_times(count)}" for message, count in run_errors
        )
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


def summary_json(outcome: RunOutcome) -> bytes:
    data: dict[str, Any] = {
        "verdict": outcome.verdict,
        "exit_code": outcome.exit_code,
        "seed": outcome.seed,
        "target": outcome.target,
        "started_at": outcome.started_at.isoformat(timespec="seconds"),
        "duration_seconds": round(outcome.duration, 3),
        "interrupted": outcome.interrupted,
        "stopped_by": outcome.interrupted_by,
        "operations": {
            op: {
                "cases": outcome.cases.get(op, 0),
                "answered_2xx": outcome.successes(op),
                "statuses": {str(k): v for k, v in sorted(outcome.statuses.get(op, Counter()).items())},
                "checks": {name: asdict(t) for name, t in sorted(outcome.operations.get(op, {}).items())},
            }
            for op in sorted(set(outcome.operations) | set(outcome.statuses))
        },
        "failures": [
            {**asdict(f), "compared": list(f.compared), "count": outcome.occurrences[f.key()]}
            for f in outcome.findings
        ],
        "untested": outcome.untested,
        "errors": [{"message": message, "count": count} for message, count in outcome.errors.items()],
        "reports": [str(path) for path in outcome.reports],
    }
    return json.dumps(data, indent=2).encode()


def write_reports(outcome: RunOutcome, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / "junit.xml", directory / "summary.json"]
    written[0].write_bytes(junit_xml(outcome))
    written[1].write_bytes(summary_json(outcome))
    return written

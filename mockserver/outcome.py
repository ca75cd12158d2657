"""What a contract or fuzzing run found, as plain data, and its renderings.

Nothing here talks to the network or to Schemathesis: the runner fills a `RunOutcome`, and the
text summary, JUnit XML and JSON summary are views of it. Secrets are redacted here, once, so no
rendering can leak the token.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

EXIT_CONFORMS = 0
EXIT_VIOLATIONS = 1
EXIT_ERROR = 2
REDACTED = "[REDACTED]"


@dataclass(frozen=True, slots=True)
class Finding:
    """One distinct contract violation."""

    operation: str
    check: str
    title: str
    message: str
    curl: str
    status: int | None
    excerpt: str

    def key(self) -> tuple[str, str, str, str]:
        return (self.operation, self.check, self.title, self.message.splitlines()[0] if self.message else "")


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0


@dataclass
class RunOutcome:
    seed: int
    target: str
    operations: dict[str, dict[str, Tally]] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    interrupted: bool = False
    duration: float = 0.0

    def record(self, operation: str, check: str, passed: bool) -> None:
        tally = self.operations.setdefault(operation, {}).setdefault(check, Tally())
        if passed:
            tally.passed += 1
        else:
            tally.failed += 1

    def add_finding(self, finding: Finding) -> bool:
        """Keep one finding per distinct failure; True when it is new."""
        if any(existing.key() == finding.key() for existing in self.findings):
            return False
        self.findings.append(finding)
        return True

    @property
    def exit_code(self) -> int:
        if self.errors:
            return EXIT_ERROR
        return EXIT_VIOLATIONS if self.findings else EXIT_CONFORMS

    @property
    def verdict(self) -> str:
        return {EXIT_CONFORMS: "conforms", EXIT_VIOLATIONS: "violations", EXIT_ERROR: "error"}[self.exit_code]


def redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def summary_lines(outcome: RunOutcome) -> list[str]:
    lines = [f"Target: {outcome.target}", f"Seed: {outcome.seed}", ""]
    for operation in sorted(outcome.operations):
        checks = outcome.operations[operation]
        passed = sum(t.passed for t in checks.values())
        failed = [name for name, t in sorted(checks.items()) if t.failed]
        mark = "FAIL" if failed else "ok  "
        lines.append(
            f"{mark} {operation}: {outcome.cases.get(operation, 0)} cases, "
            f"{len(checks)} checks, {passed} passed" + (f", failed: {', '.join(failed)}" if failed else "")
        )
    for number, finding in enumerate(outcome.findings, 1):
        lines += [
            "",
            f"{number}. [{finding.check}] {finding.operation}: {finding.title}",
            f"   {finding.message}".replace("\n", "\n   "),
            f"   Reproduce: {finding.curl}",
        ]
        if finding.status is not None:
            lines.append(f"   Response: {finding.status} {finding.excerpt}")
    for error in outcome.errors:
        lines += ["", f"error: {error}"]
    lines += [
        "",
        f"{len(outcome.findings)} distinct failures, {len(outcome.errors)} errors; "
        f"verdict: {outcome.verdict} ({outcome.duration:.1f}s)",
    ]
    return lines


def junit_xml(outcome: RunOutcome) -> bytes:
    """One testsuite per operation, one testcase per check."""
    root = ET.Element("testsuites", name="mockserver contract")
    for operation in sorted(outcome.operations):
        checks = outcome.operations[operation]
        failures = [f for f in outcome.findings if f.operation == operation]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=operation,
            tests=str(len(checks)),
            failures=str(sum(1 for t in checks.values() if t.failed)),
            errors="0",
        )
        for check in sorted(checks):
            case = ET.SubElement(suite, "testcase", classname=operation, name=check)
            for finding in (f for f in failures if f.check == check):
                failure = ET.SubElement(case, "failure", message=finding.title, type=check)
                failure.text = (
                    f"{finding.message}\n\nReproduce: {finding.curl}\n"
                    f"Response: {finding.status} {finding.excerpt}"
                )
    if outcome.errors:
        suite = ET.SubElement(root, "testsuite", name="run", tests="1", failures="0", errors="1")
        case = ET.SubElement(suite, "testcase", classname="run", name="run")
        ET.SubElement(case, "error", message=outcome.errors[0]).text = "\n".join(outcome.errors)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


def summary_json(outcome: RunOutcome) -> bytes:
    data: dict[str, Any] = {
        "verdict": outcome.verdict,
        "exit_code": outcome.exit_code,
        "seed": outcome.seed,
        "target": outcome.target,
        "duration_seconds": round(outcome.duration, 3),
        "interrupted": outcome.interrupted,
        "operations": {
            op: {
                "cases": outcome.cases.get(op, 0),
                "checks": {name: asdict(t) for name, t in sorted(checks.items())},
            }
            for op, checks in sorted(outcome.operations.items())
        },
        "failures": [asdict(f) for f in outcome.findings],
        "errors": outcome.errors,
    }
    return json.dumps(data, indent=2).encode()


def write_reports(outcome: RunOutcome, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / "junit.xml", directory / "summary.json"]
    written[0].write_bytes(junit_xml(outcome))
    written[1].write_bytes(summary_json(outcome))
    return written

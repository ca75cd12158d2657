"""The benchmark scripts keep working (timing nothing: benchmarks are not tests)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from types import ModuleType

import pytest

from tests.conftest import REPO

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/assistants?limit=100
  2 threads and 16 connections
  Latency Distribution
     50%    7.19ms
     75%    8.10ms
     90%    9.90ms
     99%   18.38ms
  20300 requests in 10.00s, 650.10MB read
Requests/sec:   2030.12
Transfer/sec:     65.01MB
"""


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", REPO / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_wrk_output_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_bench()

    class Done:
        stdout = WRK_OUTPUT

    monkeypatch.setattr(bench.subprocess, "run", lambda *a, **k: Done())
    assert bench.wrk("http://x", 10) == {"rps": 2030.12, "p50_ms": 7.19, "p99_ms": 18.38, "non_2xx": 0.0}


def test_targets_are_ratios_of_the_same_run() -> None:
    bench = load_bench()
    row = {"rps": 100.0, "p50_ms": 5.0, "p99_ms": 20.0, "items": 100}
    results = {
        "throughput": {
            "limit=100": {
                "mockserver": row,
                "floor": {**row, "rps": 200.0},
                "prism-static": {**row, "rps": 50.0},
                "prism-dynamic": {**row, "rps": 10.0},
            },
            "limit=1000": {"mockserver": row, "floor": {**row, "rps": 150.0}},
            "limit=100 unique": {"mockserver": row, "floor": {**row, "rps": 110.0}},
        },
        "cold_ms": 40.0,
        "generation_per_s": 25_000.0,
        "startup": {
            "1000000": {
                "first_200_s": 2.0,
                "peak_rss_mb": 200.0,
                "page_ms_skip_0": 10.0,
                "page_ms_skip_end": 11.0,
            }
        },
        "contract_in_process_s": 8.0,
        "spec_startup": {"seconds": 12.0, "peak_rss_mb": 250.0},
    }
    verdicts = {name: ok for name, _, ok in bench.targets(results)}
    assert verdicts["limit=100 vs Prism dynamic"] and verdicts["limit=100 vs Prism static"]
    assert not verdicts["limit=100 vs floor"]  # 0.5x is below 0.85x
    assert verdicts["limit=1000 vs floor"] and verdicts["skip=999000 vs skip=0"]
    assert not verdicts["start-up, 1,188 operations"]  # 12 s is above 10 s
    assert verdicts["peak RSS, 1,188 operations"]
    assert verdicts["limit=100 unique vs floor"]  # 0.91x


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is installed by bench/install-tools.sh")
def test_quick_bench_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "| target | measured | met |" in result.stdout

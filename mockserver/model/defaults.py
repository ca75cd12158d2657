"""Defaults shared by the mock and the checker: where the bundled files live, the seed.

In a wheel, `openapi.yaml` and the default `fixtures/` are copied into the package's `_data/`
(not beside `fixtures.py`, whose name they would shadow); in a checkout
(editable install or tests) they stay at the repository root, which is their one true home.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_CHECKOUT_DIR = _PACKAGE_DIR.parent


def _first_existing(name: str) -> Path:
    for base in (_PACKAGE_DIR / "_data", _CHECKOUT_DIR):
        candidate = base / name
        if candidate.exists():
            return candidate
    return _PACKAGE_DIR / "_data" / name


# The seed of the served data and of a contract run's generated cases alike.
DEFAULT_SEED = 20231107


def default_spec_path() -> Path:
    return _first_existing("openapi.yaml")


def default_fixtures_dir() -> Path:
    return _first_existing("fixtures")

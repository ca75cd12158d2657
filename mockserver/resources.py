"""Where the files that ship with the package live.

In a wheel, `openapi.yaml` and the default `fixtures/` are copied into the package's `_data/`
(not beside `fixtures.py`, whose name they would shadow); in a checkout
(editable install or tests) they stay at the repository root, which is their one true home.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT_DIR = _PACKAGE_DIR.parent


def _first_existing(name: str) -> Path:
    for base in (_PACKAGE_DIR / "_data", _CHECKOUT_DIR):
        candidate = base / name
        if candidate.exists():
            return candidate
    return _PACKAGE_DIR / "_data" / name


def default_spec_path() -> Path:
    return _first_existing("openapi.yaml")


def default_fixtures_dir() -> Path:
    return _first_existing("fixtures")

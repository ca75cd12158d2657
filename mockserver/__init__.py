"""A behaving, deterministic mock of two "list assistants" APIs, and the tools that judge real
deployments against the same `openapi.yaml`.

Exceptions a caller may meet:

    SpecError      the OpenAPI document cannot be read or its vendor extensions are malformed
    FixtureError   a fixture file is unreadable or invalid (message names file and JSON path)
    RunError       a contract or fuzzing run could not be made (bad URL, unreachable, bad spec)
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

# Imported on first use: `mockserver serve` must not pay for Schemathesis, nor the contract
# tools for Connexion's app, just because a submodule was imported.
_LAZY = {
    "create_app": "mockserver.mock.app",
    "FixtureError": "mockserver.mock.fixtures",
    "RunError": "mockserver.contract.runner",
    "RunOptions": "mockserver.contract.runner",
    "run": "mockserver.contract.runner",
    "Settings": "mockserver.mock.settings",
    "SpecError": "mockserver.model.document",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'mockserver' has no attribute {name!r}")


try:
    __version__ = version("mockserver")
except PackageNotFoundError:  # running from a checkout without installing
    __version__ = "0.0.0"

__all__ = [
    "FixtureError",
    "RunError",
    "RunOptions",
    "Settings",
    "SpecError",
    "__version__",
    "create_app",
    "run",
]

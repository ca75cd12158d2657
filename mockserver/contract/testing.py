"""The contract suite from your own pytest run.

    import os
    from mockserver.contract.testing import contract_schema

    schema = contract_schema(url=os.environ["API_URL"], token=os.environ["API_TOKEN"])

    @schema.parametrize()
    def test_contract(case):
        case.call_and_validate()  # Schemathesis' checks and the domain checks

The returned object is a plain Schemathesis schema built from the bundled `openapi.yaml`, with
the same configuration as `mockserver contract` (both generation modes, fixed seed).
"""

from __future__ import annotations

from typing import Any

from mockserver.contract.options import RunOptions
from mockserver.contract.runner import build_schema


def contract_schema(**options: Any) -> Any:
    """A Schemathesis schema for `url` (or an ASGI `app` in-process); options as `RunOptions`."""
    return build_schema(RunOptions(**options))


__all__ = ["contract_schema"]

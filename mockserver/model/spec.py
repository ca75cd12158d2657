"""The one model of an API: its document and every operation in it, classified and understood.

The mock serves it, `contract` and `fuzz` judge deployments by it, `validate` and the fixtures
read it: what each operation means is decided here once (`endpoints.py`, `semantics.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mockserver.model.document import JSON, load_document, resolve_refs
from mockserver.model.endpoints import Endpoint, collection_writes, details, endpoints

RESOLVED_DEPTH = 6


@dataclass(frozen=True, slots=True)
class Spec:
    path: Path
    document: dict[str, JSON]
    endpoints: dict[str, Endpoint]
    # Each list's detail operation, by the list's operation id.
    details: dict[str, Endpoint] = field(default_factory=dict)
    # Every operation by its label (`GET /path`): the checks look one up per response.
    labels: dict[str, Endpoint] = field(default_factory=dict)
    # Each write of a list's records: (the list's operation id, create/replace/merge/remove).
    writes: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Resolved schemas, made once: the checks read one per response.
    resolved: dict[str, dict[str, JSON]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def lists(self) -> dict[str, Endpoint]:
        """The list operations, by operation id."""
        return {op_id: e for op_id, e in self.endpoints.items() if e.listing is not None}

    def find(self, selector: str) -> Endpoint | None:
        """The operation an operationId or a `GET /path` names."""
        found = self.endpoints.get(selector)
        if found is not None:
            return found
        return next((e for e in self.endpoints.values() if e.matches(selector)), None)

    def by_label(self, label: str) -> Endpoint | None:
        return self.labels.get(label)

    def schema(self, name: str) -> dict[str, JSON]:
        """A component schema with its references resolved (RESOLVED_DEPTH down)."""
        key = f"#/components/schemas/{name}"
        if key not in self.resolved:
            found = resolve_refs(
                self.document["components"]["schemas"][name], self.document, depth=RESOLVED_DEPTH
            )
            self.resolved[key] = found if isinstance(found, dict) else {}
        return self.resolved[key]

    def item_schema(self, endpoint: Endpoint) -> dict[str, JSON]:
        """The resolved schema of one item of a list (recursion cut where it recurs, and
        RESOLVED_DEPTH references down: what the checks read of a record is near its top)."""
        assert endpoint.listing is not None
        key = f"item {endpoint.operation_id}"
        if key not in self.resolved:
            found = resolve_refs(endpoint.listing.item_schema, self.document, depth=RESOLVED_DEPTH)
            self.resolved[key] = found if isinstance(found, dict) else {}
        return self.resolved[key]

    def understanding(self) -> list[str]:
        """One line per list: what was understood of it, so that a user who disagrees knows
        which extension to write."""
        return [e.understood(self.details) for e in self.lists.values()]


def load_spec(path: Path) -> Spec:
    return spec_from_document(load_document(path), path)


def spec_from_document(document: dict[str, JSON], path: Path) -> Spec:
    found = endpoints(document)
    labels = {e.label: e for e in found.values()}
    return Spec(
        path=path,
        document=document,
        endpoints=found,
        details=details(found),
        labels=labels,
        writes=collection_writes(found),
    )

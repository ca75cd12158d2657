"""Loading `fixtures/`: the identities behind the dev tokens and the curated records.

Everything is validated at start-up; a bad file stops the server with a `FixtureError` naming
the file and the JSON path, so that nobody debugs a half-loaded dataset.

Layout (a record directory mirrors the URL it is served under):

    identities.json                          organizations, users, dev tokens
    records/assistants/*.json                arrays of AssistantResponse (GET /assistants)
    records/orgs/<org_slug>/assistants/*.json  arrays of Assistant (GET /orgs/{org_id}/assistants)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from mockserver.mock.identities import Directory, Organization, User
from mockserver.model import limits
from mockserver.model.endpoints import Endpoint
from mockserver.model.rules import DomainViolation, check_parent_references, check_timestamps
from mockserver.model.schemas import pointer, schema_errors
from mockserver.model.semantics import Tenant
from mockserver.model.spec import Spec

IDENTITIES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["organizations", "users"],
    "properties": {
        "organizations": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "slug", "name"],
                "properties": {
                    "id": {"type": "integer", "minimum": 1},
                    "slug": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
                    "name": {"type": "string", "minLength": 1},
                },
            },
        },
        "users": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "organization_id", "name"],
                "properties": {
                    "id": {"type": "integer", "minimum": 1},
                    "organization_id": {"type": "integer"},
                    "name": {"type": "string"},
                    "token": {"type": "string", "minLength": 1},
                },
            },
        },
    },
}


# Generated integer ids start here; curated ones stay below, so the two never collide.
GENERATED_ID_BASE = 1000


class FixtureError(Exception):
    """A fixture file is unreadable or invalid; the message names the file and JSON path."""


class FixtureUnreadable(FixtureError):
    """A fixture file could not be read at all (missing, not a regular file, too large)."""


def _read_json(path: Path, root: Path) -> Any:
    """A fixture file, bounded: regular files only, size, depth and numbers within limits."""
    try:
        return limits.loads(limits.read_regular_file(path))
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise FixtureUnreadable(f"{_display(path, root)}: cannot read: {reason}") from None
    except limits.JsonLimitError as exc:
        raise FixtureError(f"{_display(path, root)}: {exc.pointer}: {exc.message}") from None
    except json.JSONDecodeError as exc:
        raise FixtureError(
            f"{_display(path, root)}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def _display(path: Path, root: Path) -> str:
    try:
        return str(Path(root.name) / path.relative_to(root))
    except ValueError:
        return str(path)


def _first_error(errors: Iterator[ValidationError]) -> ValidationError | None:
    ordered = sorted(errors, key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return ordered[0] if ordered else None


def load_directory(fixtures_dir: Path) -> Directory:
    path = fixtures_dir / "identities.json"
    data = _read_json(path, fixtures_dir)
    error = _first_error(Draft202012Validator(IDENTITIES_SCHEMA).iter_errors(data))
    if error is not None:
        raise FixtureError(f"{_display(path, fixtures_dir)}: {pointer(error.absolute_path)}: {error.message}")
    organizations = tuple(Organization(o["id"], o["slug"], o["name"]) for o in data["organizations"])
    org_ids = [o.id for o in organizations]
    keys: tuple[tuple[str, list[Any]], ...] = (
        ("id", list(org_ids)),
        ("slug", [o.slug for o in organizations]),
    )
    for kind, values in keys:
        for i, value in enumerate(values):
            if values.index(value) != i:
                raise FixtureError(
                    f"{_display(path, fixtures_dir)}: /organizations/{i}/{kind}: "
                    f"duplicate organization {kind} {value!r}"
                )
    users = tuple(User(u["id"], u["organization_id"], u["name"], u.get("token")) for u in data["users"])
    seen_tokens: set[str] = set()
    for i, user in enumerate(users):
        if user.organization_id not in org_ids:
            raise FixtureError(
                f"{_display(path, fixtures_dir)}: /users/{i}/organization_id: "
                f"unknown organization {user.organization_id}"
            )
        if user.token is not None:
            if user.token in seen_tokens:
                raise FixtureError(f"{_display(path, fixtures_dir)}: /users/{i}/token: duplicate token")
            seen_tokens.add(user.token)
    return Directory(organizations, users)


@dataclass(frozen=True, slots=True)
class _Target:
    operation: Endpoint
    tenant: Any


def _route_pattern(operation: Endpoint) -> re.Pattern[str]:
    template = operation.path.strip("/")
    return re.compile("^" + re.sub(r"\{([^}]+)\}", r"(?P<\1>[^/]+)", template) + "$")


def _target(spec: Spec, relative_dir: str) -> _Target | None:
    for operation in spec.lists.values():
        match = _route_pattern(operation).match(relative_dir)
        if match is None:
            continue
        tenant = operation.tenant or Tenant()
        return _Target(operation, match.group(tenant.parameter) if tenant.parameter else None)
    return None


# Completes a curated record: (operation id, tenant, position among the tenant's curated records,
# the record as the file states it) -> the record with every other field generated.
Complete = Callable[[str, Any, int, dict[str, Any]], dict[str, Any]]


def load_records(
    fixtures_dir: Path, spec: Spec, directory: Directory, complete: Complete | None = None
) -> dict[str, dict[Any, list[Any]]]:
    """Curated records per operation id and tenant, in file-name then array order.

    A curated record may state only the fields that matter: `complete` generates the rest, and
    the merged record is what is held to the schema and the domain rules.
    """
    records_dir = fixtures_dir / "records"
    result: dict[str, dict[Any, list[Any]]] = {}
    seen_ids: dict[str, set[Any]] = {}
    org_ids = {o.id for o in directory.organizations}
    slugs = {o.slug for o in directory.organizations}
    if not records_dir.is_dir():
        return result
    for path in sorted(records_dir.rglob("*.json")):
        where = _display(path, fixtures_dir)
        target = _target(spec, path.parent.relative_to(records_dir).as_posix())
        if target is None:
            raise FixtureError(
                f"{where}: no operation serves {path.parent.relative_to(records_dir)}/ "
                "(expected records/assistants/ or records/orgs/<org_slug>/assistants/)"
            )
        data = _read_json(path, fixtures_dir)
        operation = target.operation
        if not isinstance(data, list):
            raise FixtureError(f"{where}: /: expected an array of records")
        if target.tenant is not None and target.tenant not in slugs:
            raise FixtureError(f"{where}: unknown organization slug {target.tenant!r} in the path")
        field = (operation.tenant or Tenant()).field
        item_schema = spec.item_schema(operation)
        merged: list[Any] = []
        for i, record in enumerate(data):
            if not isinstance(record, dict):
                raise FixtureError(f"{where}: /{i}: expected an object")
            tenant = target.tenant
            if field is not None:
                if field not in record:
                    raise FixtureError(f"{where}: /{i}: states no {field!r} (whose records are these?)")
                tenant = record[field]
            if complete is not None:
                so_far = len(result.get(operation.operation_id, {}).get(tenant, []))
                record = complete(operation.operation_id, tenant, so_far, record)
            merged.append(record)
            result.setdefault(operation.operation_id, {}).setdefault(tenant, []).append(record)
        data = merged
        array_schema = {"type": "array", "items": item_schema}
        errors = schema_errors(data, array_schema)
        if errors:
            raise FixtureError(
                f"{where}: {errors[0][0]}: {errors[0][1]}"
                + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")
            )
        try:
            # The same rules the contract checks apply to a served page.
            check_parent_references(item_schema, data)
            check_timestamps(item_schema, data)
        except DomainViolation as violation:
            raise FixtureError(f"{where}: {violation.message}") from None
        for i, record in enumerate(data):
            if field is not None:
                tenant = record[field]
                if tenant not in org_ids:
                    raise FixtureError(f"{where}: /{i}/{field}: unknown organization {tenant!r}")
                members = directory.members(tenant)
                if record.get("user_id") not in members:
                    raise FixtureError(
                        f"{where}: /{i}/user_id: {record.get('user_id')!r} is not a "
                        f"user of organization {tenant}"
                    )
                if isinstance(record.get("id"), int) and record["id"] >= GENERATED_ID_BASE:
                    raise FixtureError(
                        f"{where}: /{i}/id: curated ids must be below "
                        f"{GENERATED_ID_BASE} (generated ids start there)"
                    )
            # Ids are global to an API, not per organization.
            ids = seen_ids.setdefault(operation.operation_id, set())
            if record.get("id") in ids:
                raise FixtureError(f"{where}: /{i}/id: duplicate id {record['id']!r}")
            ids.add(record.get("id"))
    return result

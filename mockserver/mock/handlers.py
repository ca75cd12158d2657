"""The operations' handlers: parse, ask the dataset, return bytes. Routed by operationId."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from mockserver.mock.dataset import Dataset
from mockserver.mock.identities import Caller
from mockserver.mock.middleware import NotFoundProblem
from mockserver.model.spec import Spec


class Handlers:
    def __init__(self, spec: Spec, dataset: Dataset) -> None:
        self._spec = spec
        self._dataset = dataset

    # Explicit parameters, not **kwargs: Connexion then drops undeclared query parameters
    # quietly instead of logging an error for each one.
    async def list_assistants(
        self,
        token_info: dict[str, Any],
        skip: int | None = None,
        limit: int | None = None,
        active_only: bool | None = None,
        created_by_me: bool | None = None,
    ) -> Response:
        params = {"skip": skip, "limit": limit, "active_only": active_only, "created_by_me": created_by_me}
        return self._list("list_assistants", token_info["caller"], params)

    async def list_org_assistants(
        self,
        token_info: dict[str, Any],
        org_id: str,
        page: int | None = None,
        take: int | None = None,
        next_page_token: str | None = None,
    ) -> Response:
        params = {"org_id": org_id, "page": page, "take": take, "next_page_token": next_page_token}
        return self._list("list_org_assistants", token_info["caller"], params)

    def _list(self, operation_id: str, caller: Caller, raw: dict[str, Any]) -> Response:
        operation = self._spec.operations[operation_id]
        params = operation.defaults()
        params.update({k: v for k, v in raw.items() if k in operation.parameters and v is not None})
        attrs = caller.attrs()
        tenant = operation.tenant.key(attrs, params)
        collection = None if tenant is None else self._dataset.collection(operation_id, tenant)
        if collection is None:
            # Unknown and forbidden look the same, so that existence does not leak.
            name = params.get(operation.tenant.parameter or "", tenant)
            raise NotFoundProblem(f"Organization '{name}' was not found.")
        offset, limit = operation.pagination.window(params)
        criteria = {f.field: f.expected(attrs) for f in operation.filters if params.get(f.param)}
        return Response(collection.page_json(offset, limit, criteria), media_type="application/json")

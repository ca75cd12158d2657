"""The ASGI application: Connexion serving `openapi.yaml` over the generated dataset."""

from __future__ import annotations

import gc
from typing import Any

from connexion import AsyncApp
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.requests import Request
from starlette.responses import JSONResponse

from mockserver.mock.auth import bearer_handler
from mockserver.mock.dataset import Dataset
from mockserver.mock.fixtures import load_directory, load_records
from mockserver.mock.handlers import Handlers
from mockserver.mock.middleware import CollectingParameterValidator, ErrorShapeMiddleware
from mockserver.mock.problems import style_of
from mockserver.mock.settings import Settings
from mockserver.model.spec import load_spec


async def healthz(_request: Request) -> JSONResponse:
    """Readiness probe, outside the spec and without authentication."""
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings | None = None) -> AsyncApp:
    """Build the app; raises `SpecError` or `FixtureError` when the inputs are bad."""
    settings = settings or Settings()
    spec = load_spec(settings.spec_path)
    directory = load_directory(settings.fixtures_dir)
    dataset = Dataset(settings, directory, load_records(settings.fixtures_dir, spec, directory))
    handlers = Handlers(spec, dataset)

    app = AsyncApp(
        __name__,
        security_map={"bearer": bearer_handler(directory)},
        validator_map={"parameter": CollectingParameterValidator},
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui", spec_path="/openapi.json"),
    )
    app.add_api(
        spec.document,
        resolver=Resolver(function_resolver=lambda operation_id: getattr(handlers, operation_id)),
    )
    app.add_middleware(
        ErrorShapeMiddleware,
        position=MiddlewarePosition.BEFORE_SECURITY,
        styles={op_id: style_of(op.responses) for op_id, op in spec.operations.items()},
    )
    app.add_url_rule("/healthz", "healthz", healthz)
    return app


def in_process_target(settings: Settings | None = None) -> dict[str, Any]:
    """The mock as a contract run's in-process target: the app, and the first dev token's
    identity, so that `$caller` rules are checked exactly (keywords of the run's options)."""
    settings = settings or Settings()
    directory = load_directory(settings.fixtures_dir)
    user = next((u for u in directory.users if u.token is not None), None)
    target: dict[str, Any] = {"app": create_app(settings)}
    if user is not None:
        org = next(o for o in directory.organizations if o.id == user.organization_id)
        target.update(
            token=user.token,
            org_id=org.slug,
            caller={"user_id": user.id, "organization_id": user.organization_id},
        )
    return target


def freeze_heap() -> None:
    """Move everything built at start-up (pools, indexes, the spec) out of the garbage
    collector's sight: full collections then scan only what requests allocate."""
    gc.collect()
    gc.freeze()


def app_from_environment() -> AsyncApp:
    """uvicorn factory for worker processes: settings come from `MOCKSERVER_*` variables."""
    app = create_app(Settings.from_env())
    freeze_heap()
    return app

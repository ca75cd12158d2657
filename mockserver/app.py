"""The ASGI application: Connexion serving `openapi.yaml` over the generated dataset."""

from __future__ import annotations

from connexion import AsyncApp
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.requests import Request
from starlette.responses import JSONResponse

from mockserver.auth import bearer_handler
from mockserver.dataset import Dataset
from mockserver.fixtures import load_directory, load_records
from mockserver.handlers import Handlers
from mockserver.middleware import CollectingParameterValidator, ErrorShapeMiddleware
from mockserver.problems import style_of
from mockserver.settings import Settings
from mockserver.spec import load_spec


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


def app_from_environment() -> AsyncApp:
    """uvicorn factory for worker processes: settings come from `MOCKSERVER_*` variables."""
    import gc

    app = create_app(Settings.from_env())
    # As `mockserver serve` does: start-up objects leave the collector's working set.
    gc.collect()
    gc.freeze()
    return app

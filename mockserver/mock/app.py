"""The ASGI application: Connexion serving the document over data generated from its schemas."""

from __future__ import annotations

import base64
import gc
import json
import logging
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from connexion import AsyncApp
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import InvalidSpecification
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from connexion.validators import VALIDATOR_MAP
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse

from mockserver.mock.auth import (
    DEV_API_KEY,
    DEV_CREDENTIALS,
    DEV_PASSWORD,
    DEV_TOKEN,
    DEV_USER,
    PresentedCredentialsMiddleware,
    alternative_schemes,
    api_key_names,
    challenge,
    credential_places,
    declared_schemes,
    security_map,
)
from mockserver.mock.connexion_view import for_connexion, routed, trusted_document
from mockserver.mock.context import MISSING, Ctx, Gen
from mockserver.mock.dataset import Dataset, compact_json
from mockserver.mock.examples import Example, named_values, pick, response_examples
from mockserver.mock.faults import Chaos, Latency, parse_faults
from mockserver.mock.fixtures import load_directory, load_records
from mockserver.mock.generate import Compiler
from mockserver.mock.handlers import Answer, Responder
from mockserver.mock.identities import Directory
from mockserver.mock.journal import Journal, JournalMiddleware
from mockserver.mock.memo import AnswerMemoMiddleware
from mockserver.mock.middleware import (
    CollectingParameterValidator,
    ErrorShapeMiddleware,
    FormatCheckingBodyValidator,
    FormBodyValidator,
    MultiPartBodyValidator,
    PublishedDocumentMiddleware,
    PydanticQueryMiddleware,
    RequestFramingMiddleware,
    RoutingErrorsMiddleware,
)
from mockserver.mock.prefer import Canned, PreferMiddleware, Steerable
from mockserver.mock.problems import BodyMaker, ErrorStyle, phrase, style_of
from mockserver.mock.recipes import Values
from mockserver.mock.representation import kind_of, render
from mockserver.mock.sessions import ResetMiddleware
from mockserver.mock.settings import Settings
from mockserver.mock.state import RecordShape, Store
from mockserver.mock.stores import backend_for
from mockserver.model.defaults import default_fixtures_dir
from mockserver.model.document import SpecError, deref, json_media, load_document
from mockserver.model.endpoints import Endpoint, details
from mockserver.model.schemas import pointer
from mockserver.model.spec import Spec, spec_from_document

MESSAGE_NAMES = ("detail", "message", "error", "title", "description", "msg", "error_description", "reason")
CODE_NAMES = ("code", "status", "status_code", "statusCode", "error_code")


async def healthz(_request: Request) -> JSONResponse:
    """Readiness probe, outside the spec and without authentication."""
    return JSONResponse({"status": "ok"})


@dataclass
class Plan:
    """What start-up decided, for `serve` to print: inferred pagination, skipped recipes."""

    spec: Spec
    notes: list[str] = field(default_factory=list)
    directory: Directory | None = None
    # Where the API, its Swagger UI and its document are served ("" or e.g. "/v1").
    base_path: str = ""

    @property
    def endpoints(self) -> dict[str, Endpoint]:
        return self.spec.endpoints

    def lines(self) -> list[str]:
        out = self.spec.understanding()
        if self.directory is None and any(e.security for e in self.endpoints.values()):
            out.append(f"no identities: the credentials are {DEV_CREDENTIALS}")
        elif self.directory is not None:
            tokens = []
            for user in self.directory.users:
                if user.token is not None:
                    slugs = [o.slug for o in self.directory.organizations if o.id == user.organization_id]
                    tokens.append(f"{user.token} (user {user.id}, {', '.join(slugs) or 'no organization'})")
            if tokens:
                out.append(f"bearer tokens (paste the token alone in Authorize): {'; '.join(tokens)}")
        return out + self.notes


@dataclass
class Mock:
    """Everything the app serves from, compiled: the pure core behind the Connexion edge."""

    document: dict[str, Any]
    endpoints: dict[str, Endpoint]
    directory: Directory | None
    dataset: Dataset
    responder: Responder
    styles: dict[str, ErrorStyle]
    plan: Plan
    compiler: Compiler


def compile_mock(settings: Settings) -> Mock:
    """Read the document, the values and the fixtures, and compile every generator."""
    warnings: list[str] = []
    document = load_document(settings.spec_path, notes=warnings)
    spec = spec_from_document(document, settings.spec_path)
    found = spec.endpoints
    if not found:
        # A document of webhooks only (a vendor's notification catalogue) still has its
        # Swagger UI and /openapi.json to serve; the mock says what it does not.
        warnings.append(
            f"warning: {settings.spec_path.name}: /paths: no operation to serve, only the document"
        )
    directory = _directory(settings.fixtures_dir, required=any(e.needs_callers for e in found.values()))
    values_path = settings.fixtures_dir / "values.yaml"
    values = Values.load(
        values_path if values_path.exists() else default_fixtures_dir() / "values.yaml",
        settings.seed,
        settings.locale,
    )
    values.prepare_draws()
    compiler = Compiler(document, values)
    lists: dict[str, tuple[Endpoint, Gen]] = {}
    bodies: dict[str, Gen] = {}
    envelopes: dict[str, Gen] = {}
    checkers: dict[str, Any] = {}
    echoed: dict[str, frozenset[str]] = {}
    media: dict[str, tuple[str, bytes] | None] = {}
    styles: dict[str, ErrorStyle] = {}
    # Error responses are mostly one shared `$ref`; each schema is compiled once.
    error_gens: dict[int, tuple[Any, Gen | None]] = {}
    for op_id, endpoint in found.items():
        listing = endpoint.listing
        if listing is not None:
            field = ("properties", listing.items_field) if listing.items_field else ()
            lists[op_id] = (
                endpoint,
                compiler.compile(listing.item_schema, _body_pointer(endpoint, *field, "items")),
            )
            if listing.items_field is not None:
                envelopes[op_id] = compiler.compile(
                    _success_schema(document, endpoint), _body_pointer(endpoint)
                )
        else:
            schema = _success_schema(document, endpoint)
            if schema is not None:
                bodies[op_id] = compiler.compile(schema, _body_pointer(endpoint))
                checkers[op_id] = compiler.validator(schema)
                properties = compiler.resolved(schema).get("properties")
                if isinstance(properties, dict):
                    echoed[op_id] = frozenset(properties)
            else:
                media[op_id] = _success_media(compiler, endpoint)
        styles[op_id] = style_of(
            _shallow(document, endpoint.responses), _error_makers(compiler, document, endpoint, error_gens)
        )
    items_of = details(found)
    id_schemas = {
        op_id: _id_schema(compiler, endpoint, items_of.get(op_id))
        for op_id, (endpoint, _gen) in lists.items()
        if endpoint.listing is not None
    }
    dataset = Dataset(settings, directory, values, lists, id_schemas)
    curated = load_records(settings.fixtures_dir, spec, directory, dataset.complete) if directory else {}
    dataset.build(curated)
    answers = {op_id: _answer(compiler, document, endpoint) for op_id, endpoint in found.items()}
    shapes = {
        op_id: RecordShape.of(document, endpoint.listing.item_schema)
        for op_id, (endpoint, _) in lists.items()
        if endpoint.listing is not None
    }
    # What a create's request body declares as defaults (FastAPI's `is_active: bool = True`):
    # the server applies them to what it keeps, as the client had sent them.
    body_defaults = {
        op_id: dict(RecordShape.of(document, sent[1].get("schema", {})).defaults)
        for op_id, endpoint in found.items()
        if endpoint.method == "post"
        and isinstance(endpoint.request_body, dict)
        and (sent := json_media(endpoint.request_body.get("content"))) is not None
        and isinstance(sent[1], dict)
    }
    responder = Responder(
        found,
        dataset,
        values,
        bodies,
        envelopes,
        settings.seed,
        checkers,
        media,
        echoed,
        answers,
        store=None if settings.stateless else Store(backend_for(settings)),
        shapes=shapes,
        credentials=credential_places(document),
        body_defaults={op_id: d for op_id, d in body_defaults.items() if d},
    )
    return Mock(
        document,
        found,
        directory,
        dataset,
        responder,
        styles,
        Plan(spec, [*warnings, *compiler.notes, *compiler.unsatisfiable()], directory, base_path(document)),
        compiler,
    )


# Connexion warns on every request to an operation that accepts several body media types (it
# picks the first when it has to); nothing a user could act on, once per request.
logging.getLogger("connexion.operations.openapi3").setLevel(logging.ERROR)


def create_app(settings: Settings | None = None, plan: list[Plan] | None = None) -> AsyncApp:
    """Build the app; raises `SpecError`, `FixtureError` or `RecipeError` when the inputs are bad.

    `plan`, when given, receives what start-up inferred (for the CLI to print).
    """
    settings = settings or Settings()
    mock = compile_mock(settings)
    if plan is not None:
        plan.append(mock.plan)
    app = AsyncApp(
        __name__,
        security_map=security_map(mock.directory),
        validator_map={
            "parameter": CollectingParameterValidator,
            "body": MediaTypeDict(
                {
                    **VALIDATOR_MAP["body"],
                    "*/*json": FormatCheckingBodyValidator,
                    "application/x-www-form-urlencoded": FormBodyValidator,
                    "multipart/form-data": MultiPartBodyValidator,
                }
            ),
        },
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui", spec_path="/openapi.json"),
    )
    view = for_connexion(_with_operation_ids(mock.document, mock.endpoints))
    base = mock.plan.base_path
    # The mock itself first (relative: the host serving the page), so that "Try it out" calls
    # the mock and never, unasked, a real host the document names; the document's own after it.
    own = {"url": base or "/", "description": "This mock (the server this page is served from)"}
    declared = [dict(server) for server in mock.document.get("servers") or [] if isinstance(server, dict)]
    published = json.dumps(
        {
            **pasteable(view),
            "servers": [own, *(server for server in declared if server.get("url") != own["url"])],
        }
    ).encode()
    try:
        with trusted_document():
            app.add_api(
                routed(view), base_path=base, resolver=Resolver(function_resolver=mock.responder.handler)
            )
    except InvalidSpecification as exc:
        at = "/" + "/".join(str(p) for p in exc.absolute_path)
        raise SpecError(f"{settings.spec_path.name}: {at}: {exc.message.splitlines()[0]}") from None
    # Outermost CORS, so that the journal and every error carry its headers too.
    if settings.cors_origins.strip():
        app.add_middleware(
            CORSMiddleware,
            position=MiddlewarePosition.BEFORE_EXCEPTION,
            **_cors_options(mock, settings.cors_origins),
        )
    app.add_middleware(
        RequestFramingMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, max_bytes=settings.max_body
    )
    # The origins named with --cors-origins: the only pages that may clear the journal or reset.
    named = [o.strip() for o in settings.cors_origins.split(",") if o.strip() and o.strip() != "*"]
    if settings.journal_size > 0:
        app.add_middleware(
            JournalMiddleware,
            position=MiddlewarePosition.BEFORE_EXCEPTION,
            journal=_journal(mock, settings),
            origins=named,
        )
    store = mock.responder.store
    if store is not None:
        app.add_middleware(
            ResetMiddleware,
            position=MiddlewarePosition.BEFORE_EXCEPTION,
            store=store,
            credentials=credential_places(mock.document),
            origins=named,
        )
    steerables = _steerables(mock, settings)
    if not any(operation.chaos.active for operation in steerables.values()):
        # Inside the journal (every request is still recorded), outside everything that
        # routes, checks and renders: a repeated read is answered as it was the first time,
        # until a write of any session changes what the reads may see.
        app.add_middleware(
            AnswerMemoMiddleware,
            position=MiddlewarePosition.BEFORE_EXCEPTION,
            version=store.memo_version if store is not None else None,
        )
    app.add_middleware(
        ErrorShapeMiddleware,
        position=MiddlewarePosition.BEFORE_SECURITY,
        styles=mock.styles,
        challenges={op_id: challenge(mock.document, e.security) for op_id, e in mock.endpoints.items()},
    )
    app.add_middleware(
        PydanticQueryMiddleware,
        position=MiddlewarePosition.BEFORE_SECURITY,
        kinds={
            op_id: kinds
            for op_id, endpoint in mock.endpoints.items()
            if mock.styles[op_id].is_fastapi and (kinds := _scalar_query_kinds(mock.document, endpoint))
        },
    )
    app.add_middleware(
        PreferMiddleware,
        position=MiddlewarePosition.BEFORE_SECURITY,
        operations=steerables,
        seed=settings.seed,
    )
    app.add_middleware(
        PresentedCredentialsMiddleware,
        position=MiddlewarePosition.BEFORE_SECURITY,
        operations={
            op_id: schemes
            for op_id, endpoint in mock.endpoints.items()
            if (schemes := alternative_schemes(mock.document, endpoint.security))
        },
        directory=mock.directory,
    )
    app.add_middleware(
        RoutingErrorsMiddleware,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        paths=_paths(mock),
        # A body refused before routing (bytes that are not UTF-8) in its own operation's style.
        operations={
            (base_path(mock.document) + e.path, e.method.upper()): mock.styles[op_id]
            for op_id, e in mock.endpoints.items()
        },
    )
    app.add_middleware(
        PublishedDocumentMiddleware,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        path=f"{base}/openapi.json",
        body=published,
    )
    app.add_url_rule("/healthz", "healthz", healthz)
    if "/" not in (mock.document.get("paths") or {}) or base:
        ui = f"{base}/ui/"

        async def home(_request: Request) -> RedirectResponse:
            # Relative: a redirect never takes its host from the request's Host header.
            return RedirectResponse(ui, status_code=307)

        app.add_url_rule("/", "home", home)
    return app


def _paths(mock: Mock) -> dict[str, tuple[tuple[str, ...], ErrorStyle]]:
    """Per path template as served: the methods there (HEAD wherever GET is, but for FastAPI-style
    paths) and the error style of its first operation."""
    methods: dict[str, list[str]] = {}
    styles: dict[str, ErrorStyle] = {}
    for op_id, endpoint in mock.endpoints.items():
        methods.setdefault(endpoint.path, []).append(endpoint.method.upper())
        styles.setdefault(endpoint.path, mock.styles[op_id])
    for path, found in methods.items():
        # Starlette answers HEAD wherever GET is; FastAPI's routes do not (405 there).
        if "GET" in found and "HEAD" not in found and not styles[path].is_fastapi:
            found.append("HEAD")
    base = base_path(mock.document)
    return {base + path: (tuple(found), styles[path]) for path, found in methods.items()}


def base_path(document: dict[str, Any]) -> str:
    """The API is served under the path of the first server URL, as clients call it: its
    variables set to their defaults (`{protocol}://{hostname}/api/v3`), and a relative URL
    (`api/v1`, legal in OpenAPI) read from the root."""
    servers = document.get("servers") or [{}]
    first = servers[0] if isinstance(servers, list) and isinstance(servers[0], dict) else {}
    url = str(first.get("url", "/"))
    variables = first.get("variables") if isinstance(first.get("variables"), dict) else {}
    for name, variable in (variables or {}).items():
        default = variable.get("default", "") if isinstance(variable, dict) else ""
        url = url.replace("{" + str(name) + "}", str(default))
    path = urlsplit(url).path if "://" in url or url.startswith("//") else url.split("?", 1)[0]
    # An encoded `?` or `#` (`/api-v2/%3Fsource=...`) starts what was meant as a query.
    path = re.split(r"%3[fF]|%23", path)[0]
    segments = [s for s in path.split("/") if s not in ("", ".")]
    return "".join(f"/{s}" for s in segments)


def _cors_options(mock: Mock, origins: str) -> dict[str, Any]:
    """A browser may call every method the document declares, with its credentials, its header
    parameters and `Prefer`, and read the headers its responses declare."""
    headers = {"Authorization", "Content-Type", "Accept", "Prefer", *api_key_names(mock.document, "header")}
    exposed = {"WWW-Authenticate", "Allow", "Retry-After"}
    for endpoint in mock.endpoints.values():
        headers |= {name for location, name in endpoint.parameters if location == "header"}
        for response in endpoint.responses.values():
            exposed |= set((deref(mock.document, response) or {}).get("headers") or {})
    allowed = [origin.strip() for origin in origins.split(",") if origin.strip()]
    return {
        "allow_origins": allowed,
        "allow_methods": sorted({e.method.upper() for e in mock.endpoints.values()} | {"GET", "HEAD"}),
        # Whatever a preflight asks for (tracing and cache headers too), the declared ones at least.
        "allow_headers": ["*", *sorted(headers)],
        "expose_headers": sorted(exposed),
        # Credentials (cookies, HTTP authentication) only for origins named: with `*`, any page
        # the developer visits could read the stub as them. Bearer tokens need no credentials.
        "allow_credentials": "*" not in allowed,
        "max_age": 600,
    }


def _scalar_query_kinds(document: dict[str, Any], endpoint: Endpoint) -> dict[str, str]:
    kinds = {}
    for (location, name), parameter in endpoint.parameters.items():
        schema = deref(document, (parameter or {}).get("schema") or {})
        if location == "query" and isinstance(schema, dict) and schema.get("type") in ("boolean", "integer"):
            kinds[name] = str(schema["type"])
    return kinds


def _journal(mock: Mock, settings: Settings) -> Journal:
    return Journal(
        settings.journal_size,
        secret_headers=api_key_names(mock.document, "header"),
        secret_params=api_key_names(mock.document, "query"),
    )


def _steerables(mock: Mock, settings: Settings) -> dict[str, Steerable]:
    """Per operation: its declared statuses and examples, its error style, its latency and faults
    (the command line's, or the operation's `x-mock-faults`)."""
    default = Chaos(
        latency=Latency.parse(settings.latency) if settings.latency.strip() else Latency(),
        rate=settings.fault_rate,
        faults=parse_faults(settings.faults),
    )
    found = {}
    for op_id, endpoint in mock.endpoints.items():
        status, _response = endpoint.success()
        extension = endpoint.extensions.get("x-mock-faults")
        try:
            chaos = default if extension is None else Chaos.from_extension(extension, default)
        except ValueError as exc:
            raise SpecError(f"{settings.spec_path.name}: {endpoint.pointer}/x-mock-faults: {exc}") from None
        query = next(((loc, name) for loc, name in endpoint.parameters if loc == "query"), None)
        found[op_id] = Steerable(
            canned=_canned(mock.compiler, mock.document, endpoint),
            label=endpoint.label,
            success=int(status) if status.isdigit() else 200,
            declared=tuple(endpoint.responses),
            style=mock.styles[op_id],
            chaos=chaos,
            sample_parameter=query,
            challenge=challenge(mock.document, endpoint.security),
        )
    return found


def _directory(fixtures_dir: Path, *, required: bool = False) -> Directory | None:
    """Identities when the fixtures have them (or the document's tenancy needs them); a user's
    spec without fixtures has none."""
    if not required and not (fixtures_dir / "identities.json").exists():
        return None
    return load_directory(fixtures_dir)


def _with_operation_ids(document: dict[str, Any], found: dict[str, Endpoint]) -> dict[str, Any]:
    """The document, with the ids made up for operations that declare none (Connexion routes
    by operationId)."""
    by_place = {(e.path, e.method): op_id for op_id, e in found.items()}
    paths = {}
    # Connexion prefixes an operationId with its `x-openapi-router-controller` (a module of the
    # real app, as Airflow's document names them): the mock's handlers go by the id alone.
    controller = "x-openapi-router-controller"
    for path, item in (document.get("paths") or {}).items():
        item = deref(document, item)
        if not isinstance(item, dict):
            continue  # not a path item: nothing there is served (the reading warned of it)
        item = {k: v for k, v in item.items() if k != controller}
        for method in list(item):
            if (path, method) in by_place and isinstance(item[method], dict):
                operation = {k: v for k, v in item[method].items() if k != controller}
                item[method] = {**operation, "operationId": by_place[(path, method)]}
        paths[path] = item
    return {**document, "paths": paths}


PASTE_SCHEME = "mockDevToken"


def pasteable(document: dict[str, Any]) -> dict[str, Any]:
    """The document as Swagger UI is shown it: where a requirement names an OAuth2 or OpenID
    Connect scheme (whose Authorize dialog runs a flow against the real provider), a bearer
    scheme beside it, so that the dev token can be pasted. The mock takes that bearer token
    for those schemes, as it does for the flows' own tokens."""
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    flows = {
        name
        for name, s in schemes.items()
        if isinstance(s, dict) and s.get("type") in ("oauth2", "openIdConnect")
    }
    if not flows:
        return document

    def alternatives(requirements: Any) -> Any:
        if not isinstance(requirements, list) or not any(
            isinstance(r, dict) and flows & set(r) for r in requirements
        ):
            return requirements
        return [*requirements, {PASTE_SCHEME: []}]

    paths = {}
    for route, item in (document.get("paths") or {}).items():
        if isinstance(item, dict):
            item = {
                method: {**op, "security": alternatives(op["security"])}
                if isinstance(op, dict) and "security" in op
                else op
                for method, op in item.items()
            }
        paths[route] = item
    components = dict(document.get("components") or {})
    components["securitySchemes"] = {
        **schemes,
        PASTE_SCHEME: {
            "type": "http",
            "scheme": "bearer",
            "description": f"This mock's stand-in for {', '.join(sorted(flows))}: paste the token alone "
            f"({DEV_TOKEN}, or a token of the fixtures' identities).",
        },
    }
    published = {**document, "paths": paths, "components": components}
    if "security" in document:
        published["security"] = alternatives(document["security"])
    return published


def _answer(compiler: Compiler, document: dict[str, Any], endpoint: Endpoint) -> Answer:
    """The media types the success response offers, its XML root, and a value for each header
    it declares (made once: the same on every answer, as a deployment's rate limit header is)."""
    status, response = endpoint.success()
    response = deref(document, response) if isinstance(response, dict) else {}
    content = response.get("content") if isinstance(response, dict) else None
    content = content if isinstance(content, dict) else {}
    offered = tuple(str(m) for m in content)
    first = next(iter(content.values()), None)
    schema = first.get("schema", {}) if isinstance(first, dict) else {}
    root = "root"
    if isinstance(schema, dict):
        items = schema.get("items")
        ref = schema.get("$ref") or (items.get("$ref") if isinstance(items, dict) else None)
        target = deref(document, schema) if isinstance(schema, dict) else {}
        xml = target.get("xml") if isinstance(target, dict) else None
        root = str((xml or {}).get("name") or (str(ref).rsplit("/", 1)[-1] if ref else "root"))
    at = f"{endpoint.pointer}/responses/{status}"
    headers = _headers(compiler, document, response, at)
    examples = response_examples(document, response, root)
    # What is not made from a JSON schema per request: text, XML or a file without one.
    bodies = tuple(
        (media_type, _static_body(compiler, content, media_type, examples, at))
        for media_type in offered
        if kind_of(media_type) != "json" and not _structured(content[media_type])
    )
    return Answer(offered=offered, root=root, headers=headers, examples=examples, bodies=bodies)


def _structured(media: Any) -> bool:
    """Whether a non-JSON media type's schema describes a structure (written from the JSON
    value generated per request, as XML or CSV), rather than text or bytes as a whole."""
    schema = media.get("schema") if isinstance(media, dict) else None
    return (
        isinstance(schema, dict)
        and bool(schema)
        and not (
            schema.get("type") == "string"
            or ("type" not in schema and "$ref" not in schema and "properties" not in schema)
        )
    )


def _static_body(
    compiler: Compiler, content: dict[str, Any], media_type: str, examples: tuple[Example, ...], at: str
) -> bytes:
    """A text body: its example where the document shows one, else made from its schema."""
    shown = pick(examples, None, media_type)
    if shown is not None and shown.media_type == media_type:
        return shown.body
    return _media_body(compiler, content, media_type, examples, at)


# Headers that say how the body is framed or encoded: the mock's own, never a generated value
# (a declared `Content-Encoding: gzip` over a plain body breaks every client).
FRAMING = frozenset(
    {"content-type", "content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"}
)


def _headers(
    compiler: Compiler, document: dict[str, Any], response: Any, at: str
) -> tuple[tuple[str, str], ...]:
    headers = []
    declared = response.get("headers") if isinstance(response, dict) else None
    for name, header in (declared or {}).items() if isinstance(declared, dict) else ():
        header = deref(document, header)
        if str(name).lower() in FRAMING or not isinstance(header, dict):
            continue
        schema = header.get("schema", {"type": "string"})
        try:
            value = compiler.compile(schema, f"{at}/headers/{name}")(compiler.sample_ctx(), MISSING)
        except SpecError as exc:
            compiler.notes.append(f"warning: {exc}; the header is not sent")
            continue
        headers.append((str(name), _header_text(value)))
    return tuple(headers)


def _canned(compiler: Compiler, document: dict[str, Any], endpoint: Endpoint) -> dict[str, Canned]:
    """What `Prefer: code=` answers for each declared response but the success one: its own
    media type, body, headers and examples. A JSON error is an `error` one (the operation's error
    style says what went wrong); its body is made only where a 2xx may fall under it."""
    success, _ = endpoint.success()
    out: dict[str, Canned] = {}
    for status, response in endpoint.responses.items():
        response = deref(document, response)
        # The success response is generated per request; one that is `default` (an operation
        # declaring no 2xx) also answers the codes it covers as written.
        if (status == success and status.startswith("2")) or not isinstance(response, dict):
            continue
        at = f"{endpoint.pointer}/responses/{status}"
        content: dict[str, Any] = response["content"] if isinstance(response.get("content"), dict) else {}
        media_type = next(iter(content), None)
        examples = response_examples(document, response)
        error = media_type is not None and kind_of(media_type) == "json" and not status.startswith(("2", "3"))
        body = b""
        if media_type is not None and not (error and status not in ("default", "2XX")):
            body = _media_body(compiler, content, media_type, examples, at)
        out[status] = Canned(media_type, body, _headers(compiler, document, response, at), examples, error)
    return out


def _media_body(
    compiler: Compiler, content: dict[str, Any], media_type: str, examples: tuple[Example, ...], at: str
) -> bytes:
    """A body for one declared media type: generated from its schema, else its example, else
    the values file's body for the media type (a file, an image)."""
    media = content.get(media_type)
    schema = media.get("schema") if isinstance(media, dict) else None
    try:
        if schema is not None and kind_of(media_type) != "binary":
            where = at + pointer(("content", media_type, "schema"))
            return render(compiler.compile(schema, where)(compiler.sample_ctx(), MISSING), media_type)
    except SpecError as exc:
        compiler.notes.append(f"warning: {exc}; answered with its example or an empty body")
    shown = pick(examples, None, media_type)
    if shown is not None and shown.media_type == media_type:
        return shown.body
    made: bytes = compiler.values.media_body(media_type)
    return made


def _header_text(value: Any) -> str:
    """A header's value as OpenAPI's `simple` style writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_header_text(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k},{_header_text(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def _body_pointer(endpoint: Endpoint, *inside: str) -> str:
    """The JSON pointer of the success response's JSON schema (and of a place `inside` it)."""
    status, response = endpoint.success()
    media = json_media(response.get("content") if isinstance(response, dict) else None)
    media_type = media[0] if media is not None else "application/json"
    return endpoint.pointer + pointer(("responses", status, "content", media_type, "schema", *inside))


def _success_schema(document: dict[str, Any], endpoint: Endpoint) -> Any:
    _status, response = endpoint.success()
    media = json_media(response.get("content") if isinstance(response, dict) else None)
    if media is None:
        return None
    if "schema" not in (media[1] or {}):
        # No schema: the document's example is the answer, else any JSON value.
        shown = named_values(document, media[1])
        return {"const": next(iter(shown.values()))} if shown else {}
    return media[1]["schema"]


def _success_media(compiler: Compiler, endpoint: Endpoint) -> tuple[str, bytes] | None:
    """The success response's first media type and a body for it, when it is not JSON."""
    status, response = endpoint.success()
    content = response.get("content") if isinstance(response, dict) else None
    if not isinstance(content, dict) or not content:
        return None
    media_type = str(next(iter(content)))
    examples = response_examples(compiler.document, response)
    at = f"{endpoint.pointer}/responses/{status}"
    return media_type, _static_body(compiler, content, media_type, examples, at)


def _shallow(document: dict[str, Any], responses: dict[str, Any]) -> dict[str, Any]:
    """Responses whose JSON schemas are dereferenced one level (enough to see their fields)."""
    view: dict[str, Any] = {}
    for status, response in responses.items():
        content = {}
        for media_type, media in ((response or {}).get("content") or {}).items():
            schema = deref(document, (media or {}).get("schema", {}))
            content[media_type] = {"schema": schema if isinstance(schema, dict) else {}}
        view[status] = {"content": content}
    return view


# What an item operation's path parameter may say of the ids it takes.
ID_CONSTRAINTS = ("format", "pattern", "minLength", "maxLength", "minimum", "maximum")


def _id_schema(compiler: Compiler, listing: Endpoint, detail: Endpoint | None) -> dict[str, Any]:
    """The schema of a list's record ids: the records' key field, with what the item
    operation's path parameter adds (`format: uuid`, a pattern), so that every id a list
    answers is one its item operation takes."""
    assert listing.listing is not None
    field = compiler.resolved(
        compiler.resolved(listing.listing.item_schema).get("properties", {}).get(listing.key_field, {})
    )
    parameter = detail.parameters.get(("path", detail.id_parameter or "")) if detail is not None else None
    schema = compiler.resolved(parameter.get("schema")) if isinstance(parameter, dict) else {}
    taken = {k: v for k, v in schema.items() if k in ID_CONSTRAINTS and k not in field}
    return {**field, **taken}


def _error_makers(
    compiler: Compiler,
    document: dict[str, Any],
    endpoint: Endpoint,
    compiled: dict[int, tuple[Any, Gen | None]],
) -> dict[str, BodyMaker]:
    makers: dict[str, BodyMaker] = {}
    for status, response in endpoint.responses.items():
        if not (status.startswith("4") or status.startswith("5") or status == "default"):
            continue
        media = json_media((response or {}).get("content") if isinstance(response, dict) else None)
        if media is None or "problem" in media[0]:
            continue
        if "schema" not in (media[1] or {}):
            # No schema, perhaps an example: what the document shows is what an error there is.
            shown = [e.body for e in response_examples(document, response) if e.media_type == media[0]]
            if shown:
                makers[status] = _shown(shown[0])
            continue
        schema = deref(document, media[1].get("schema", {}))
        if not isinstance(schema, dict):
            continue
        known = compiled.get(id(schema))
        if known is None or known[0] is not schema:
            try:
                at = endpoint.pointer + pointer(("responses", status, "content", media[0], "schema"))
                gen = compiler.compile(media[1].get("schema", {}), at)
            except SpecError:
                gen = None
            # The schema is kept with its generator, so that its id is not reused meanwhile.
            known = compiled[id(schema)] = (schema, gen)
        gen = known[1]
        if gen is not None:
            makers[status] = _error_maker(gen, schema, compiler)
    return makers


def _shown(body: bytes) -> BodyMaker:
    return lambda status, detail: body


def _error_maker(gen: Gen, schema: dict[str, Any], compiler: Compiler) -> BodyMaker:
    plan = _error_plan(compiler, schema)
    values = compiler.values

    def make(status: int, detail: str) -> bytes:
        ctx = Ctx(random.Random(f"{status}/{detail}"), 0, values.draw)
        # Only the fields found are set: a scalar error schema (a number) is made as it is.
        return compact_json(gen(ctx, _error_fields(plan, status, detail) or MISSING))

    return make


# What an error schema's field is set to: the message, the status, the enum value naming the
# status, or (a dict) the same inside an object field.
ErrorPlan = dict[str, Any]


def _error_plan(compiler: Compiler, schema: Any, depth: int = 0) -> ErrorPlan:
    """The message-like and code-like fields of an error schema, found through `$ref` and
    `allOf` (Stripe's `{error: {type, message}}`, a base error extended per status)."""
    plan: ErrorPlan = {}
    resolved = compiler.resolved(schema)
    for name, raw in (resolved.get("properties") or {}).items():
        sub = compiler.resolved(raw)
        kind = sub.get("type")
        if isinstance(sub.get("enum"), list) and name in (*CODE_NAMES, "type", "error", "kind"):
            plan[name] = ("enum", tuple(sub["enum"]))
        elif "enum" in sub or "const" in sub:
            continue
        elif kind == "object" or (kind is None and "properties" in sub):
            inner = _error_plan(compiler, sub, depth + 1) if depth < 3 else {}
            if inner:
                plan[name] = inner
        elif kind in ("string", None) and "pattern" not in sub and "format" not in sub:
            if name in MESSAGE_NAMES:
                plan[name] = ("message", int(sub.get("minLength", 0)), int(sub.get("maxLength", 10**6)))
        elif name in CODE_NAMES and kind == "integer":
            low, high = sub.get("minimum", -(10**18)), sub.get("maximum", 10**18)
            plan[name] = ("code", low, high)
    return plan


def _error_fields(plan: ErrorPlan, status: int, detail: str) -> dict[str, Any]:
    over: dict[str, Any] = {}
    words = "".join(ch for ch in phrase(status).lower() if ch.isalnum())
    for name, how in plan.items():
        if isinstance(how, dict):
            inner = _error_fields(how, status, detail)
            if inner:
                over[name] = inner
        elif how[0] == "message" and how[1] <= len(detail):
            over[name] = detail[: how[2]]
        elif how[0] == "code" and how[1] <= status <= how[2]:
            over[name] = status
        elif how[0] == "enum":
            # `NOT_FOUND`, `notFound`, `404`: the declared value that names this status.
            named = next(
                (
                    v
                    for v in how[1]
                    if v == status
                    or (
                        isinstance(v, str)
                        and "".join(c for c in v.lower() if c.isalnum()) in (words, str(status))
                    )
                ),
                None,
            )
            if named is not None:
                over[name] = named
    return over


def in_process_target(settings: Settings | None = None) -> dict[str, Any]:
    """The mock as a contract run's in-process target: the app, and the first dev token's
    identity, so that `$caller` rules are checked exactly (keywords of the run's options)."""
    settings = settings or Settings()
    directory = _directory(settings.fixtures_dir)
    user = next((u for u in directory.users if u.token is not None), None) if directory else None
    # Every phase, the stateful one included: the mock keeps the run's writes (in its session),
    # so a created resource reads back and a deleted one is gone, as Schemathesis checks.
    plan: list[Plan] = []
    target: dict[str, Any] = {"app": create_app(settings, plan)}
    if directory is not None and user is not None:
        org = next(o for o in directory.organizations if o.id == user.organization_id)
        target.update(
            token=user.token,
            org_id=org.slug,
            caller={"user_id": user.id, "organization_id": user.organization_id},
        )
    elif directory is None:
        target.update(dev_credentials(plan[0].spec.document))
    return target


def dev_credentials(document: dict[str, Any]) -> dict[str, Any]:
    """The dev credential a run sends to the mock of a document without identities: the bearer
    token where a scheme takes one, else the API key in its header, else basic credentials."""
    schemes = declared_schemes(document).values()
    if any(
        s.get("type") in ("oauth2", "openIdConnect") or str(s.get("scheme", "")).lower() == "bearer"
        for s in schemes
    ):
        return {"token": DEV_TOKEN}
    headers = [(name, DEV_API_KEY) for name in api_key_names(document, "header")]
    cookies = api_key_names(document, "cookie")
    if cookies:
        headers.append(("Cookie", "; ".join(f"{name}={DEV_API_KEY}" for name in cookies)))
    if not headers and any(str(s.get("scheme", "")).lower() == "basic" for s in schemes):
        encoded = base64.b64encode(f"{DEV_USER}:{DEV_PASSWORD}".encode()).decode()
        headers.append(("Authorization", f"Basic {encoded}"))
    return {"headers": tuple(headers)} if headers else {}


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

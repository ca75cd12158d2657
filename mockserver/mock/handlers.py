"""One handler for every operation, by kind: parse, ask the dataset or the generators, return.

Connexion routes each operationId here; a handler is made per operation with a signature that
names the operation's parameters, so Connexion passes them converted and drops undeclared ones.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import inspect
import json
import keyword
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import orjson
from connexion import request as current_request
from connexion.decorators.parameter import sanitized
from starlette.responses import Response

from mockserver.mock.context import MISSING, Ctx, Gen
from mockserver.mock.dataset import AT, Collection, Dataset, Record, compact_json, record_rng, stem_key
from mockserver.mock.examples import Example
from mockserver.mock.identities import Caller
from mockserver.mock.middleware import (
    ConflictProblem,
    InsufficientStorageProblem,
    NotAcceptableProblem,
    NotFoundProblem,
    UnavailableProblem,
    form_object,
)
from mockserver.mock.prefer import preferences, preferred_example
from mockserver.mock.recipes import Values
from mockserver.mock.representation import kind_of, negotiate, render
from mockserver.mock.sessions import session_name
from mockserver.mock.state import (
    Changes,
    RecordShape,
    Session,
    StateFull,
    StateUnavailable,
    Store,
    View,
    merge_patch,
    shown_json,
)
from mockserver.model.document import json_media
from mockserver.model.endpoints import Endpoint, Listing, collection_writes, parents
from mockserver.model.semantics import CALLER_PREFIX, NEXT_IN_LINK, NEXT_IS_LAST_KEY, Pagination, set_field

Handler = Callable[..., Awaitable[Response]]
# Positions a created record may pass over whose ids clients took before (each one at most once).
MAX_ID_SKIPS = 1_000
# How a range filter's bound is written after its field in the dataset's criteria.
BOUNDS = {"min": ">=", "max": "<="}
# Where a next cursor comes from besides an envelope field (nothing to write into the body).
SOURCES = (NEXT_IS_LAST_KEY, NEXT_IN_LINK)


@dataclass(frozen=True)
class Answer:
    """How an operation's success answer is dressed: the media types its `content` offers, in
    the document's order, the XML root element's name, and its declared headers' values."""

    offered: tuple[str, ...] = ()
    root: str = "root"
    headers: tuple[tuple[str, str], ...] = ()
    # The success response's examples, and the bodies of its media types that are not made
    # from a JSON schema (text, XML without a schema, files): each answered when chosen.
    examples: tuple[Example, ...] = ()
    bodies: tuple[tuple[str, bytes], ...] = ()

    def chosen(self, accept: str | None) -> str | None:
        """The media type to answer in; a 406 when the client accepts none of those offered."""
        if len(self.offered) < 1:
            return None
        chosen = negotiate(accept, list(self.offered))
        if chosen is None:
            raise NotAcceptableProblem(
                f"None of the media types this operation answers in is acceptable: {', '.join(self.offered)}"
            )
        return chosen

    def dressed(self, response: Response, chosen: str | None) -> Response:
        for name, value in self.headers:
            if name.lower() not in response.headers:
                response.headers[name] = value
        current = (response.media_type or "").split(";", 1)[0]
        if chosen is None or chosen == current or not response.body or response.status_code >= 300:
            return response
        if kind_of(current) != "json":
            return response  # a body the values file gave: it is what it is
        body = (
            response.body
            if kind_of(chosen) == "json"
            else render(json.loads(bytes(response.body)), chosen, self.root)
        )
        dressed = Response(body, status_code=response.status_code, media_type=chosen)
        for name, value in response.headers.items():
            if name not in ("content-type", "content-length"):
                dressed.headers[name] = value
        return dressed


class Responder:
    """What the mock answers, per operation; built once per app."""

    def __init__(
        self,
        endpoints: dict[str, Endpoint],
        dataset: Dataset,
        values: Values,
        bodies: dict[str, Gen],
        envelopes: dict[str, Gen],
        seed: int,
        checkers: dict[str, Any] | None = None,
        media: dict[str, tuple[str, bytes] | None] | None = None,
        echoed: dict[str, frozenset[str]] | None = None,
        answers: dict[str, Answer] | None = None,
        store: Store | None = None,
        shapes: dict[str, RecordShape] | None = None,
        credentials: tuple[tuple[str, str], ...] = (),
        body_defaults: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.answers = answers or {}
        # The defaults each create's request body declares, applied where the body is silent.
        self.body_defaults = body_defaults or {}
        # Each session's writes (None: stateless), what the server sets and hides in each
        # list's records, the write operations by the list they write to, and where a request
        # presents its credential (what names its session when no header does).
        self.store = store
        self.shapes = shapes or {}
        self.writes = collection_writes(endpoints) if store is not None else {}
        self.parents = parents(endpoints) if store is not None else {}
        self.credentials = credentials
        self._places = frozenset(where for where, _ in credentials)
        # Validators of the JSON success bodies, the bodies of the non-JSON ones, and the fields
        # a response declares (only those are echoed from the request).
        self.checkers = checkers or {}
        self.media = media or {}
        self.echoed = echoed or {}
        self.endpoints = endpoints
        self.dataset = dataset
        self.values = values
        self.bodies = bodies
        self.envelopes = envelopes
        self.seed = seed

    def handler(self, operation_id: str) -> Handler:
        endpoint = self.endpoints[operation_id]
        # Connexion hands path parameters over as Starlette routed them: `{report-id}` as report_id.
        # An object in the query's `form` style is no value Connexion can convert (it reads
        # `?a=1&b=x` and `?obj=a,1,b,x` as deepObject only): it is validated, and not handed over.
        names = {
            sanitized(name.replace("-", "_") if location == "path" else name): name
            for (location, name), parameter in endpoint.parameters.items()
            if location in ("path", "query") and not form_object(parameter)
        }
        names = {k: v for k, v in names.items() if k and k.isidentifier() and not keyword.iskeyword(k)}

        answer = self.answers.get(operation_id, Answer())

        bodies = dict(answer.bodies)
        success = _status(endpoint.success()[0])

        async def handle(**kwargs: Any) -> Response:
            chosen = answer.chosen(current_request.headers.get("accept"))
            params = {names[k]: v for k, v in kwargs.items() if k in names and v is not None}
            info = kwargs.get("token_info") or {}
            caller = info.get("caller") if isinstance(info, dict) else None
            asked = current_request.headers.getlist("prefer")
            if asked:
                # An example is the caller's as any answer is: after authentication and tenancy.
                example = preferred_example(answer.examples, preferences(asked), chosen, endpoint.label)
                if example is not None:
                    self.admit(endpoint, caller, params)
                    response = Response(example.body, status_code=success, media_type=example.media_type)
                    return answer.dressed(response, example.media_type)
            # Which session reads: only worth asking once some session wrote (most requests).
            store = self.store
            writes = operation_id in self.writes
            session = self._session() if store is not None and (writes or not store.unwritten) else None
            try:
                return self._answer(endpoint, params, kwargs, caller, session, answer, chosen, bodies)
            except StateUnavailable as exc:
                raise UnavailableProblem(str(exc)) from None

        extra = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None)
            for name in [*names, "body", "token_info"]
        ]
        handle.__signature__ = inspect.Signature(list({p.name: p for p in extra}.values()))  # type: ignore[attr-defined]
        return handle

    def _answer(
        self,
        endpoint: Endpoint,
        params: dict[str, Any],
        kwargs: dict[str, Any],
        caller: Caller | None,
        session: str | None,
        answer: Answer,
        chosen: str | None,
        bodies: dict[str, bytes],
    ) -> Response:
        """The answer, once the request is parsed: a write, a body as written, or made."""
        operation_id, kind = endpoint.operation_id, endpoint.kind
        if session is not None and operation_id in self.parents:
            self._parent_present(endpoint, params, caller, session)
        if operation_id in self.writes and session is not None:
            body = kwargs.get("body", MISSING)
            response = self.write(endpoint, params, body, caller, session)
            return answer.dressed(response, chosen)
        if chosen in bodies and kind not in ("list", "item"):
            success = _status(endpoint.success()[0])
            response = Response(bodies[chosen], status_code=success, media_type=chosen)
            return answer.dressed(response, chosen)
        if kind == "list":
            response = self.list(endpoint, params, caller, session)
        elif kind == "item":
            response = self.item(endpoint, params, caller, session)
        else:
            response = self.generated(endpoint, params, kwargs.get("body", MISSING))
        return answer.dressed(response, chosen)

    # ----------------------------------------------------------------------- lists

    def _tenant(self, endpoint: Endpoint, caller: Caller | None, params: dict[str, Any]) -> tuple[bool, Any]:
        if endpoint.tenant is None or not self.dataset.tenanted(endpoint.operation_id):
            return True, None
        attrs = caller.attrs() if caller is not None else {}
        try:
            key = endpoint.tenant.key(attrs, params)
        except KeyError:
            key = None
        return key is not None, key

    def admit(self, endpoint: Endpoint, caller: Caller | None, params: dict[str, Any]) -> None:
        """The tenancy check of a list or of its item operations, alone (for an example)."""
        listing = self.endpoints.get(str(endpoint.item_of)) if endpoint.item_of else endpoint
        if listing is None or listing.listing is None:
            return
        found, tenant = self._tenant(listing, caller, {**dict(listing.defaults), **params})
        if not found or self.dataset.collection(listing.operation_id, tenant) is None:
            raise NotFoundProblem("Organization was not found.")

    def _session(self) -> str:
        # The query and the cookies are parsed only where a credential may be presented in them.
        return session_name(
            current_request.headers,
            current_request.query_params if "query" in self._places else {},
            current_request.cookies if "cookie" in self._places else {},
            self.credentials,
        )

    def _records(
        self, operation_id: str, tenant: Any, session: str | None, params: dict[str, Any]
    ) -> Collection | View | None:
        """A tenant's records of a list as the session sees them (with its writes)."""
        collection = self.dataset.collection(operation_id, tenant)
        if collection is None or session is None or self.store is None:
            return collection
        written = self.store.read(session)
        key = (operation_id, tenant, self._parent(operation_id, params))
        changes = written.changes.get(key) if written is not None else None
        return collection if changes is None else View(collection, changes)

    def _parent(self, list_id: str, params: dict[str, Any]) -> str | None:
        """The id of the record a nested list belongs to (`/things/{id}/children`), or None: each
        parent's children are written apart (its generated ones are alike for every parent)."""
        under = self.parents.get(list_id)
        return None if under is None or under[1] not in params else str(params[under[1]])

    def _position(
        self, operation_id: str, tenant: Any, records: Collection | View, identifier: Any
    ) -> int | None:
        """Where the record with this id stands in the list as the session sees it, or None."""
        if not isinstance(records, View):
            return self.dataset.position(operation_id, tenant, identifier)
        changes = records.changes
        written = changes.ids.get(str(identifier))
        if written is not None:
            return written
        position = self.dataset.position(operation_id, tenant, identifier)
        if position is None or position in changes.deleted or position in changes.records:
            return None
        return position

    def list(
        self, endpoint: Endpoint, raw: dict[str, Any], caller: Caller | None, session: str | None = None
    ) -> Response:
        listing = endpoint.listing
        assert listing is not None
        params = {**dict(endpoint.defaults), **raw}
        found, tenant = self._tenant(endpoint, caller, params)
        collection = self._records(endpoint.operation_id, tenant, session, params) if found else None
        if collection is None:
            # Unknown and forbidden look the same, so that existence does not leak.
            name = params.get(endpoint.tenant.parameter or "", tenant) if endpoint.tenant else tenant
            raise NotFoundProblem(f"Organization '{name}' was not found.")
        offset, limit = _window(listing.pagination, params, len(collection))
        attrs = caller.attrs() if caller is not None else {}
        criteria = {
            f.field + BOUNDS.get(f.relation, ""): f.expected(attrs)
            if f.relation == "flag"
            else params[f.param]
            for f in endpoint.filters
            if f.active(params.get(f.param)) and self.dataset.filters(endpoint.operation_id, f.field)
        }
        for f in endpoint.filters:
            value = params.get(f.param)
            if (
                f.relation == "flag"
                or not f.active(value)
                or self.dataset.filters(endpoint.operation_id, f.field)
            ):
                continue
            # A filter on a field the records keep no values of for filtering: the id selects
            # its record; another (a field the records never hold) selects nothing.
            at = (
                self._position(endpoint.operation_id, tenant, collection, value)
                if f.field == endpoint.key_field
                else None
            )
            criteria[AT] = (*criteria.get(AT, ()), *(() if at is None else (at,)))
        pagination = listing.pagination
        following: str | None = None
        if pagination is not None and pagination.cursor:
            offset = self._resume(endpoint, pagination, collection, tenant, criteria, params)
            total = len(collection.positions(criteria))
            if offset + limit < total:
                following = self._cursor(endpoint, pagination, collection, criteria, offset + limit)
        page = collection.page_json(offset, limit, criteria)
        headers = {}
        if following is not None and pagination is not None and pagination.next_from == NEXT_IN_LINK:
            headers["Link"] = f'<{_next_url(pagination.start_param, following)}>; rel="next"'
        if listing.items_field is None:
            return Response(page, media_type="application/json", headers=headers)
        total = len(collection.positions(criteria))
        body = self._envelope(endpoint, page, total, offset, limit, params, following)
        return Response(body, media_type="application/json", headers=headers)

    def _resume(
        self,
        endpoint: Endpoint,
        pagination: Pagination,
        collection: Collection | View,
        tenant: Any,
        criteria: dict[str, Any],
        params: dict[str, Any],
    ) -> int:
        """Where a cursor resumes the (filtered) list: after the record it names (`starting_after`),
        or at the position an opaque cursor of the mock's encodes."""
        cursor = params.get(pagination.start_param)
        if cursor is None or cursor == "":
            return 0  # `?cursor=` reads as the first page, as most cursor APIs read it
        if pagination.next_from == NEXT_IS_LAST_KEY:
            position = self._position(endpoint.operation_id, tenant, collection, cursor)
            if position is None and "404" in endpoint.responses:
                raise NotFoundProblem(f"No record has the id {cursor!r}.")
            if position is None:
                return len(collection.positions(criteria))  # after a record that is not there: the end
            return bisect.bisect_right(collection.positions(criteria), position)
        offset = decode_cursor(str(cursor))
        if offset is None:
            # A cursor the mock never handed out points at no page: the declared 404 where there
            # is one, else past the end (an empty last page: the document admits any cursor).
            if "404" in endpoint.responses:
                raise NotFoundProblem("Invalid cursor: pass the cursor a previous page handed out.")
            return len(collection.positions(criteria))
        return offset

    def _cursor(
        self,
        endpoint: Endpoint,
        pagination: Pagination,
        collection: Collection | View,
        criteria: dict[str, Any],
        at: int,
    ) -> str:
        """The cursor of the page starting at `at`: the key of the record before it, or opaque."""
        if pagination.next_from == NEXT_IS_LAST_KEY:
            record = orjson.loads(collection.item_json(collection.positions(criteria)[at - 1]))
            return str(record.get(endpoint.key_field))
        return encode_cursor(at)

    def _envelope(
        self,
        endpoint: Endpoint,
        page: bytes,
        total: int,
        offset: int,
        limit: int,
        params: dict[str, Any],
        following: str | None = None,
    ) -> bytes:
        listing = endpoint.listing
        assert listing is not None and listing.items_field is not None
        ctx = Ctx(random.Random(f"{self.seed}/{endpoint.operation_id}/envelope"), 0, self.values.draw)
        over: dict[str, Any] = {listing.items_field: []}
        shape = self.envelopes[endpoint.operation_id](ctx, over)
        if not isinstance(shape, dict):
            return page
        if listing.total_field is not None:
            shape[listing.total_field] = total
        if listing.has_more_field is not None:
            shape[listing.has_more_field] = offset + limit < total
        if listing.pages_field is not None:
            shape[listing.pages_field] = -(-total // limit) if limit > 0 else 0
        counted = (listing.total_field, listing.has_more_field, listing.pages_field)
        for key, value in list(shape.items()):
            if key not in counted and key in params and type(value) is type(params[key]):
                shape[key] = params[key]
        pagination = listing.pagination
        if pagination is not None and (listing.next_link or listing.previous_link):
            self._links(listing, pagination, shape, offset, limit, total)
        if pagination is not None and pagination.cursor and pagination.next_from not in (None, *SOURCES):
            # A field that holds the next page's URL (`next`, `next_page_url`) gets one.
            value = (
                _next_url(pagination.start_param, following)
                if following and listing.next_is_url
                else following
            )
            set_field(
                shape, str(pagination.next_from), value if following is not None else listing.end_cursor
            )
        shape[listing.items_field] = []
        body = compact_json(shape)
        marker = compact_json({listing.items_field: []})[1:-1]
        return body.replace(marker, marker[:-2] + page, 1)

    @staticmethod
    def _links(
        listing: Listing, pagination: Pagination, shape: dict[str, Any], offset: int, limit: int, total: int
    ) -> None:
        """The next and previous pages' URLs (the request's own, moved by a page), or the end."""
        page = pagination.style == "page"
        start = pagination.first_page + offset // max(limit, 1) if page else offset
        following = (start + 1 if page else offset + limit) if offset + limit < total else None
        before = (start - 1 if page else max(offset - limit, 0)) if offset > 0 else None
        for path, target in ((listing.next_link, following), (listing.previous_link, before)):
            if path is not None:
                url = None if target is None else _next_url(pagination.start_param, str(target))
                set_field(shape, path, url if url is not None else listing.end_cursor)

    # ----------------------------------------------------------------------- items

    def item(
        self, endpoint: Endpoint, params: dict[str, Any], caller: Caller | None, session: str | None = None
    ) -> Response:
        parent = self.endpoints[str(endpoint.item_of)]
        found, tenant = self._tenant(parent, caller, params)
        identifier = params.get(str(endpoint.id_parameter))
        records = self._records(parent.operation_id, tenant, session, params) if found else None
        position = (
            None if records is None else self._position(parent.operation_id, tenant, records, identifier)
        )
        body = None if records is None or position is None else records.item_json(position)
        if body is None:
            declared = endpoint.responses
            if "404" in declared or "4XX" in declared or "default" in declared:
                raise NotFoundProblem(f"No record has the id {identifier!r}.")
            # The document admits no "not found": any id is one, as a generated record.
            return self.generated(endpoint, params, MISSING)
        status, _ = endpoint.success()
        if endpoint.record_field is not None:
            body = compact_json({endpoint.record_field: []})[:-3] + body + b"}"
        return Response(body, status_code=_status(status), media_type="application/json")

    def _parent_present(
        self, endpoint: Endpoint, params: dict[str, Any], caller: Caller | None, session: str
    ) -> None:
        """What belongs to a record the session deleted is gone with it: the declared 404."""
        list_id, name = self.parents[endpoint.operation_id]
        listing = self.endpoints[list_id]
        found, tenant = self._tenant(listing, caller, {**dict(listing.defaults), **params})
        records = self._records(list_id, tenant, session, params) if found else None
        if not isinstance(records, View) or name not in params:
            return
        if str(params[name]) in records.changes.gone and "404" in endpoint.responses:
            raise NotFoundProblem(f"No record has the id {params[name]!r}: it was deleted.")

    # ----------------------------------------------------------------------- writes

    def write(
        self, endpoint: Endpoint, raw: dict[str, Any], body: Any, caller: Caller | None, session: str
    ) -> Response:
        """Create, replace, merge into or remove a record of the list the operation writes to,
        in the session's changes; answered with the record as the list now serves it."""
        assert self.store is not None
        list_id, verb = self.writes[endpoint.operation_id]
        listing = self.endpoints[list_id]
        params = {**dict(listing.defaults), **raw}
        found, tenant = self._tenant(listing, caller, params)
        collection = self.dataset.collection(list_id, tenant) if found else None
        if collection is None:
            name = params.get(listing.tenant.parameter or "", tenant) if listing.tenant else tenant
            raise NotFoundProblem(f"Organization '{name}' was not found.")
        shape = self.shapes.get(list_id, RecordShape())
        try:
            with self.store.writing(session) as written:
                record = self._write(
                    endpoint, verb, listing, collection, tenant, params, body, written, caller
                )
        except StateFull as exc:
            raise InsufficientStorageProblem(str(exc)) from None
        return self._written(endpoint, params, record, shape)

    def _write(
        self,
        endpoint: Endpoint,
        verb: str,
        listing: Endpoint,
        collection: Collection,
        tenant: Any,
        params: dict[str, Any],
        body: Any,
        written: Session,
        caller: Caller | None,
    ) -> Record:
        """One write, in the session's changes: refused (404, 409) before anything changes."""
        list_id, key = listing.operation_id, listing.key_field
        shape = self.shapes.get(list_id, RecordShape())
        scope = (list_id, tenant, self._parent(list_id, params))
        changes = written.changes.get(scope)
        records: Collection | View = collection if changes is None else View(collection, changes)
        position: int | None = None
        old: Record | None = None
        if verb != "create":
            identifier = params.get(str(endpoint.id_parameter))
            position = self._position(list_id, tenant, records, identifier)
            old = None if position is None else _whole(records, position)
            if position is None or old is None:
                raise NotFoundProblem(f"No record has the id {identifier!r}.")
        elif key in shape.writable(body):
            taken = shape.writable(body)[key]
            if self._position(list_id, tenant, records, taken) is not None:
                status = 409 if "409" in endpoint.responses else endpoint.validation_status()
                raise ConflictProblem(status, f"A record with the {key} {taken!r} exists already.")
        changes = written.changes.setdefault(scope, Changes(base=len(collection)))
        record: Record | None
        if verb == "create":
            defaults = self.body_defaults.get(endpoint.operation_id)
            if defaults and isinstance(body, dict):
                body = {**defaults, **body}
            over = shape.stamped(shape.writable(body), written.clock, created=True)
            attrs = caller.attrs() if caller is not None else {}
            for f in listing.filters:
                # What a `$caller` filter reads is the creator's (`created_by_me` finds it).
                if isinstance(f.equals, str) and f.equals.startswith(CALLER_PREFIX) and caller is not None:
                    set_field(over, f.field, f.expected(attrs))
            seen = View(collection, changes)
            server_set = [key, *(f.field for f in listing.filters if f.field in over)]
            if listing.tenant is not None and listing.tenant.field:
                server_set.append(listing.tenant.field)
            for _ in range(MAX_ID_SKIPS):
                position = changes.base + changes.added
                made = self.dataset.made(list_id, tenant, position, dict(over))
                record = shape.created_record(made, shape.writable(body), server_set)
                _owned_by(record, listing.owner_field, attrs)
                _belongs_to(record, self.parents.get(list_id), params, shape)
                changes.added += 1
                if key in over or self._position(list_id, tenant, seen, record.get(key)) is None:
                    break
                # A client chose the id this position's record would have: the position stays
                # empty (as a deleted row's would), and the record takes the next one's.
                changes.deleted.add(position)
        elif verb == "remove":
            assert position is not None and old is not None
            changes.deleted.add(position)
            changes.records.pop(position, None)
            changes.shown.pop(position, None)
            changes.ids.pop(str(old.get(key)), None)
            changes.gone.add(str(old.get(key)))
            record = old
        else:
            assert position is not None and old is not None
            sent = shape.writable(body)
            if verb == "replace":
                new = {k: v for k, v in old.items() if k in shape.server_set}
                new.update(sent)
            else:
                new = merge_patch(old, sent)
            # Its id and tenant stay; a required field the write left out keeps its value,
            # so that the list's schema still holds of every record it serves.
            pinned = (key, listing.tenant.field if listing.tenant is not None else None)
            for name in shape.required:
                if name in old:
                    new.setdefault(name, old[name])
            new.update({name: old[name] for name in pinned if name is not None and name in old})
            record = shape.stamped(new, written.clock, created=False)
        if verb != "remove":
            assert position is not None and record is not None
            changes.records[position] = record
            changes.shown[position] = shown_json(record, shape.hidden)
            changes.ids[str(record.get(key))] = position
            changes.gone.discard(str(record.get(key)))
        assert record is not None
        return record

    def _written(
        self, endpoint: Endpoint, params: dict[str, Any], record: Record, shape: RecordShape
    ) -> Response:
        """A write's answer: its declared status, and the record where its schema holds one."""
        status, response = endpoint.success()
        code = _status(status)
        media = json_media(response.get("content") if isinstance(response, dict) else None)
        if code in (204, 304) or media is None:
            return Response(b"", status_code=code)
        shown = {k: v for k, v in record.items() if k not in shape.hidden}
        wrapped = {endpoint.record_field: shown} if endpoint.record_field else shown
        checker = self.checkers.get(endpoint.operation_id)
        if checker is not None and checker.is_valid(wrapped):
            media_type = media[0] if "json" in media[0] else "application/json"
            return Response(compact_json(wrapped), status_code=code, media_type=media_type)
        # An answer of another shape (`{id}`, an envelope): generated, with the record's fields
        # where it declares them.
        return self.generated(endpoint, params, shown)

    # ----------------------------------------------------------------------- others

    def generated(self, endpoint: Endpoint, params: dict[str, Any], body: Any) -> Response:
        """A body generated from the success response's schema, with what the request sent
        merged in; the same request gets the same answer (stateless)."""
        status, response = endpoint.success()
        gen = self.bodies.get(endpoint.operation_id)
        media = json_media(response.get("content") if isinstance(response, dict) else None)
        if _status(status) in (204, 304):
            # No body, ever; but the media type the document declares for it, as clients check it.
            content = response.get("content") if isinstance(response, dict) else None
            declared = next(iter(content), None) if isinstance(content, dict) else None
            return Response(b"", status_code=_status(status), media_type=declared)
        if gen is None or media is None:
            other = self.media.get(endpoint.operation_id)
            if other is None:
                return Response(b"", status_code=_status(status))
            return Response(other[1], status_code=_status(status), media_type=other[0])
        request = [endpoint.operation_id, params, None if body is MISSING else body]
        digest = hashlib.blake2b(
            json.dumps(request, sort_keys=True, default=str).encode(), digest_size=8
        ).digest()
        ctx = Ctx(
            record_rng(stem_key(f"{self.seed}/{endpoint.operation_id}"), int.from_bytes(digest[:5], "big")),
            0,
            self.values.draw,
        )
        over = _request_fields(body, endpoint, params, self.echoed.get(endpoint.operation_id))
        value = gen(ctx, over)
        checker = self.checkers.get(endpoint.operation_id)
        if checker is not None and over is not MISSING:
            # What the request sent is echoed only where the response schema admits it.
            wrong = {str(e.absolute_path[0]) for e in checker.iter_errors(value) if e.absolute_path}
            if wrong or not checker.is_valid(value):
                kept = {k: v for k, v in over.items() if k not in wrong} if wrong else MISSING
                value = gen(ctx, kept if kept else MISSING)
        return Response(
            compact_json(value),
            status_code=_status(status),
            media_type=media[0] if "json" in media[0] else "application/json",
        )


def _whole(records: Collection | View, position: int) -> Record | None:
    """The whole record at a position of the list as a session sees it."""
    if isinstance(records, View):
        return records.record(position)
    return records.item(position) if 0 <= position < len(records) else None


def _request_fields(
    body: Any, endpoint: Endpoint, params: dict[str, Any], declared: frozenset[str] | None
) -> Any:
    """The request's own fields that the response declares, to merge into a generated object."""
    merged: dict[str, Any] = {}
    if endpoint.kind in ("write", "item") and endpoint.id_parameter and endpoint.id_parameter in params:
        # The record answered for `/things/{id}` is that id's, whatever else is generated.
        merged[endpoint.key_field] = params[endpoint.id_parameter]
    if isinstance(body, dict):
        merged.update(body)
    if declared is not None:
        merged = {k: v for k, v in merged.items() if k in declared}
    return merged or MISSING


def encode_cursor(offset: int) -> str:
    """An opaque cursor for a position in a list: the same list and position, the same cursor."""
    return base64.urlsafe_b64encode(f"o{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return int(text[1:]) if text.startswith("o") and text[1:].isdigit() and len(text) < 20 else None


def _next_url(cursor_param: str, cursor: str) -> str:
    """The next page's URL: the request's own (its host, base path and query), with the cursor
    of the next page in place of its own."""
    parts = urlsplit(str(current_request.url))
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != cursor_param]
    # Percent-encoded as a URI must be (a path segment may hold any character).
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~")
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode([*query, (cursor_param, cursor)]), ""))


def _window(pagination: Pagination | None, params: dict[str, Any], total: int) -> tuple[int, int]:
    if pagination is None:
        return 0, total
    size = params.get(pagination.size_param)
    if not isinstance(size, int) or size < 0:
        size = 20
    if not pagination.start_param:
        return 0, size
    start = params.get(pagination.start_param)
    if not isinstance(start, int) or start < 0:
        start = pagination.first_page if pagination.style == "page" else 0
    offset, limit = pagination.window({pagination.start_param: start, pagination.size_param: size})
    return max(offset, 0), limit


def _status(status: str) -> int:
    """The code answered for a declared status: `2XX` as 200, `3XX` as 300, `default` as 200."""
    if status.isdigit():
        return int(status)
    return int(status[0]) * 100 if status[:1].isdigit() else 200


def _belongs_to(
    record: Record, under: tuple[str, str] | None, params: dict[str, Any], shape: RecordShape
) -> None:
    """A record created in a nested list (`POST /users/{user_id}/posts`) names its parent in
    the field of the path parameter's name, where the record has one of the id's type."""
    if under is None or under[1] not in params:
        return
    name = shape.field_for(under[1], params[under[1]])
    if name is not None:
        record[name] = params[under[1]]


def _owned_by(record: Record, owner: str | None, attrs: dict[str, Any]) -> None:
    """A created record's owner field (`user_id`, `owner_id`, ...) is its creator, where the
    caller has an id of the field's type: what one creates is one's own."""
    if owner is None or owner not in record:
        return
    mine = attrs.get(owner, attrs.get("user_id"))
    if mine is not None and type(mine) is type(record[owner]):
        record[owner] = mine

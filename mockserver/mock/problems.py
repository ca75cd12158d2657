"""Error bodies in the two shapes the spec declares.

`fastapi`: `{"detail": "..."}` and, for invalid parameters, `{"detail": [{"loc", "msg", "type"}]}`.
`problem`: RFC 7807 `application/problem+json`.
Which one an operation uses is read from the media type of its declared error responses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

PROBLEM_JSON = "application/problem+json"
JSON_MEDIA = "application/json"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One invalid parameter, described the way pydantic v2 (and so FastAPI) words it."""

    location: str
    name: str
    msg: str
    type: str
    input: Any = None
    # The constraint that failed, as pydantic reports it (`{"ge": 1}`); None when it has none.
    ctx: dict[str, Any] | None = None
    # In a body, the path to the invalid value (`("llm_settings", "temperature")`), which
    # pydantic's `loc` continues with.
    at: tuple[str | int, ...] = ()


# (status, detail) -> the body of an error in a shape only the spec knows.
BodyMaker = Callable[[int, str], bytes]


@dataclass(frozen=True, slots=True)
class ErrorStyle:
    media_type: str
    validation_status: int
    # Per declared status ("404", "4XX", "default"): bodies generated from the declared schema,
    # for operations whose errors are neither FastAPI's nor RFC 7807.
    declared: dict[str, BodyMaker] = field(default_factory=dict)
    # The declared statuses ("401", "4XX", "default"), and those whose response declares no
    # body: an error they cover is answered without one, as the document says.
    statuses: frozenset[str] = frozenset()
    bodiless: frozenset[str] = frozenset()

    @property
    def is_problem(self) -> bool:
        return self.media_type == PROBLEM_JSON

    @property
    def is_fastapi(self) -> bool:
        """FastAPI's `{"detail": ...}` bodies: the service is taken to behave as FastAPI does."""
        return self.media_type == JSON_MEDIA and not self.declared

    def covers(self, status: int) -> str | None:
        """The declared response key `status` falls under, among those this style knows."""
        code = str(status)
        return next((k for k in (code, f"{code[0]}XX", "default") if k in self.statuses), None)

    def maker(self, status: int) -> BodyMaker | None:
        code = str(status)
        return (
            self.declared.get(code)
            or self.declared.get(f"{code[0]}XX")
            or self.declared.get("default")
            or next(iter(self.declared.values()), None)
        )


def style_of(responses: dict[str, Any], declared: dict[str, BodyMaker] | None = None) -> ErrorStyle:
    """The error style an operation declares through its 4xx responses.

    `application/problem+json` is RFC 7807; a JSON body of a `detail` property alone is FastAPI's;
    any other declared error body is generated from its schema (`declared`); with no error
    declared at all, RFC 7807 (the one standard shape).
    """
    validation_status = 422 if "422" in responses else 400
    media = None
    bodiless = frozenset(
        status
        for status, response in responses.items()
        if (status.startswith(("4", "5")) or status == "default")
        and isinstance(response, dict)
        and not response.get("content")
    )
    for status, response in responses.items():
        if not (status.startswith("4") or status == "default") or not isinstance(response, dict):
            continue
        content = response.get("content") or {}
        if PROBLEM_JSON in content:
            media = PROBLEM_JSON
        elif media is None and JSON_MEDIA in content:
            properties = (content[JSON_MEDIA].get("schema") or {}).get("properties") or {}
            # FastAPI's HTTPException and validation bodies hold `detail` and nothing else; an
            # RFC 7807-like object with a `detail` string among its fields is generated.
            media = JSON_MEDIA if set(properties) == {"detail"} else "schema"
    details = [_detail(r) for s, r in responses.items() if s.startswith("4") or s == "default"]
    if media == JSON_MEDIA and all(d is None or d.get("type") == "string" for d in details):
        # FastAPI's validation answer holds a list of errors at `detail`; a document whose
        # every `detail` is a string declares no such answer, and is answered by its schema.
        media = "schema"
    if media == "schema" and declared:
        return ErrorStyle(JSON_MEDIA, validation_status, declared, frozenset(responses), bodiless)
    shape = media if media in (PROBLEM_JSON, JSON_MEDIA) else PROBLEM_JSON
    return ErrorStyle(shape, validation_status, statuses=frozenset(responses), bodiless=bodiless)


def _detail(response: Any) -> dict[str, Any] | None:
    """The schema of a JSON error body's `detail` property, if it has one."""
    content = response.get("content") if isinstance(response, dict) else None
    media = content.get(JSON_MEDIA) if isinstance(content, dict) else None
    schema = media.get("schema") if isinstance(media, dict) else None
    properties = schema.get("properties") if isinstance(schema, dict) else None
    detail = properties.get("detail") if isinstance(properties, dict) else None
    return detail if isinstance(detail, dict) else None


DEFAULT_STYLE = ErrorStyle(PROBLEM_JSON, 400)


# A `format` as pydantic names the type it parses.
FORMATS = {"uuid": "UUID", "date-time": "datetime", "date": "date", "uri": "URL", "email": "email address"}


def field_error(location: str, name: str, keyword: str, schema: dict[str, Any], value: Any) -> FieldError:
    """Translate a JSON Schema failure into pydantic's message and error type."""
    expected = schema.get("type")
    if keyword == "type":
        msg, kind = {
            "integer": (
                "Input should be a valid integer, unable to parse string as an integer",
                "int_parsing",
            ),
            "number": ("Input should be a valid number, unable to parse string as a number", "float_parsing"),
            "boolean": ("Input should be a valid boolean, unable to interpret input", "bool_parsing"),
            # A model (an object of declared properties) and a free-form dict, as pydantic tells them.
            "object": (
                (
                    "Input should be a valid dictionary or object to extract fields from",
                    "model_attributes_type",
                )
                if schema.get("properties")
                else ("Input should be a valid dictionary", "dict_type")
            ),
            "array": ("Input should be a valid list", "list_type"),
        }.get(str(expected), (f"Input should be a valid {expected}", f"{expected}_type"))
    elif keyword == "minLength" and "minLength" in schema:
        least = schema["minLength"]
        msg = f"String should have at least {least} character{'' if least == 1 else 's'}"
        return FieldError(location, name, msg, "string_too_short", value, {"min_length": least})
    elif keyword == "maxLength" and "maxLength" in schema:
        most = schema["maxLength"]
        msg = f"String should have at most {most} character{'' if most == 1 else 's'}"
        return FieldError(location, name, msg, "string_too_long", value, {"max_length": most})
    elif keyword == "enum" and isinstance(schema.get("enum"), list):
        shown = [repr(v) if isinstance(v, str) else json.dumps(v) for v in schema["enum"]]
        expected_text = " or ".join(shown) if len(shown) <= 2 else ", ".join(shown[:-1]) + f" or {shown[-1]}"
        return FieldError(
            location, name, f"Input should be {expected_text}", "enum", value, {"expected": expected_text}
        )
    elif keyword == "format":
        named = str(schema.get("format"))
        msg, kind = (
            f"Input should be a valid {FORMATS.get(named, repr(named))}",
            f"{named.replace('-', '')}_parsing",
        )
    elif keyword == "additionalProperties":
        msg, kind = "Extra inputs are not permitted", "extra_forbidden"
    elif keyword == "minimum" and "minimum" in schema:
        msg, kind = f"Input should be greater than or equal to {schema['minimum']}", "greater_than_equal"
        return FieldError(location, name, msg, kind, value, {"ge": schema["minimum"]})
    elif keyword == "maximum" and "maximum" in schema:
        msg, kind = f"Input should be less than or equal to {schema['maximum']}", "less_than_equal"
        return FieldError(location, name, msg, kind, value, {"le": schema["maximum"]})
    elif keyword == "required":
        msg, kind = "Field required", "missing"
    else:
        msg, kind = f"Input is not valid ({keyword})", f"value_error.{keyword}"
    return FieldError(location, name, msg, kind, value)


def phrase(status: int) -> str:
    """The reason phrase of a status, also for one Python's `HTTPStatus` does not list (599)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return {4: "Client Error", 5: "Server Error"}.get(status // 100, "Status") + f" {status}"


def _dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def error_body(
    style: ErrorStyle, status: int, detail: str, errors: tuple[FieldError, ...] = ()
) -> tuple[bytes, str | None]:
    """The body and media type of an error response (none where its declared response has none)."""
    if style.covers(status) in style.bodiless:
        return b"", None
    maker = style.maker(status)
    if maker is not None:
        return maker(status, detail), JSON_MEDIA
    if style.is_problem:
        problem: dict[str, Any] = {
            "type": "about:blank",
            "title": phrase(status),
            "status": status,
            "detail": detail,
        }
        if errors:
            problem["invalid_params"] = [{"name": e.name, "in": e.location, "reason": e.msg} for e in errors]
        return _dumps(problem), PROBLEM_JSON
    if errors:
        return _dumps(
            {
                "detail": [
                    {"type": e.type, "loc": _loc(e), "msg": e.msg}
                    | {"input": e.input}
                    | ({"ctx": e.ctx} if e.ctx is not None else {})
                    for e in errors
                ]
            }
        ), JSON_MEDIA
    return _dumps({"detail": detail}), JSON_MEDIA


def _loc(error: FieldError) -> list[Any]:
    if error.at:
        return [error.location, *error.at]
    return [error.location, error.name] if error.name else [error.location]


def describe(errors: tuple[FieldError, ...]) -> str:
    return "; ".join(
        f"body at /{'/'.join(map(str, e.at))}: {e.msg}"
        if e.location == "body"
        else f"{e.location} parameter '{e.name}': {e.msg}"
        for e in errors
    )

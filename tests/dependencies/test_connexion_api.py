"""What mockserver relies on inside Connexion, checked so that an upgrade fails here, loudly,
instead of as a mock that quietly validates less. Connexion is pinned exactly for these."""

from __future__ import annotations

import inspect
from importlib import metadata

from connexion.decorators.parameter import sanitized
from connexion.validators import (
    VALIDATOR_MAP,
    FormDataValidator,
    JSONRequestBodyValidator,
)
from connexion.validators.abstract import AbstractRequestBodyValidator

from mockserver.mock.middleware import FormatCheckingBodyValidator, FormBodyValidator


def test_connexion_is_the_pinned_version() -> None:
    assert metadata.version("connexion") == "3.3.0", "re-check this file and mockserver/mock/middleware.py"


def test_the_handler_names_connexion_passes_parameters_by() -> None:
    # handlers.py names each handler's keyword arguments as Connexion sanitizes parameter names.
    assert sanitized("Page-Size") == "PageSize" and sanitized("filter[name]") == "filter_name"


def test_the_body_validators_hooks_the_mock_overrides() -> None:
    # Formats, integral floats and optional bodies are handled by overriding these members.
    for cls in (JSONRequestBodyValidator, FormDataValidator):
        assert isinstance(inspect.getattr_static(cls, "_validator"), property), cls
        assert callable(inspect.getattr_static(cls, "_validate")), cls
    assert isinstance(inspect.getattr_static(FormDataValidator, "_form_parser_cls"), property)
    # FormatCheckingBodyValidator._parse reads a `null` body apart from no body at all.
    assert "self._encoding" in inspect.getsource(JSONRequestBodyValidator._parse)
    source = inspect.getsource(AbstractRequestBodyValidator.__init__)
    assert "self._required = required" in source and "self._schema = schema" in source
    assert "wrap_receive" in vars(AbstractRequestBodyValidator)
    assert set(VALIDATOR_MAP["body"]) == {
        "*/*json",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }
    assert issubclass(FormatCheckingBodyValidator, JSONRequestBodyValidator)
    assert issubclass(FormBodyValidator, FormDataValidator)


def test_the_routing_scope_extension_the_middlewares_read() -> None:
    from connexion.middleware import abstract, routing

    assert abstract.ROUTING_CONTEXT == "connexion_routing"
    assert "operation_id" in inspect.getsource(routing)


def test_the_document_check_the_mock_leaves_out() -> None:
    # connexion_view.trusted_document replaces this classmethod while a document loads.
    from connexion.spec import Specification

    from mockserver.mock.connexion_view import trusted_document

    assert isinstance(Specification.__dict__["_validate_spec"], classmethod)
    assert "self._validate_spec(raw_spec)" in inspect.getsource(Specification.__init__)
    before = Specification.__dict__["_validate_spec"]
    with trusted_document():
        Specification._validate_spec({"openapi": "3.0.0"})  # refused outside the block
    assert Specification.__dict__["_validate_spec"] is before

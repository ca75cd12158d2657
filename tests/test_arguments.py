"""Option values for contract runs: accepted forms and one-line refusals."""

from __future__ import annotations

import pytest

from mockserver import arguments


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("10m", 600), ("1h", 3600), ("1h30m", 5400), ("2m30s", 150), ("45", 45), ("0.5s", 0.5)],
)
def test_durations(text: str, seconds: float) -> None:
    assert arguments.duration(text) == seconds


@pytest.mark.parametrize("text", ["0", "0s", "-5m", "-1", "soon", "1x", "", "nan", "inf", "1h-30m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        arguments.duration(text)


@pytest.mark.parametrize(("text", "rate"), [("100/s", "100/s"), ("1000/m", "1000/m"), ("05/h", "5/h")])
def test_rates(text: str, rate: str) -> None:
    assert arguments.rate_limit(text) == rate


@pytest.mark.parametrize("text", ["fast", "0/s", "10/y", "10", "/s", "1.5/s"])
def test_bad_rates(text: str) -> None:
    with pytest.raises(ValueError):
        arguments.rate_limit(text)


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
        ("https://staging.example.com/api", "https://staging.example.com/api"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("http://localhost", "http://localhost"),
    ],
)
def test_urls(text: str, url: str) -> None:
    assert arguments.url(text) == url


@pytest.mark.parametrize(
    "text",
    [
        "http://[::1",
        "http://127.0.0.1:abc",
        "http://a..b",
        "http://-a.example",
        "ftp://example.com",
        "example.com",
        "http://",
        "http://host:99999",
        "http://host:0",
        "http://host/?q=1",
    ],
)
def test_bad_urls(text: str) -> None:
    with pytest.raises(ValueError):
        arguments.url(text)

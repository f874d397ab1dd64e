"""Settings are checked when the client is made: NaN, infinities, strings, negatives, wrong
types and malformed URLs raise `ConfigurationError` naming the setting, before any I/O."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from snov_async import ConfigurationError, SnovClient
from snov_async._retry import RetryPolicy

NAN, INF = math.nan, math.inf
NUMBERS = [NAN, INF, -INF, "1", None, True, [1], 10**400]
CASES: list[tuple[str, Any]] = [
    *[("requests_per_minute", v) for v in [*NUMBERS, 0, -1, 2_000_000]],
    *[("burst", v) for v in [*NUMBERS, 0, -1, 1.5, 10_001]],
    *[("pacing_margin", v) for v in [*NUMBERS, -0.1, 1, 5]],
    *[("timeout", v) for v in [*NUMBERS, 0, -1, 86_401]],
    *[("timeout.total", aiohttp.ClientTimeout(total=v)) for v in (NAN, INF, -1, 0)],
    ("timeout.sock_read", aiohttp.ClientTimeout(sock_read=NAN)),
    *[("token_refresh_margin", v) for v in [*NUMBERS, -1]],
    # None is the default (adaptive); every other non-int is refused.
    *[("max_tasks_in_flight", v) for v in [*NUMBERS, 0, -3, 2.0, 100_001] if v is not None],
    *[("task_timeout", v) for v in [*NUMBERS, 0, -1]],
    *[("initial_task_latency", v) for v in [*NUMBERS, 0, -1]],
    *[("push_timeout", v) for v in [*NUMBERS, 0, -5]],
    *[("cache_ttl", v) for v in [*NUMBERS, -1]],
    *[("close_grace", v) for v in [*NUMBERS, -1, 86_401]],
    *[("journal_lease", v) for v in [*NUMBERS, 0, -1, 86_401]],
    *[("breaker_threshold", v) for v in [*NUMBERS, -1, 1.5, 1001]],
    *[("breaker_cool_down", v) for v in [*NUMBERS, -1, 86_401]],
    *[("dedupe_window", v) for v in [*NUMBERS, -1, 1.5, 10_000_001]],
    *[("resend_unknown", v) for v in (None, 1, "yes")],
    *[
        ("base_url", v)
        for v in (
            "http://",
            "https://",
            "api.snov.io",
            "ftp://api.snov.io",
            "http://[::1",
            "http://host:99999",
            "http://host:0",
            "https://user:pw@api.snov.io",
            "https://api.snov.io/?x=1",
            "https://api.snov.io/#f",
            "https://api snov.io",
            "https://api.snov.io/\x00",
            "https://\u0430pi.snov.io",  # a Cyrillic a
            "",
            5,
            b"https://api.snov.io",
        )
    ],
    *[
        ("pacer", v)
        for v in (
            "redis://",
            "redis://:6379",
            "redis://host:notaport/0",
            "redis://host:6379/db",
            "redis://[::1",
            "rediss://host:99999",
            "http://host:6379",
            "redis://ho st:6379",
            5,
            object(),
        )
    ],
    *[
        ("journal", v)
        for v in (
            123,
            1.5,
            True,
            b"runs.db",
            "",
            "  ",
            "a\x00b",
            ["runs.db"],
            "redis://",
            "redis://h:x",
        )
    ],
    *[("session", v) for v in ("session", 5, object())],
    *[("webhook", v) for v in ("https://hooks.acme.com", 5)],
    *[("retry", v) for v in ("fast", 5)],
    ("retry.max_attempts", RetryPolicy(max_attempts=0)),
    ("retry.max_attempts", RetryPolicy(max_attempts=1.5)),  # type: ignore[arg-type]
    ("retry.backoff_base", RetryPolicy(backoff_base=NAN)),
    ("retry.backoff_max", RetryPolicy(backoff_max=-1)),
    ("retry.max_retry_after", RetryPolicy(max_retry_after=INF)),
    *[("client_id", v) for v in ("x" * 513, " id", "id\n", "id\x00")],
    *[("client_secret", v) for v in ("s" * 513, "S3cr3tV4lue ", "S3cr3t\tV4lue")],
]


def test_the_table_is_large() -> None:
    assert len(CASES) >= 150


@pytest.mark.parametrize(("field", "value"), CASES, ids=[f"{f}={str(v)[:24]!r}" for f, v in CASES])
def test_a_bad_setting_is_refused_at_construction(field: str, value: Any) -> None:
    name = field.split(".")[0]
    kwargs: dict[str, Any] = {name: value}
    client_id = kwargs.pop("client_id", "id")
    client_secret = kwargs.pop("client_secret", "secret")
    with pytest.raises(ConfigurationError) as info:
        SnovClient(client_id, client_secret, **kwargs)
    assert info.value.field == field, str(info.value)
    if name == "client_secret":
        assert str(value) not in str(info.value) and repr(value) not in str(info.value)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("requests_per_minute", 1),
        ("requests_per_minute", 600.5),
        ("burst", 5),
        ("pacing_margin", 0),
        ("timeout", 0.5),
        ("timeout", aiohttp.ClientTimeout(total=10, connect=2)),
        ("token_refresh_margin", 0),
        ("cache_ttl", 0),
        ("close_grace", 0),
        ("journal_lease", 0.5),
        ("breaker_threshold", 0),
        ("breaker_cool_down", 0),
        ("dedupe_window", 0),
        ("dedupe_window", 1_000_000),
        ("base_url", "http://127.0.0.1:8080"),
        ("base_url", "https://api.snov.io/"),
        ("base_url", "http://[::1]:8080/prefix"),
        ("pacer", "redis://127.0.0.1:6379/0"),
        ("pacer", "rediss://:pw@redis.internal"),
        ("retry", RetryPolicy(max_attempts=1)),
    ],
)
def test_sensible_settings_are_accepted(setting: str, value: Any) -> None:
    SnovClient("id", "secret", **{setting: value})


def test_a_journal_path_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as info:
        SnovClient("id", "secret", journal=tmp_path)
    assert info.value.field == "journal"
    SnovClient("id", "secret", journal=tmp_path / "runs.db")  # a file path is fine


@pytest.mark.parametrize("value", ["http://", "api.snov.io", "https://api.snov.io/?x=1"])
def test_a_bad_base_url_from_the_environment_is_refused(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SNOV_BASE_URL", value)
    with pytest.raises(ConfigurationError) as info:
        SnovClient("id", "secret")
    assert info.value.field == "base_url"

"""The webhook receiver (and aiohttp's server under it) loads on first use, not with the SDK."""

from __future__ import annotations

import subprocess
import sys

import pytest

import snov_async.webhooks as webhooks


def test_a_client_that_never_receives_webhooks_does_not_load_aiohttp_web() -> None:
    code = (
        "import sys, snov_async; from snov_async import SnovClient; "
        "SnovClient('id', 'secret'); "
        "print('aiohttp.web' in sys.modules, 'snov_async.webhooks.receiver' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("name", webhooks.__all__)
def test_every_exported_name_is_there(name: str) -> None:
    assert getattr(webhooks, name) is not None
    assert name in dir(webhooks)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        webhooks.Nope  # noqa: B018


def test_the_client_still_refuses_what_is_not_a_receiver() -> None:
    from snov_async import ConfigurationError, SnovClient

    with pytest.raises(ConfigurationError, match="WebhookReceiver"):
        SnovClient("id", "secret", webhook=object())  # type: ignore[arg-type]


def test_a_star_import_gets_every_exported_name() -> None:
    namespace: dict[str, object] = {}
    exec("from snov_async.webhooks import *", namespace)
    assert set(webhooks.__all__) <= set(namespace)

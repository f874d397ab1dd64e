"""`_secrets`: masked values, redaction of echoed secrets from errors and log records."""

from __future__ import annotations

import gc
import json
import logging
import pickle
import urllib.parse

import pytest

from snov_async import _secrets
from snov_async._secrets import (
    MASK,
    RedactingFilter,
    Secret,
    redact,
    redact_bytes,
    reveal,
    scrub,
)
from snov_async.errors import OutcomeUnknownError, SnovError, ValidationError

VALUE = "s3cr3t/with+odd&chars\"and'quotes"


@pytest.fixture(autouse=True)
def remembered() -> Secret:
    return Secret(VALUE)


def test_a_secret_never_shows_itself() -> None:
    secret = Secret(VALUE)
    for text in (repr(secret), str(secret), f"{secret}", repr([secret]), repr({"k": secret})):
        assert VALUE not in text and "*" in text
    assert secret.get() == VALUE and secret == Secret(VALUE) and secret != Secret("other-value")
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    assert reveal([("a", "1"), ("client_secret", secret)]) == [("a", "1"), ("client_secret", VALUE)]


def test_every_form_a_server_may_echo_is_redacted() -> None:
    forms = [
        VALUE,
        urllib.parse.quote(VALUE, safe=""),
        urllib.parse.quote_plus(VALUE),
        json.dumps(VALUE)[1:-1],
    ]
    for form in forms:
        assert redact(f"<{form}>") == f"<{MASK}>"
        assert redact_bytes(f"<{form}>".encode()) == f"<{MASK}>".encode()
    assert redact("nothing to see") == "nothing to see"


def test_short_values_are_redacted_as_whole_words_only() -> None:
    Secret("s")
    Secret("abc")
    assert redact("s abc") == "s abc"  # too short to remember at all
    Secret("secret")
    assert redact("client_secret is missing; secret=secret") == "client_secret is missing; ***=***"
    long = "0123456789abcdef0123"
    Secret(long)
    assert redact(f"x{long}y") == f"x{MASK}y"  # a real-length secret goes wherever it is


def test_only_the_most_recent_secrets_are_kept() -> None:
    first = "first-" + "x" * 20
    Secret(first)
    for n in range(_secrets.MAX_REMEMBERED):
        Secret(f"filler-{n:04d}-token")
    assert redact(first) == first
    last = f"filler-{_secrets.MAX_REMEMBERED - 1:04d}-token"
    assert redact(last) == MASK
    Secret(VALUE)  # the fixture's value again, for the tests that follow


def test_a_secret_held_by_a_live_object_outlasts_any_number_of_tokens() -> None:
    # A long-running client refreshes its token hourly: after 64 refreshes its own client
    # secret used to fall out of the registry and show in errors and logs again.
    client_secret = "client-secret-" + "k" * 24
    held = Secret(client_secret)
    for n in range(3 * _secrets.MAX_REMEMBERED):
        Secret(f"token-{n:04d}-" + "t" * 20)
    assert redact(f"echo {client_secret}") == f"echo {MASK}"
    del held
    gc.collect()  # no object holds it now: it goes the way of any old token
    for n in range(_secrets.MAX_REMEMBERED):
        Secret(f"later-{n:04d}-" + "t" * 20)
    assert redact(client_secret) == client_secret
    Secret(VALUE)  # the fixture's value again, for the tests that follow


def test_scrub_cleans_every_attribute_and_renders_again() -> None:
    err = ValidationError(
        "bad",
        status=400,
        method="GET",
        path="/v1/x",
        messages=[f"you sent {VALUE}", "plain"],
        field=VALUE,
    )
    err.body = f'{{"echo": "{VALUE}"}}'.encode()  # type: ignore[attr-defined]
    err.headers = {"X-Echo": VALUE, "Date": "today"}  # type: ignore[attr-defined]
    err.__notes__ = [f"note {VALUE}"]  # what add_note() does (3.11+; the suite runs on 3.10)
    outer = OutcomeUnknownError(f"wrapped: {err.messages[0]}")
    outer.cause = err
    assert scrub(outer) is outer
    everything = repr(vars(outer)) + repr(vars(err)) + str(outer) + str(err) + repr(err)
    assert VALUE not in everything and VALUE.encode() not in err.body  # type: ignore[attr-defined]
    assert err.messages == (f"you sent {MASK}", "plain") and err.field == MASK
    assert err.headers == {"X-Echo": MASK, "Date": "today"}  # type: ignore[attr-defined]
    assert MASK in str(err) and "plain" in str(err)


def test_an_error_made_anywhere_renders_without_known_secrets() -> None:
    err = SnovError(f"internal error: {VALUE!r}", messages=[VALUE])
    assert VALUE not in str(err) and VALUE not in repr(err)
    copy = pickle.loads(pickle.dumps(err))
    assert VALUE not in str(copy)


def record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    rec = logging.makeLogRecord({"msg": msg, "args": args, **extra})
    rec.levelno, rec.levelname, rec.name = logging.INFO, "INFO", "test"
    return rec


def test_the_log_filter_redacts_messages_arguments_extras_and_tracebacks() -> None:
    flt = RedactingFilter()

    class Shows:
        def __repr__(self) -> str:
            return f"<Shows {VALUE}>"

    rec = record(f"msg {VALUE} %s %r %d %.1f", VALUE, Shows(), 3, 2.5, request_path=f"/x/{VALUE}")
    try:
        raise RuntimeError(f"boom {VALUE}")
    except RuntimeError:
        import sys

        rec.exc_info = sys.exc_info()
    assert flt.filter(rec) is True
    text = logging.Formatter("%(message)s %(request_path)s").format(rec)
    assert VALUE not in text and text.count(MASK) >= 5 and "3 2.5" in text
    # Arguments without a secret are passed on untouched (formatters may rely on their type).
    plain = object()
    rec = record("%s %d", plain, 7)
    flt.filter(rec)
    assert rec.args == (plain, 7)


def test_sdk_loggers_carry_the_filter(caplog: pytest.LogCaptureFixture) -> None:
    for name in ("snov_async", "snov_async.webhooks"):
        assert any(isinstance(f, RedactingFilter) for f in logging.getLogger(name).filters)
    with caplog.at_level(logging.DEBUG, logger="snov_async"):
        logging.getLogger("snov_async").debug("token %s", VALUE)
    assert caplog.records and VALUE not in caplog.text and MASK in caplog.text


def test_a_secret_released_while_the_registry_is_busy_does_not_deadlock() -> None:
    # The garbage collector releases a collected Secret (weakref.finalize), and it may run in
    # the middle of `remember` or of building the patterns, while this very thread holds the
    # registry's lock: a release that took the lock hung the whole test suite. Simulated
    # exactly: a release from inside the locked region, in a thread we can wait for.
    import threading

    value = "released-" + "r" * 24
    held = Secret(value)

    def release_under_the_lock() -> None:
        with _secrets._lock:
            _secrets._release(value)

    worker = threading.Thread(target=release_under_the_lock, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "releasing a secret under the registry's lock deadlocked"
    assert redact(value) == MASK  # still among the recent ones
    del held
    gc.collect()
    Secret(VALUE)  # the fixture's value again, for the tests that follow

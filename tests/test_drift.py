"""Drift never fails a call: every reference example of every operation, mutated.

For each operation with a documented answer, hypothesis swaps value types, writes ``null``,
deletes keys, adds keys and swaps ``[]`` and ``{}`` inside the answer (never the envelope: the
root, ``success``, a task's ``status``, ``task_hash`` and the keys a batch answer is matched
by), serves it through a fake aiohttp session, and calls the SDK's own method. The call must
return, and every field the mutation did not touch must decode exactly as it does from the
untouched example.

Bounded for CI by the ``ci`` profile (a few examples per operation); set
``HYPOTHESIS_PROFILE=thorough`` for a long run.
"""

from __future__ import annotations

import asyncio
import copy
import enum
import json
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snov_async import SnovClient
from snov_async._convert import camel_to_snake
from snov_async.models.campaigns import CampaignCreate, Email, Goal, Sequence
from snov_async.models.senders import ConnectionSettings, SenderAccountCreate
from snov_async.models.warmup import WarmUpCreate
from snov_async.operations import OPERATIONS

settings.register_profile(
    "ci",
    max_examples=4,
    deadline=None,
    derandomize=True,  # the same examples on every run: a red CI is reproducible
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

EXAMPLES = {
    e["n"]: e["examples"][-1]
    for e in json.loads(
        (Path(__file__).parents[1] / "snov_async/sandbox/reference_examples.json").read_text(
            "utf-8"
        )
    )
    if e["examples"]
}
TOKEN = {"access_token": "tok", "token_type": "Bearer", "expires_in": 3600}

#: Keys that make the envelope: a mutation there changes what the answer *is*.
ENVELOPE = {"success", "task_hash", "errors"}
#: Top-level lists of list answers: ``null``, ``{}`` or no key mean no rows, a scalar does not.
LIST_ENVELOPE = {"data", "prospects"}
#: Per operation: keys a batch answer is matched to its inputs by, and the task status.
PROTECTED: dict[int, set[str]] = {
    3: {"status"},
    5: {"status"},
    7: {"status"},
    9: {"status"},
    11: {"status"},
    14: {"status", "people"},
    16: {"status", "name"},
    18: {"status", "url"},
    21: {"status", "email", "result"},  # the per-input answer the runner hands out
}


# Every request is answered from the reference's examples, without a network.


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


#: Literal paths first: ``/v2/campaigns/schedules`` is not campaign "schedules".
ROUTES = sorted(
    ((op.method, _pattern(op.path), op.number) for op in OPERATIONS),
    key=lambda route: route[1].pattern.count("[^/]+"),
)


def answer_for(answers: dict[int, Any], method: str, url: str) -> Any:
    """The example (or its mutation) of the operation ``method url`` belongs to."""
    path = "/" + url.split("://", 1)[1].split("/", 1)[1].split("?", 1)[0]
    if path == "/v1/oauth/access_token":
        return TOKEN
    for verb, pattern, number in ROUTES:
        if verb == method and pattern.match(path):
            return answers.get(number, EXAMPLES.get(number, {}))
    raise AssertionError(f"no route for {method} {path}")


class Stub:
    """A local aiohttp server answering every operation from the examples (real HTTP on
    the loopback interface, so the client's whole read path runs)."""

    def __init__(self) -> None:
        self.answers: dict[int, Any] = {}
        self.runner: web.AppRunner | None = None
        self.base_url = ""

    async def handle(self, request: web.Request) -> web.Response:
        payload = answer_for(self.answers, request.method, str(request.url))
        meta = payload.get("meta") if isinstance(payload, dict) else None
        if "/result" in request.path and isinstance(meta, dict) and "task_hash" in meta:
            # The reference's start and result examples name different tasks; the live API
            # answers a result with the hash it was asked for (the runner checks it).
            asked = request.query.get("task_hash") or request.path.rsplit("/", 1)[-1]
            payload = {**payload, "meta": {**meta, "task_hash": asked}}
        return web.Response(body=json.dumps(payload).encode(), content_type="application/json")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


# One call per operation, each through the SDK's public method.


async def _take(it: AsyncIterator[Any], n: int = 30) -> list[Any]:
    out = []
    async for item in it:
        out.append(item)
        if len(out) >= n:
            break
    return out


SEQ = Sequence.linear(Email(content_slots=1), Goal("done"))
CAMPAIGN = CampaignCreate(
    title="T",
    priority="high",
    list_id=1,
    sequence=SEQ,
    complete_campaign_after_last_step=True,
    archive_in_months=3,
    email_accounts=[1],
    tracking={"open": True},
    sending_settings={},
    provider_matching=False,
)
SENDER = SenderAccountCreate("Jo", "jo@example.com", "pw", ConnectionSettings("s.io", 587, "tls"))

URLS = [e["url"] for e in EXAMPLES[18]["data"]]
Recipe = Callable[[SnovClient], Awaitable[Any]]
RECIPES: dict[int, Recipe] = {
    2: lambda s: s.domain_search.company_info("snov.io"),
    3: lambda s: s.domain_search.company_info("snov.io"),
    4: lambda s: s.domain_search.prospects("snov.io"),
    5: lambda s: s.domain_search.prospects("snov.io"),
    6: lambda s: s.domain_search.prospect_emails("a" * 40),
    7: lambda s: s.domain_search.prospect_emails("a" * 40),
    8: lambda s: s.domain_search.domain_emails("snov.io"),
    9: lambda s: s.domain_search.domain_emails("snov.io"),
    10: lambda s: s.domain_search.generic_contacts("snov.io"),
    11: lambda s: s.domain_search.generic_contacts("snov.io"),
    13: lambda s: s.email_finder.start_find_emails([("John", "Doe", "snov.io")]),
    14: lambda s: s.email_finder.find_emails([("John", "Doe", "snov.io")]),
    15: lambda s: s.email_finder.start_company_domains(["Snov.io"]),
    16: lambda s: s.email_finder.company_domains(["Snov.io", "Sendpulse"]),
    17: lambda s: s.enrichment.start_linkedin_profiles(["https://www.linkedin.com/in/jo/"]),
    18: lambda s: s.enrichment.linkedin_profiles(URLS),
    19: lambda s: s.enrichment.profile_by_email("gavin.vanrooyen@octagon.com"),
    20: lambda s: s.verification.start_verify(["a@snov.io"]),
    21: lambda s: s.verification.verify(["admin@snov.io", "gavin.vanrooyen@octagon.com"]),
    22: lambda s: s.senders.create(SENDER),
    23: lambda s: s.senders.update(7, limitation=50),
    24: lambda s: s.senders.check_status(7),
    25: lambda s: s.senders.list(),
    26: lambda s: s.warmup.create(WarmUpCreate(7, per_day=20, from_=2, increase=1)),
    27: lambda s: s.warmup.page(1),
    28: lambda s: s.warmup.get(7),
    29: lambda s: s.warmup.update(7, status="paused"),
    30: lambda s: s.warmup.delete(7),
    31: lambda s: s.warmup.statistics(7, period="month"),
    32: lambda s: s.campaigns.list(),
    33: lambda s: s.campaigns.create(CAMPAIGN),
    34: lambda s: s.campaigns.get(7),
    35: lambda s: s.campaigns.update(7, title="T"),
    36: lambda s: s.campaigns.start(7),
    37: lambda s: s.campaigns.delete(7),
    38: lambda s: s.campaigns.schedules(),
    39: lambda s: s.campaigns.create_content(7, 8, content_id=1, subject="S", body="B"),
    40: lambda s: s.campaigns.get_content(7, 8, 1),
    41: lambda s: s.campaigns.update_content(7, 8, 1, subject="S"),
    42: lambda s: s.campaigns.delete_content(7, 8, 1),
    43: lambda s: s.recipients.check(7, ["a@b.io"]),
    44: lambda s: s.recipients.change_status(7, "a@b.io", "Paused"),
    45: lambda s: s.recipients.finished(7),
    46: lambda s: s.recipients.add_to_do_not_email(7, ["a@b.io"]),
    47: lambda s: s.recipients.do_not_email_lists(),
    48: lambda s: s.analytics.campaign_analytics("2025-01-01", "2025-01-31"),
    49: lambda s: s.analytics.progress(7),
    50: lambda s: _take(s.analytics.recipients_activity(7, "2025-01-01", "2025-01-05")),
    51: lambda s: _take(s.analytics.emails_sent(7)),
    52: lambda s: _take(s.analytics.emails_opened(7)),
    53: lambda s: _take(s.analytics.emails_clicked(7)),
    54: lambda s: _take(s.analytics.all_replies(7)),
    55: lambda s: _take(s.analytics.email_replies(7)),
    56: lambda s: s.prospects.add_to_list(7, email="a@b.io"),
    57: lambda s: s.prospects.get("abc"),
    58: lambda s: s.prospects.find_by_email("a@b.io"),
    59: lambda s: s.prospects.custom_fields(),
    60: lambda s: s.prospects.lists(),
    61: lambda s: s.prospects.list_page(7),
    62: lambda s: s.prospects.create_list("L"),
    63: lambda s: s.pipelines.list(),
    64: lambda s: s.pipelines.stages(7),
    65: lambda s: s.account.balance(),
    66: lambda s: s.webhooks.list(),
    67: lambda s: s.webhooks.create("company", "found_domains_by_names", "https://h.io/x"),
    68: lambda s: s.webhooks.set_status(7, "active"),
    69: lambda s: s.webhooks.delete(7),
}


def test_every_operation_with_an_example_has_a_recipe() -> None:
    assert set(RECIPES) == set(EXAMPLES), set(EXAMPLES) ^ set(RECIPES)


LOOP: asyncio.AbstractEventLoop | None = None
STUB = Stub()


@pytest.fixture(scope="module", autouse=True)
def stub_server() -> Iterator[None]:
    global LOOP
    LOOP = asyncio.new_event_loop()
    LOOP.run_until_complete(STUB.start())
    yield
    LOOP.run_until_complete(STUB.stop())
    LOOP.close()
    LOOP = None


def call(number: int, answer: Any) -> Any:
    """``RECIPES[number]`` with ``answer`` served for its operation (examples elsewhere)."""

    async def scenario() -> Any:
        STUB.answers = {number: answer}
        async with SnovClient(
            "id",
            "secret",
            base_url=STUB.base_url,
            requests_per_minute=600_000,
            initial_task_latency=0.0001,
            task_timeout=5.0,
        ) as snov:
            return await RECIPES[number](snov)

    assert LOOP is not None
    return LOOP.run_until_complete(scenario())


# What a result holds, field by field (``extra`` aside: that is where drift goes).


def flatten(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            if field.name not in ("extra", "input", "index", "task_hash"):
                yield from flatten(getattr(value, field.name), (*path, field.name))
    elif isinstance(value, (list, tuple)):
        for n, item in enumerate(value):
            yield from flatten(item, (*path, n))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from flatten(v, (*path, str(k)))
    elif isinstance(value, enum.Enum):
        yield path, value.value
    else:
        yield path, value


def names(value: Any) -> set[str]:
    """Every key inside ``value`` (recursively), as the models spell them."""
    out: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(_norm(k))
            out |= names(v)
    elif isinstance(value, list):
        for v in value:
            out |= names(v)
    return out


def _norm(key: Any) -> str:
    return camel_to_snake(str(key)).strip("_")


#: Where a model calls an answer's key by another name.
SYNONYMS = {
    "data": {"prospects", "emails", "items", "webhooks", "data", "profile", "domain", "result"},
    "result": {"emails", "domain", "profile", "result"},
    "email": {"emails"},
    "next": {"next_url"},
    "links": {"next_url", "links"},
    "end_point": {"end_point"},
    "endpoint_url": {"end_point"},
    "list": {"list"},
    "current_job": {"current_jobs"},
    "current_jobs": {"current_job"},
    "previous_job": {"previous_jobs"},
    "previous_jobs": {"previous_job"},
}


def allowed(touched: set[str], path: tuple[Any, ...]) -> bool:
    if not any(isinstance(p, str) for p in path):
        # A method that returns values read from the answer (an id, a list of duplicates).
        return bool(touched & {"data", "id", "duplicates"})
    parts = {_norm(p) for p in path if isinstance(p, str)}
    wide = set(touched)
    for t in touched:
        wide |= SYNONYMS.get(t, set())
    return bool(parts & wide)


# Mutations.


def sites(value: Any, number: int, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths of the keys that may be mutated (every dict key below the envelope)."""
    protected = ENVELOPE | PROTECTED.get(number, set())
    if isinstance(value, dict):
        for k, v in value.items():
            # A container holding the envelope (``meta`` with the task hash) is envelope too.
            if k not in protected and not (names(v) & {_norm(p) for p in protected}):
                yield (*path, k)
            yield from sites(v, number, (*path, k))
    elif isinstance(value, list):
        for n, v in enumerate(value):
            yield from sites(v, number, (*path, n))


def containers(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths of the objects a key may be added to (the root included)."""
    if isinstance(value, dict):
        yield path
        for k, v in value.items():
            yield from containers(v, (*path, k))
    elif isinstance(value, list):
        for n, v in enumerate(value):
            yield from containers(v, (*path, n))


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        value = value[p]
    return value


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(["", "0", "1", "true", "null", "\x00", "[]", "9" * 60, "2025-13-45"]),
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def mutated(draw: st.DrawFn, number: int) -> tuple[Any, set[str]]:
    """A copy of the example with 1-3 mutations, and the keys they touched."""
    answer = copy.deepcopy(EXAMPLES[number])
    touched: set[str] = set()
    for _ in range(draw(st.integers(1, 3))):
        where = list(sites(answer, number))
        kind = draw(st.sampled_from(["swap", "null", "delete", "shape", "add"]))
        if kind == "add" or not where:
            at = draw(st.sampled_from(list(containers(answer))))
            key = draw(st.text(min_size=1, max_size=8).filter(lambda k: k not in ENVELOPE))
            target = _at(answer, at)
            if key in target:
                continue
            target[key] = draw(JSON)
            touched.add(_norm(key))
            continue
        path = draw(st.sampled_from(where))
        parent, key = _at(answer, path[:-1]), path[-1]
        old = parent[key]
        if len(path) == 1 and key in LIST_ENVELOPE and kind in ("swap", "shape"):
            # Anything but an empty container there is an envelope the SDK cannot read.
            kind = draw(st.sampled_from(["null", "delete", "empty-list", "empty-object"]))
        touched |= {_norm(key)} | names(old)
        if kind == "delete":
            del parent[key]
        elif kind == "null":
            parent[key] = None
        elif kind == "empty-list":
            parent[key] = []
        elif kind == "empty-object":
            parent[key] = {}
        elif kind == "shape":
            parent[key] = {} if isinstance(old, list) else [] if isinstance(old, dict) else [old]
        else:
            parent[key] = draw(JSON.filter(lambda v, old=old: type(v) is not type(old)))
    return answer, touched


BASELINE: dict[int, dict[tuple[Any, ...], Any]] = {}


def baseline(number: int) -> dict[tuple[Any, ...], Any]:
    if number not in BASELINE:
        fields = dict(flatten(call(number, EXAMPLES[number])))
        assert not [v for p, v in fields.items() if p and p[-1] == "error" and v is not None]
        BASELINE[number] = fields
    return BASELINE[number]


@pytest.mark.parametrize("number", sorted(RECIPES))
def test_a_mutated_answer_still_returns_and_keeps_every_untouched_field(number: int) -> None:
    before = baseline(number)

    @settings(settings.get_profile(PROFILE))
    @given(mutated(number))
    def check(case: tuple[Any, set[str]]) -> None:
        answer, touched = case
        after = dict(flatten(call(number, answer)))
        errors = [v for p, v in after.items() if p and p[-1] == "error" and v is not None]
        assert not errors, errors
        for path in set(before) | set(after):
            if before.get(path, "<absent>") != after.get(path, "<absent>"):
                assert allowed(touched, path), (path, before.get(path), after.get(path))

    check()

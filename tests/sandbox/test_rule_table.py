"""Every rule of the rules table (``snov_async.sandbox.rules``), probed over raw HTTP.

Each rule gets ``test_rule[<id>]``: requests that break it are refused with the section's error
shape (v2: 422 ``{"errors": {field: [...]}}`` naming the field; v1: ``success: false``), and
requests at its edge are accepted (nothing the reference allows is refused).

Fact rules (required, allowed values, ranges, lengths, item counts) are probed generically from
one valid request per operation (`rule_kit.BASES`); prose rules have a probe each
(`rule_probes.PROSE`, or a test elsewhere named in `rule_probes.ELSEWHERE`). Every test uses an
account of its own on one module-wide sandbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from snov_async.sandbox.rules import RULES
from tests.sandbox.conftest import ThreadedSandbox
from tests.sandbox.rule_kit import BASES, BY_ID, Api, accepted, fact_cases, refused
from tests.sandbox.rule_probes import ELSEWHERE, PROSE

# The test ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedSandbox]:
    with ThreadedSandbox(rate_limit=None, task_latency=0.0, webhook_time_scale=1e-6) as ts:
        yield ts


@pytest.fixture
async def api(server: ThreadedSandbox) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        a = Api(server.base_url, session)
        a.server = server
        await a.login()
        yield a


def test_every_rule_has_a_probe() -> None:
    facts = {r.id for r in RULES if r.kind == "fact"}
    assert {r.operation for r in RULES if r.kind == "fact"} <= set(BASES)
    prose_ids = {r.id for r in RULES if r.kind == "prose"}
    assert prose_ids - set(PROSE) - set(ELSEWHERE) == set()
    assert set(PROSE) | set(ELSEWHERE) <= prose_ids  # no probe of a rule not in the table
    assert len(facts) + len(prose_ids) == len(RULES) >= 200


@pytest.mark.parametrize("rule_id", [r.id for r in RULES if r.id not in ELSEWHERE])
async def test_rule(api: Api, rule_id: str) -> None:
    rule = BY_ID[rule_id]
    if rule.kind == "prose":
        await PROSE[rule_id](api, rule)
        return
    req = await BASES[rule.operation](api)
    bad, good = fact_cases(rule, req)
    assert bad and good
    field = rule.id.split("#", 1)[1].rsplit(":", 1)[0]
    for case in bad:
        status, body = await api.send(case)
        assert refused(rule, status, body, field), (case.params, status, body)
    for case in good:
        status, body = await api.send(case)
        assert accepted(status, body), (case.params, status, body)


def test_the_rules_document_is_up_to_date() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    script = root / "scripts" / "render_rules_table.py"
    done = subprocess.run([sys.executable, str(script), "--check"], cwd=root, check=False)
    assert done.returncode == 0, "run: python scripts/render_rules_table.py"


async def test_the_sandbox_serves_its_rules_table(api: Api) -> None:
    status, body = await api.call("GET", "/__sandbox__/rules")
    assert status == 200 and len(body["rules"]) == len(RULES)
    rule = next(r for r in body["rules"] if r["id"] == "sender.daily-capacity")
    assert rule == {"id": "sender.daily-capacity", "operation": "POST /v2/sender-accounts/emails",
                    "line": 864, "statement": BY_ID["sender.daily-capacity"].statement,
                    "kind": "prose"}  # fmt: skip

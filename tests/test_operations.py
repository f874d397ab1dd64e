# ruff: noqa: E501 - the recipe table reads best one operation per line
"""OPERATIONS against the reference, and every entry's SDK method against the sandbox: the
sandbox must see exactly that method, path and parameters."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from snov_async import SnovClient
from snov_async.models.campaigns import CampaignCreate, Email, Goal, Sequence
from snov_async.models.senders import ConnectionSettings, SenderAccountCreate
from snov_async.models.warmup import WarmUpCreate
from snov_async.operations import OPERATIONS, resolve
from snov_async.sandbox import Sandbox, SandboxConfig

REFERENCE = json.loads(
    (Path(__file__).parents[1] / "snov_async/sandbox/reference_examples.json").read_text("utf-8")
)


def test_operations_match_the_reference_one_for_one() -> None:
    assert [o.number for o in OPERATIONS] == list(range(1, 70))
    for op, ref in zip(OPERATIONS, REFERENCE, strict=True):
        assert op.method == ref["method"]
        assert op.ref_line == ref["line"]
        reference_path = ref["path"].split("?")[0].replace("[", "{").replace("]", "}")
        reference_path = reference_path.replace("/webhook_id", "/{webhook_id}")
        assert op.path == reference_path, op


def test_every_entry_resolves_to_a_documented_method_of_a_live_client() -> None:
    client = SnovClient("id", "secret")
    for op in OPERATIONS:
        method = resolve(client, op)
        assert (method.__doc__ and str(op.ref_line) in method.__doc__) or op.number in (
            1,
            3,
            5,
            7,
            9,
            11,
        ), op


async def collect(it: AsyncIterator[Any], n: int = 3) -> list[Any]:
    out = []
    async for item in it:
        out.append(item)
        if len(out) >= n:
            break
    return out


SEQ = Sequence.linear(Email(content_slots=2), Goal("done"))
Recipe = Callable[[SnovClient, dict[str, Any]], Awaitable[Any]]


def keep(name: str, start: Callable[[SnovClient], Awaitable[Any]]) -> Recipe:
    """A start recipe that remembers the task hash as ``ctx[name]``."""

    async def run(s: SnovClient, ctx: dict[str, Any]) -> Any:
        started = await start(s)
        ctx[name] = started.task_hash
        return started

    return run


def recipes() -> list[tuple[int, Recipe, dict[str, Any]]]:
    """(operation number, the call, parameters the sandbox must have seen)."""

    async def campaign(s: SnovClient, ctx: dict[str, Any]) -> Any:
        created = await s.campaigns.create(
            CampaignCreate(
                title="Contract",
                priority="high",
                list_id=1818597,
                sequence=SEQ,
                complete_campaign_after_last_step=True,
                archive_in_months=3,
                email_accounts=[],
                tracking={"open": True, "link_click": False},
                sending_settings={"sending_priority": "first_email"},
                provider_matching=False,
                timezone="America/New_York",
            )
        )
        ctx["cid"] = created.id
        ctx["step"] = created.sequence.steps[0].ref if created.sequence else ""
        return created

    async def sender(s: SnovClient, ctx: dict[str, Any]) -> Any:
        account = await s.senders.create(
            SenderAccountCreate(
                sender_name="Jo",
                email_from="jo@example.com",
                password="pw",
                smtp=ConnectionSettings("smtp.example.com", 587, "tls"),
                limitation=40,
            )
        )
        ctx["sid"] = account.id
        return account

    async def warmup(s: SnovClient, ctx: dict[str, Any]) -> Any:
        ctx["wid"] = await s.warmup.create(
            WarmUpCreate(email_account_id=ctx["sid"], per_day=20, from_=2, increase=1)
        )

    async def prospect(s: SnovClient, ctx: dict[str, Any]) -> Any:
        added = await s.prospects.add_to_list(
            1818597, email="Pat@Example.com", first_name="Pat", custom_fields={"SEO": "yes"}
        )
        ctx["pid"] = added.id

    async def hook(s: SnovClient, ctx: dict[str, Any]) -> Any:
        created = await s.webhooks.create("company", "found_domains_by_names", "https://h.io/x")
        ctx["hid"] = created.id

    async def content(s: SnovClient, ctx: dict[str, Any]) -> Any:
        await s.campaigns.create_content(
            ctx["cid"], ctx["step"], content_id=9, subject="S", body="<p>B</p>"
        )
        await s.campaigns.create_content(
            ctx["cid"], ctx["step"], content_id=10, subject="S2", body="<p>B2</p>"
        )

    return [
        (65, lambda s, c: s.account.balance(), {}),
        (2, lambda s, c: s.domain_search.company_info("snov.io"), {"domain": "snov.io"}),
        (3, lambda s, c: s.domain_search.company_info("octagon.com"), {}),
        (4, lambda s, c: s.domain_search.prospects("snov.io", positions=["CEO"], page=2),
         {"domain": "snov.io", "positions[]": ["CEO"], "page": "2"}),
        (5, lambda s, c: s.domain_search.prospects("snov.io"), {}),
        (6, lambda s, c: s.domain_search.prospect_emails("a" * 40), {}),
        (7, lambda s, c: s.domain_search.prospect_emails("b" * 40), {}),
        (8, lambda s, c: s.domain_search.domain_emails("snov.io"), {"domain": "snov.io"}),
        (9, lambda s, c: s.domain_search.domain_emails("snov.io"), {}),
        (10, lambda s, c: s.domain_search.generic_contacts("snov.io"), {"domain": "snov.io"}),
        (11, lambda s, c: s.domain_search.generic_contacts("snov.io"), {}),
        (12, lambda s, c: s.domain_search.emails_count("Octagon.com"), {"domain": "octagon.com"}),
        (13, keep("find", lambda s: s.email_finder.start_find_emails([("John", "Doe", "acme.com")])),
         {"rows": [{"first_name": "John", "last_name": "Doe", "domain": "acme.com"}]}),
        (14, lambda s, c: s.email_finder.find_emails_result(c["find"]), {"task_hash": "{find}"}),
        (15, keep("dom", lambda s: s.email_finder.start_company_domains(["Snov.io"])), {"names[]": ["Snov.io"]}),
        (16, lambda s, c: s.email_finder.company_domains_result(c["dom"]), {"task_hash": "{dom}"}),
        (17, keep("li", lambda s: s.enrichment.start_linkedin_profiles(["linkedin.com/in/jo"])),
         {"urls[]": ["https://www.linkedin.com/in/jo/"]}),
        (18, lambda s, c: s.enrichment.linkedin_profiles_result(c["li"]), {"task_hash": "{li}"}),
        (19, lambda s, c: s.enrichment.profile_by_email("gavin@octagon.com"), {"email": "gavin@octagon.com"}),
        (20, keep("ver", lambda s: s.verification.start_verify(["A@B.io"])), {"emails[]": ["a@b.io"]}),
        (21, lambda s, c: s.verification.verify_result(c["ver"]), {"task_hash": "{ver}"}),
        (22, sender, {"sender_name": "Jo", "smtp": {"host": "smtp.example.com", "port": 587, "encryption": "tls"}}),
        (23, lambda s, c: s.senders.update(c["sid"], limitation=77, reply_to=None), {"limitation": 77, "reply_to": None}),
        (24, lambda s, c: s.senders.check_status(c["sid"]), {"sender_account_id": "{sid}"}),
        (25, lambda s, c: s.senders.list(), {}),
        (26, warmup, {"per_day": 20, "from": 2, "increase": 1}),
        (27, lambda s, c: s.warmup.page(1, per_page=50), {"page": "1", "per_page": "50"}),
        (28, lambda s, c: s.warmup.get(c["wid"]), {}),
        (29, lambda s, c: s.warmup.update(c["wid"], status="paused"), {"status": "paused"}),
        (31, lambda s, c: s.warmup.statistics(c["wid"], period="month"), {"period": "month"}),
        (30, lambda s, c: s.warmup.delete(c["wid"]), {}),
        (32, lambda s, c: s.campaigns.list(), {}),
        (33, campaign, {"title": "Contract", "priority": "high", "archive_in_months": 3}),
        (34, lambda s, c: s.campaigns.get(c["cid"]), {}),
        (35, lambda s, c: s.campaigns.update(c["cid"], title="Renamed"), {"title": "Renamed"}),
        (38, lambda s, c: s.campaigns.schedules(), {}),
        (39, content, {"content_id": 9, "subject": "S", "usage": "active"}),
        (40, lambda s, c: s.campaigns.get_content(c["cid"], c["step"], 9), {}),
        (41, lambda s, c: s.campaigns.update_content(c["cid"], c["step"], 9, subject="T"), {"subject": "T"}),
        (42, lambda s, c: s.campaigns.delete_content(c["cid"], c["step"], 10), {}),
        (36, lambda s, c: s.campaigns.start(c["cid"]), {"action": "start"}),
        (43, lambda s, c: s.recipients.check(237945, ["john.doe0@example0.com"]), {"emails[]": ["john.doe0@example0.com"]}),
        (44, lambda s, c: s.recipients.change_status(237945, "jane.doe1@example1.com", "Paused"),
         {"email": "jane.doe1@example1.com", "campaign_id": "237945", "status": "Paused"}),
        (45, lambda s, c: s.recipients.finished(237945), {"campaignId": "237945"}),
        (46, lambda s, c: s.recipients.add_to_do_not_email(8, ["X@Y.io", "spam.com"]),
         {"items[]": ["x@y.io", "spam.com"], "listId": "8"}),
        (47, lambda s, c: s.recipients.do_not_email_lists(), {}),
        (48, lambda s, c: s.analytics.campaign_analytics("2025-12-01", "2025-12-31", campaign_ids=[237945]),
         {"date_from": "2025-12-01", "date_to": "2025-12-31", "campaign_id": "237945"}),
        (49, lambda s, c: s.analytics.progress(237945), {}),
        (50, lambda s, c: collect(s.analytics.recipients_activity(237945, "2025-12-01", "2025-12-10")),
         {"dateFrom": "2025-12-01", "dateTo": "2025-12-10", "offset": "0", "limit": "1000"}),
        (51, lambda s, c: collect(s.analytics.emails_sent(237945)), {"campaignId": "237945", "offset": "0"}),
        (52, lambda s, c: collect(s.analytics.emails_opened(237945)), {"campaignId": "237945"}),
        (53, lambda s, c: collect(s.analytics.emails_clicked(237945)), {"campaignId": "237945"}),
        (54, lambda s, c: collect(s.analytics.all_replies(237945)), {"offset": "0"}),
        (55, lambda s, c: collect(s.analytics.email_replies(237945)), {"campaignId": "237945"}),
        (56, prospect, {"email": "pat@example.com", "listId": "1818597", "customFields[SEO]": "yes"}),
        (57, lambda s, c: s.prospects.get(c["pid"]), {"id": "{pid}"}),
        (58, lambda s, c: s.prospects.find_by_email("pat@example.com"), {"email": "pat@example.com"}),
        (59, lambda s, c: s.prospects.custom_fields(), {}),
        (60, lambda s, c: s.prospects.lists(), {}),
        (61, lambda s, c: s.prospects.list_page(1818597, 1, per_page=10), {"listId": "1818597", "perPage": "10"}),
        (62, lambda s, c: s.prospects.create_list("Fresh"), {"name": "Fresh"}),
        (63, lambda s, c: s.pipelines.list(), {}),
        (64, lambda s, c: s.pipelines.stages(1106350), {}),
        (67, hook, {"event_object": "company", "event_action": "found_domains_by_names"}),
        (66, lambda s, c: s.webhooks.list(), {}),
        (68, lambda s, c: s.webhooks.set_status(c["hid"], "deactivated"), {"status": "deactivated"}),
        (69, lambda s, c: s.webhooks.delete(c["hid"]), {}),
        (36, lambda s, c: s.campaigns.complete(c["cid"]), {"action": "complete"}),
        (37, lambda s, c: s.campaigns.delete(c["cid"]), {}),
    ]  # fmt: skip


async def test_every_operation_reaches_the_sandbox_as_the_reference_sends_it() -> None:
    config = SandboxConfig(rate_limit=None, task_latency=0.0)
    seen_numbers = set()
    async with (
        Sandbox(config) as sb,
        SnovClient(
            "id",
            "secret",
            base_url=sb.base_url,
            requests_per_minute=60_000,
            initial_task_latency=0.001,
        ) as snov,
    ):
        ctx: dict[str, Any] = {}
        for number, recipe, expected in recipes():
            op = OPERATIONS[number - 1]
            before = len(sb.stats.calls)
            await recipe(snov, ctx)
            calls = list(sb.stats.calls)[before:]
            matching = [p for (name, p) in calls if name == f"{op.method} {op.path}"]
            assert matching, (number, op.path, [name for name, _ in calls])
            want = {k: (v.format(**ctx) if isinstance(v, str) else v) for k, v in expected.items()}
            assert any(all(p.get(k) == v for k, v in want.items()) for p in matching), (
                number,
                matching,
                want,
            )
            seen_numbers.add(number)
        assert sb.stats.token_requests == 1
    assert seen_numbers | {1} == set(range(1, 70))

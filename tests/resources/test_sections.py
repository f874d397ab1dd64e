"""The API sections on the sandbox: typed answers, lazy pagination that stops, and the
reference's rules checked before anything is sent."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from typing import Any

import pytest

from snov_async import SnovClient, ValidationError
from snov_async.models.campaigns import (
    CampaignCreate,
    CampaignStatus,
    Delay,
    Email,
    Goal,
    LinkedIn,
    Sequence,
    Trigger,
)
from snov_async.models.senders import ConnectionSettings, SenderAccountCreate
from snov_async.models.warmup import WarmUpCreate
from snov_async.resources.analytics import windows
from snov_async.sandbox import Sandbox, SandboxConfig

SMTP = ConnectionSettings("smtp.example.com", 465, "ssl")


@pytest.fixture
async def env() -> AsyncIterator[tuple[Sandbox, SnovClient]]:
    config = SandboxConfig(rate_limit=None, task_latency=0.0)
    async with (
        Sandbox(config) as sb,
        SnovClient(
            "id", "s", base_url=sb.base_url, requests_per_minute=60_000, initial_task_latency=0.001
        ) as snov,
    ):
        yield sb, snov


def calls_to(sb: Sandbox, operation: str) -> list[dict[str, Any]]:
    return [params for name, params in sb.stats.calls if name == operation]


async def test_senders_and_warm_up_round_trip(env: tuple[Sandbox, SnovClient]) -> None:
    sb, snov = env
    account = await snov.senders.create(
        SenderAccountCreate("Jo", "jo@example.com", "pw", SMTP, tags=["a"], limitation=30)
    )
    assert account.smtp is not None and account.smtp.status == "pending"
    updated = await snov.senders.update(account.id, tags=None, delay_type="fixed", delay_fixed=60)
    assert updated.tags == [] and updated.delay_fixed == 60
    status = await snov.senders.check_status(account.id)
    assert status.smtp is not None and status.imap is None
    assert any(s.id == account.id for s in await snov.senders.list())

    ids = [
        await snov.warmup.create(WarmUpCreate(account.id, per_day=10, from_=1, increase=1))
        for _ in range(23)
    ]
    everything = [w async for w in snov.warmup.iter(per_page=20)]
    assert [w.id for w in everything] == ids
    assert len(calls_to(sb, "GET /v2/warm-up")) == 2  # two pages, then it stopped
    one = await snov.warmup.get(ids[0])
    assert one.from_ == 1 and one.email_account is not None
    assert one.extra == {} and one.email_account.extra == {}
    assert await snov.warmup.update(ids[0], status="paused", reply_rate=20) == ids[0]
    # A window on or after the warm-up's start (reference line 1284): it started today.
    days = [datetime.date.today() + datetime.timedelta(days=n) for n in range(3)]
    stats = await snov.warmup.statistics(ids[0], date_from=days[0], date_to=days[2].isoformat())
    assert sorted(stats.daily_statistics) == [d.isoformat() for d in days]
    assert stats.deliverability is not None and stats.deliverability.inbox is not None
    assert await snov.warmup.delete(ids[0]) == ids[0]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"smtp": ConnectionSettings("h", 465, "tls")},
        {"smtp": ConnectionSettings("h", 2525, "none")},
        {"imap": ConnectionSettings("h", 143, "ssl")},
        {"limitation": 1201},
        {"delay_from": 600, "delay_to": 600},
        {"delay_fixed": 4},
        {"timezoneId": 459},
        {"sender_name": " "},
    ],
)
def test_sender_rules_are_checked_when_the_body_is_made(kwargs: dict[str, Any]) -> None:
    base: dict[str, Any] = {
        "sender_name": "Jo",
        "email_from": "jo@x.io",
        "password": "p",
        "smtp": SMTP,
    }
    with pytest.raises(ValidationError):
        SenderAccountCreate(**{**base, **kwargs})


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"per_day": 0}, "per_day"),
        ({"from_": 6}, "from"),
        ({"from_": None}, "from"),
        ({"from_": 5, "per_day": 3}, "from"),
        ({"reply_rate": 50}, "reply_rate"),
        ({"email_content": "specific"}, "subject"),
        ({"campaign_deadline": "next year"}, "campaign_deadline"),
        ({"providers": ["gmail", "aol"]}, "providers"),
    ],
)
def test_warm_up_rules_are_checked_when_the_body_is_made(
    kwargs: dict[str, Any], field: str
) -> None:
    base: dict[str, Any] = {"email_account_id": 1, "per_day": 20, "from_": 2, "increase": 1}
    with pytest.raises(ValidationError) as info:
        WarmUpCreate(**{**base, **kwargs})
    assert info.value.field == field


async def test_updates_need_a_field_and_refuse_bad_values_unsent(
    env: tuple[Sandbox, SnovClient],
) -> None:
    sb, snov = env
    for call in (
        snov.senders.update(5),
        snov.senders.update(5, limitation=0),
        snov.warmup.update(5),
        snov.warmup.update(5, status="sleeping"),
        snov.warmup.page(per_page=30),
        snov.warmup.statistics(5),
        snov.campaigns.update(5),
        snov.campaigns.update(5, timezone="Mars/Olympus"),
        snov.campaigns.action(5, "explode"),
        snov.recipients.check(5, []),
        snov.recipients.check(5, [f"u{i}@x.io" for i in range(101)]),
        snov.recipients.check(5, ["a@x.io", "A@x.io"]),
        snov.recipients.change_status(5, "a@x.io", "Gone"),
        snov.prospects.add_to_list(5),
        snov.prospects.add_to_list(5, email="a@b.io", update_contact=True, create_duplicates=True),
        snov.prospects.list_page(5, per_page=5001),
        snov.webhooks.create("company", "sent", "https://h.io"),
        snov.webhooks.create("campaign_email", "sent", "ftp://h.io"),
        snov.analytics.campaign_analytics("2026-02-01", "2026-01-01"),
    ):
        with pytest.raises(ValidationError):
            await call
    assert sb.stats.total_requests == 0


SEQ = Sequence.linear(Email(content_slots=2), Delay(2, "days"), Email(), Goal("done"))


def make_campaign(**kw: Any) -> CampaignCreate:
    base: dict[str, Any] = {
        "title": "Q4 outreach",
        "priority": "medium",
        "list_id": 1818597,
        "sequence": SEQ,
        "complete_campaign_after_last_step": True,
        "archive_in_months": 3,
        "email_accounts": [1],
        "tracking": {"open": True, "link_click": True},
        "sending_settings": {"sending_priority": "first_email"},
        "provider_matching": False,
    }
    return CampaignCreate(**{**base, **kw})


async def test_campaign_life_cycle(env: tuple[Sandbox, SnovClient]) -> None:
    _, snov = env
    created = await snov.campaigns.create(make_campaign(timezone="America/Los Angeles"))
    assert created.status is CampaignStatus.NEW and created.sequence is not None
    assert created.extra == {} and created.sending_settings is not None
    assert created.sending_settings.extra == {} and created.sending_settings.sending_priority
    steps = created.sequence.steps
    assert [s.type for s in steps] == ["email", "delay", "email", "goal"]
    assert len(steps[0].content) == 2 and steps[0].next == steps[1].ref
    block = await snov.campaigns.create_content(
        created.id, steps[0].ref, content_id=1, subject="Hi", body="b"
    )
    assert block.subject == "Hi"
    assert (
        await snov.campaigns.update_content(created.id, steps[0].ref, 1, usage="pause")
    ).usage == "pause"
    renamed = await snov.campaigns.update(created.id, title="Renamed", tracking={"open": False})
    assert (
        renamed.title == "Renamed" and renamed.tracking is not None and renamed.tracking.link_click
    )
    await snov.campaigns.start(created.id)
    assert (await snov.campaigns.get(created.id)).status is CampaignStatus.ACTIVE
    with pytest.raises(ValidationError):
        await snov.campaigns.resume(created.id)  # the server refuses: it is not paused
    with pytest.raises(ValidationError):
        await snov.campaigns.delete(created.id)  # active campaigns cannot be deleted
    await snov.campaigns.complete(created.id)
    await snov.campaigns.delete(created.id)
    assert all(c.id != created.id for c in await snov.campaigns.list())
    assert (await snov.campaigns.schedules())[0].days


@pytest.mark.parametrize(
    "build",
    [
        lambda: Sequence("g", [Goal("x", ref="g")]),
        lambda: Sequence("a", [Email("a", next="nowhere")]),
        lambda: Sequence("a", [Email("a", next="b"), Goal("x", ref="b"), Goal("y", ref="b")]),
        lambda: Email(content_slots=16),
        lambda: Email(content_slots=0),
        lambda: Delay(31, "days"),
        lambda: Delay(721, "hours"),
        lambda: Delay(43201, "minutes"),
        lambda: Delay(1, "weeks"),
        lambda: Sequence("t", [Trigger("open", ref="t", yes="g"), Goal(ref="g")]),
        lambda: Trigger("blink"),
        lambda: Sequence.linear(LinkedIn("in_mail", body="b", subject="s"), Goal()),
        lambda: Sequence.linear(LinkedIn("connected_on_linkedin"), Email(), Goal()),
        lambda: LinkedIn("message"),
        lambda: LinkedIn("in_mail", body="b"),
        lambda: LinkedIn("endorse_skills", value=6),
        lambda: LinkedIn("check_connection_level", value=[1, 1]),
        lambda: make_campaign(archive_in_months=4),
        lambda: make_campaign(priority="urgent"),
        lambda: make_campaign(timezone="Mars/Olympus"),
        lambda: make_campaign(tracking=None),
        lambda: make_campaign(provider_matching=True),
        lambda: make_campaign(start_campaign_at="2027-03-25"),
        lambda: make_campaign(
            start_campaign_at="2027-03-25 09:00:00", complete_campaign_at="2027-03-24 09:00:00"
        ),
        lambda: make_campaign(
            deals={"event": ["open"], "pipeline_id": 1, "stage_id": 2, "currency": "XXX"}
        ),
    ],
)
def test_the_sequence_builder_and_campaign_body_refuse_what_the_reference_forbids(
    build: Any,
) -> None:
    with pytest.raises(ValidationError):
        build()


def test_system_triggers_and_linkedin_values_pass_when_right() -> None:
    seq = Sequence.linear(
        LinkedIn("in_mail", body="b", subject="s"),
        Trigger("linkedin_in_mail_sent", ref="sent", yes="done", no="done"),
        Goal("done", ref="done"),
    )
    assert seq.to_body()["steps"][0]["next"] == "sent"
    LinkedIn("check_connection_level", value=[1, 2])
    LinkedIn("endorse_skills", value=5)
    make_campaign(deals={"event": ["reply"], "pipeline_id": 1, "stage_id": 2, "currency": "EUR"})


async def test_recipients_and_do_not_email(env: tuple[Sandbox, SnovClient]) -> None:
    _, snov = env
    checks = await snov.recipients.check(237945, ["john.doe0@example0.com", "nobody@x.io"])
    assert [c.exist for c in checks] == [True, False] and checks[0].status == "finished"
    await snov.recipients.change_status(237945, "jane.doe1@example1.com", "Unsubscribed")
    finished = await snov.recipients.finished(237945)
    assert finished and finished[0].user_email
    assert await snov.recipients.add_to_do_not_email(8, ["a@b.io", "spam.com"]) == []
    assert await snov.recipients.add_to_do_not_email(8, ["A@B.io"]) == ["a@b.io"]
    lists = await snov.recipients.do_not_email_lists()
    assert lists[0].id == 8 and (lists[0].total or 0) >= 2


def test_date_ranges_split_into_31_day_windows() -> None:
    d = datetime.date
    assert windows(d(2026, 1, 1), d(2026, 1, 20)) == [(d(2026, 1, 1), d(2026, 1, 20))]
    parts = windows(d(2026, 1, 1), d(2026, 3, 15))
    assert parts[0] == (d(2026, 1, 1), d(2026, 2, 1))
    assert all((b - a).days <= 31 for a, b in parts)
    assert all(
        parts[i][1] + datetime.timedelta(days=1) == parts[i + 1][0] for i in range(len(parts) - 1)
    )
    assert parts[-1][1] == d(2026, 3, 15)


async def test_analytics_paginate_and_stop(env: tuple[Sandbox, SnovClient]) -> None:
    sb, snov = env
    sent = [e async for e in snov.analytics.emails_sent(237945)]
    assert len(sent) == 10_050 and len({e.hash for e in sent}) == 10_050
    assert [p["offset"] for p in calls_to(sb, "GET /v1/emails-sent")] == ["0", "10000"]
    activity = [
        a
        async for a in snov.analytics.recipients_activity(
            237945, "2025-12-01", "2026-02-15", page_size=1000
        )
    ]
    activity_calls = calls_to(sb, "GET /v2/campaigns/{campaignId}/recipients-activity")
    assert {(p["dateFrom"], p["dateTo"]) for p in activity_calls} == {
        ("2025-12-01", "2026-01-01"),
        ("2026-01-02", "2026-02-02"),
        ("2026-02-03", "2026-02-15"),
    }
    assert len(activity) > 1000 and len(activity_calls) > 3  # windows were paged too
    replies = [r async for r in snov.analytics.all_replies(237945)]
    assert replies and len(replies) == len({r.prospect_id for r in replies})
    opened = [e async for e in snov.analytics.emails_opened(237945)]
    assert opened and opened[0].visited_at is not None
    progress = await snov.analytics.progress(237945)
    assert progress.progress and progress.unfinished is not None
    numbers = await snov.analytics.campaign_analytics(
        "2025-12-01", "2025-12-31", campaign_ids=[237945]
    )
    assert (numbers.emails_sent or 0) > 0 and numbers.email_opens_rate is not None


async def test_prospects_lists_pipelines_webhooks(env: tuple[Sandbox, SnovClient]) -> None:
    sb, snov = env
    list_id = await snov.prospects.create_list("Leads")
    for i in range(7):
        await snov.prospects.add_to_list(
            list_id, email=f"p{i}@x.io", first_name=f"P{i}", last_name="X"
        )
    again = await snov.prospects.add_to_list(
        list_id, email="p0@x.io", update_contact=True, position="CTO"
    )
    assert again.added is False and again.updated is True
    everyone = [p async for p in snov.prospects.iter_list(list_id, per_page=3)]
    assert [p.first_name for p in everyone] == [f"P{i}" for i in reversed(range(7))]  # newest first
    assert len(calls_to(sb, "POST /v1/prospect-list")) == 3
    found = await snov.prospects.find_by_email("P0@x.io")
    assert found and (await snov.prospects.get(found[0].id)).current_job[0].position == "CTO"
    assert any(x.id == list_id for x in await snov.prospects.lists())
    assert (await snov.prospects.custom_fields())[0].label
    pipelines = await snov.pipelines.list()
    assert (await snov.pipelines.stages(pipelines[0].id))[0].pipeline_id == pipelines[0].id
    hook = await snov.webhooks.create("email_verification", "verified", "https://h.io/hook")
    assert (await snov.webhooks.set_status(hook.id, "deactivated")).status == "deactivated"
    listing = await snov.webhooks.list()
    assert listing.webhooks_count == 1 and listing.webhooks[0].event_object == "email_verification"
    await snov.webhooks.delete(hook.id)
    assert (await snov.webhooks.list()).webhooks == []


async def test_domain_search_iterators_follow_pages_and_cursors(
    env: tuple[Sandbox, SnovClient],
) -> None:
    _, snov = env
    info = await snov.domain_search.company_info("snov.io")
    prospects = [p async for p in snov.domain_search.iter_prospects("snov.io")]
    assert len(prospects) == info.prospects_count
    emails = [e async for e in snov.domain_search.iter_domain_emails("snov.io")]
    assert len(emails) == len(set(emails)) == info.emails_count
    generic = [e async for e in snov.domain_search.iter_generic_contacts("snov.io")]
    assert len(generic) == info.generic_contacts_count


async def test_profile_by_email_is_none_when_nothing_is_known(
    env: tuple[Sandbox, SnovClient],
) -> None:
    _, snov = env
    results = [await snov.enrichment.profile_by_email(f"someone{i}@octagon.com") for i in range(8)]
    found = [r for r in results if r is not None]
    assert found and len(found) < 8
    assert found[0].first_name and found[0].current_jobs

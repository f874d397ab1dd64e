"""A bulk pipeline: people -> emails -> verification -> a CSV of every lead and its verdict.

    python examples/bulk_pipeline.py [LEADS.csv] [deliverable.csv]

Without LEADS.csv it reads the sample leads file that ships inside the package.

Runs on the in-process sandbox unless SNOV_CLIENT_ID / SNOV_CLIENT_SECRET are set. Every
stage streams (``_iter``), shares one client (one pacer, one runner) and keeps every row: a
row that fails carries its error instead of vanishing.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

from snov_async import SnovClient
from snov_async.cli import SAMPLE
from snov_async.sandbox import Sandbox, SandboxConfig


@contextlib.asynccontextmanager
async def client() -> AsyncIterator[SnovClient]:
    if os.environ.get("SNOV_CLIENT_ID"):
        async with SnovClient.from_env() as snov:
            yield snov
        return
    async with (
        Sandbox(SandboxConfig(rate_limit=None, task_latency=0.05)) as sb,
        SnovClient(
            "sandbox",
            "sandbox",
            base_url=sb.base_url,
            requests_per_minute=6000,
            initial_task_latency=0.1,
        ) as snov,
    ):
        yield snov


def read_people(source: str) -> list[tuple[str, str, str]]:
    with open(source, encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.DictReader(f) if any((v or "").strip() for v in r.values())]
    return [(r["First Name"], r["Last Name"], r["Website"]) for r in rows]


def write_rows(target: str, rows: list[list[Any]]) -> None:
    with open(target, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["first_name", "last_name", "domain", "email", "smtp_status", "error"])
        out.writerows(rows)


async def run(source: str, target: str) -> dict[str, int]:
    people = read_people(source)
    async with client() as snov:
        found = await snov.email_finder.find_emails(people)
        emails = [f.email for f in found if f.email]
        verdicts = {v.email: v for v in await snov.verification.verify(emails)}
    counts = {"rows": len(people), "found": len(emails), "deliverable": 0, "errors": 0}
    rows: list[list[Any]] = []
    for search in found:
        verdict = verdicts.get(search.email or "")
        error = search.error or (verdict.error if verdict else None)
        status = verdict.smtp_status if verdict else None
        counts["errors"] += error is not None
        counts["deliverable"] += status == "valid"
        # A row the API never saw (an empty name, a bad domain) has only its input to show.
        who = (search.first_name, search.last_name, search.domain)
        if search.error is not None:
            who = search.input
        rows.append([*who, search.email or "", status or "", error.message if error else ""])
    write_rows(target, rows)
    return counts


if __name__ == "__main__":
    src, dst = (sys.argv[1:3] + [str(SAMPLE), "deliverable.csv"][len(sys.argv[1:3]) :])[:2]
    print(asyncio.run(run(src, dst)))

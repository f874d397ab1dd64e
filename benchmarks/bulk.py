"""Bulk enrichment on the sandbox: snov_async against the ways users write it today.

Run: ``python benchmarks/bulk.py`` (add ``--json`` for machine-readable output).

Every scenario starts its own sandbox in a subprocess (so that the server does not share the
client's event loop), with the rate scaled up so that a run takes seconds, and reports ratios:

* ``req/min``  — requests sent / the polling minimum (1 token + one start and one result per
  batch); push mode needs only the starts and the token, so its floor is about 0.5;
* ``wall/bound`` — wall time / what the rate allows (throughput-bound scenarios: the minimum
  number of requests at the rate) or / (last start + slowest task) (latency-bound ones);
* ``429s`` — rate-limit answers the sandbox had to send.

Targets (issue #4): throughput-bound req/min <= 1.02, wall/bound <= 1.05, zero 429s;
latency-bound req/min <= 1.3, wall/bound <= 1.15.

``--grid`` (issue #15) measures every cell of batches {10, 30, 60, 100} x task latency
{0.5, 1, 2, 4, 8} s (each +-30 %) at 1,200 requests/minute — the real 60/min scaled 20x,
with the SDK's absolute time constants scaled by the same factor (first latency guess 3 s ->
0.15 s, task deadline 600 s -> 30 s). Bound per cell: max((2b + 1) / rate, b / rate + slowest
task). Targets: requests <= 1.03x the minimum where throughput-bound and <= 1.3x where
latency-bound; wall <= 1.05x the bound; zero 429s. It prints the table, writes it as JSON, and
draws a heatmap (``pip install -e '.[bench]'`` for matplotlib).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiolimiter import AsyncLimiter

from snov_async import SnovClient
from snov_async.webhooks import WebhookReceiver

Result = dict[str, Any]


class ServerProcess:
    """``python -m snov_async.sandbox`` in a subprocess, on a free port."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.proc: subprocess.Popen[str] | None = None
        self.base_url = ""

    async def __aenter__(self) -> ServerProcess:
        self.proc = subprocess.Popen(  # noqa: ASYNC220 - started once, before measuring
            [sys.executable, "-m", "snov_async.sandbox", "--port", "0", *self.args],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = await asyncio.to_thread(self.proc.stdout.readline)
        self.base_url = line.strip()
        if not self.base_url.startswith("http"):
            raise RuntimeError(f"sandbox did not start: {line!r}")
        return self

    async def stats(self) -> Any:
        async with aiohttp.ClientSession() as s, s.get(self.base_url + "/__sandbox__/stats") as r:
            return await r.json()

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def emails(n: int) -> list[str]:
    return [f"person{i}@company{i % 37}.com" for i in range(n)]


# The ways users write it today -------------------------------------------------------------


async def token(session: aiohttp.ClientSession, base: str) -> str:
    async with session.post(
        base + "/v1/oauth/access_token",
        data={"grant_type": "client_credentials", "client_id": "id", "client_secret": "s"},
    ) as r:
        return str((await r.json())["access_token"])


async def baseline_sequential(base: str, items: list[str], sleep: float) -> None:
    """The reference's snippets in a loop: start, sleep, poll until done, next batch."""
    async with aiohttp.ClientSession() as session:
        tok = await token(session, base)
        headers = {"Authorization": f"Bearer {tok}"}
        for i in range(0, len(items), 10):
            async with session.post(
                base + "/v2/email-verification/start",
                data=[("emails[]", e) for e in items[i : i + 10]],
                headers=headers,
            ) as r:
                task_hash = (await r.json())["data"]["task_hash"]
            while True:
                await asyncio.sleep(sleep)
                async with session.get(
                    base + "/v2/email-verification/result",
                    params={"task_hash": task_hash},
                    headers=headers,
                ) as r:
                    body = await r.json()
                if body.get("status") == "completed":
                    break


async def baseline_tight_gather(base: str, items: list[str], rpm: float) -> None:
    """A gather of batches, each polling in a tight loop behind a bursty limiter."""
    limiter = AsyncLimiter(rpm, 60)
    async with aiohttp.ClientSession() as session:
        tok = await token(session, base)
        headers = {"Authorization": f"Bearer {tok}"}

        async def one(batch: list[str]) -> None:
            while True:  # retry the start until it is not rate limited
                async with (
                    limiter,
                    session.post(
                        base + "/v2/email-verification/start",
                        data=[("emails[]", e) for e in batch],
                        headers=headers,
                    ) as r,
                ):
                    if r.status == 200:
                        task_hash = (await r.json())["data"]["task_hash"]
                        break
            while True:
                async with (
                    limiter,
                    session.get(
                        base + "/v2/email-verification/result",
                        params={"task_hash": task_hash},
                        headers=headers,
                    ) as r,
                ):
                    if r.status == 200 and (await r.json()).get("status") == "completed":
                        return

        await asyncio.gather(*(one(items[i : i + 10]) for i in range(0, len(items), 10)))


async def snov_async_run(base: str, items: list[str], rpm: float, **settings: Any) -> None:
    async with SnovClient(
        "id", "secret", base_url=base, requests_per_minute=rpm, **settings
    ) as snov:
        results = await snov.verification.verify(items)
    assert len(results) == len(items) and all(r.ok for r in results), "lost items"


async def snov_async_push(base: str, items: list[str], rpm: float) -> None:
    """Push mode: the sandbox POSTs each result to a local receiver; no polling."""
    async with (
        WebhookReceiver() as receiver,
        SnovClient(
            "id", "secret", base_url=base, requests_per_minute=rpm, webhook=receiver
        ) as snov,
    ):
        results = await snov.verification.verify(items)
    assert len(results) == len(items) and all(r.ok for r in results), "lost items"


# Scenarios ---------------------------------------------------------------------------------


async def measure(
    name: str,
    server_args: list[str],
    run: Callable[[str], Awaitable[None]],
    minimum: int,
    bound: float,
) -> Result:
    async with ServerProcess(*server_args) as server:
        t0 = time.perf_counter()
        await run(server.base_url)
        wall = time.perf_counter() - t0
        stats = await server.stats()
    return {
        "client": name,
        "requests": stats["total_requests"],
        "minimum": minimum,
        "req_ratio": round(stats["total_requests"] / minimum, 3),
        "wall_s": round(wall, 3),
        "bound_s": round(bound, 3),
        "wall_ratio": round(wall / bound, 3),
        "429s": stats["rate_limited"],
    }


async def throughput_bound(n: int, rpm: float, baselines: bool) -> list[Result]:
    """Tasks faster than the rate: the rate is the bottleneck."""
    batches = math.ceil(n / 10)
    minimum = 2 * batches + 1
    interval = 60.0 / rpm
    bound = (minimum - 1) * interval
    # The sandbox enforces the same rate over a 1-second rolling window.
    per_second = max(1, int(rpm / 60))
    server = ["--rate", str(per_second), "--window", "1", "--latency", "0.02:0.06", "--seed", "1"]
    items = emails(n)
    out = [
        await measure(
            "snov_async", server, lambda b: snov_async_run(b, items, rpm), minimum, bound
        ),
        await measure(
            "snov_async push", server, lambda b: snov_async_push(b, items, rpm), minimum, bound
        ),
    ]
    if baselines:
        out.append(
            await measure(
                "tight gather + AsyncLimiter(rpm, 60)",
                server,
                lambda b: baseline_tight_gather(b, items, rpm),
                minimum,
                bound,
            )
        )
        out.append(
            await measure(
                "sequential start/sleep/poll",
                server,
                lambda b: baseline_sequential(b, items, 1.0),
                minimum,
                bound,
            )
        )
    return out


async def latency_bound(batches: int, rpm: float, latency: float, baselines: bool) -> list[Result]:
    """Tasks slower than the request budget: task latency is the bottleneck."""
    n = batches * 10
    minimum = 2 * batches + 1
    interval = 60.0 / rpm
    low, high = latency * 0.7, latency * 1.3
    # Last start: after the token and the other starts; slowest task: the top of the jitter.
    bound = batches * interval + high
    per_second = max(1, int(rpm / 60))
    server = [
        "--rate", str(per_second), "--window", "1",
        "--latency", f"{low}:{high}", "--seed", "2",
    ]  # fmt: skip
    items = emails(n)
    out = [
        await measure(
            f"snov_async (L={latency:g}s)",
            server,
            lambda b: snov_async_run(b, items, rpm),
            minimum,
            bound,
        ),
        await measure(
            f"snov_async push (L={latency:g}s)",
            server,
            lambda b: snov_async_push(b, items, rpm),
            minimum,
            bound,
        ),
    ]
    if baselines:
        out.append(
            await measure(
                f"tight gather + AsyncLimiter (L={latency:g}s)",
                server,
                lambda b: baseline_tight_gather(b, items, rpm),
                minimum,
                bound,
            )
        )
    return out


GRID_BATCHES = (10, 30, 60, 100)
GRID_LATENCIES = (0.5, 1.0, 2.0, 4.0, 8.0)
#: The scale of the grid: 1,200 requests/minute is the real 60/min sped up 20 times.
SCALE = 20.0


async def grid_cell(batches: int, latency: float, rpm: float) -> Result:
    """One cell: ``batches`` batches of 10 emails, tasks of ``latency`` +-30 %."""
    rate = rpm / 60.0
    low, high = latency * 0.7, latency * 1.3
    minimum = 2 * batches + 1
    throughput = minimum / rate
    bound = max(throughput, batches / rate + high)
    server = [
        "--rate", str(int(rate)), "--window", "1",
        "--latency", f"{low}:{high}", "--seed", str(batches * 100 + int(latency * 10)),
    ]  # fmt: skip
    items = emails(batches * 10)
    settings = {"initial_task_latency": 3.0 / SCALE, "task_timeout": 600.0 / SCALE}
    row = await measure(
        "snov_async",
        server,
        lambda b: snov_async_run(b, items, rpm, **settings),
        minimum,
        bound,
    )
    limited = "throughput" if throughput >= batches / rate + high else "latency"
    target = 1.03 if limited == "throughput" else 1.3
    row.update(
        batches=batches,
        latency=latency,
        bound_by=limited,
        req_target=target,
        ok=row["req_ratio"] <= target and row["wall_ratio"] <= 1.05 and row["429s"] == 0,
    )
    return row


async def grid(rpm: float) -> list[Result]:
    rows = []
    for batches in GRID_BATCHES:
        for latency in GRID_LATENCIES:
            row = await grid_cell(batches, latency, rpm)
            rows.append(row)
            print(
                f"b={batches:3} L={latency:>3g}s {row['bound_by']:>10}: req/min "
                f"{row['req_ratio']:.3f} (<= {row['req_target']}), wall/bound "
                f"{row['wall_ratio']:.3f}, 429s {row['429s']}  {'ok' if row['ok'] else 'MISS'}",
                flush=True,
            )
    return rows


def save(rows: list[Result], out: str | None, picture: str | None) -> None:
    if out:
        Path(out).write_text(json.dumps({"rpm": 1200.0, "cells": rows}, indent=2) + "\n")
    if picture:
        heatmap(rows, picture)


def grid_table(rows: list[Result]) -> str:
    """The grid as a Markdown table: req/min / wall/bound per cell."""
    head = "| batches \\ latency | " + " | ".join(f"{v:g} s" for v in GRID_LATENCIES) + " |"
    lines = [head, "|---" * (len(GRID_LATENCIES) + 1) + "|"]
    for batches in GRID_BATCHES:
        cells = [r for r in rows if r["batches"] == batches]
        shown = [
            f"{r['req_ratio']:.2f} / {r['wall_ratio']:.2f}" + ("" if r["ok"] else " ✗")
            for r in sorted(cells, key=lambda r: r["latency"])
        ]
        lines.append(f"| {batches} | " + " | ".join(shown) + " |")
    return "\n".join(lines)


def heatmap(rows: list[Result], path: str) -> None:
    """Two heatmaps (requests / minimum, wall / bound) over the grid, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, key, title, limit in (
        (axes[0], "req_ratio", "requests / minimum", 1.3),
        (axes[1], "wall_ratio", "wall / bound", 1.05),
    ):
        grid_values = [
            [next(r[key] for r in rows if r["batches"] == b and r["latency"] == v)
             for v in GRID_LATENCIES]
            for b in GRID_BATCHES
        ]  # fmt: skip
        image = ax.imshow(grid_values, cmap="RdYlGn_r", vmin=1.0, vmax=limit * 1.1)
        ax.set_xticks(range(len(GRID_LATENCIES)), [f"{v:g} s" for v in GRID_LATENCIES])
        ax.set_yticks(range(len(GRID_BATCHES)), [str(b) for b in GRID_BATCHES])
        ax.set_xlabel("task latency (±30 %)")
        ax.set_ylabel("batches of 10")
        ax.set_title(title)
        for i, line in enumerate(grid_values):
            for j, value in enumerate(line):
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=9)
        fig.colorbar(image, ax=ax, shrink=0.8)
    fig.suptitle("snov_async at 1,200 req/min (60/min scaled 20x)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def table(title: str, rows: list[Result]) -> str:
    head = (
        f"{'client':44} {'requests':>8} {'min':>5} {'req/min':>8} {'wall s':>8}"
        f" {'wall/bound':>10} {'429s':>5}"
    )
    lines = [title, head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['client']:44} {r['requests']:>8} {r['minimum']:>5} {r['req_ratio']:>8.3f}"
            f" {r['wall_s']:>8.3f} {r['wall_ratio']:>10.3f} {r['429s']:>5}"
        )
    return "\n".join(lines)


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.add_argument("--no-baselines", action="store_true", help="only measure snov_async")
    p.add_argument("--rpm", type=float, default=600.0, help="scaled rate (requests/minute)")
    p.add_argument("--emails", type=int, default=500, help="throughput-bound input size")
    p.add_argument("--latencies", default="1,2,4", help="latency-bound task latencies (s)")
    p.add_argument("--grid", action="store_true", help="measure the batches x latency grid")
    p.add_argument("--grid-json", default="benchmarks/grid.json", help="where --grid writes")
    p.add_argument("--grid-png", default="docs/img/grid.png", help="the --grid heatmap")
    args = p.parse_args()
    if args.grid:
        rows = await grid(1200.0)
        save(rows, args.grid_json, args.grid_png)
        print()
        print(grid_table(rows))
        missed = [r for r in rows if not r["ok"]]
        print(f"\n{len(rows) - len(missed)} of {len(rows)} cells meet the targets")
        return
    baselines = not args.no_baselines
    report: dict[str, list[Result]] = {}
    report["throughput_bound"] = await throughput_bound(args.emails, args.rpm, baselines)
    latency_rows: list[Result] = []
    for value in (float(v) for v in args.latencies.split(",")):
        latency_rows += await latency_bound(6, 600.0, value, baselines and value == 2.0)
    report["latency_bound"] = latency_rows
    if args.json:
        print(json.dumps(report, indent=2))
        return
    title = f"Throughput-bound: {args.emails} emails at {args.rpm:g}/min"
    print(table(title, report["throughput_bound"]))
    print()
    title = "Latency-bound: 6 batches at 600/min, task latency L +-30%"
    print(table(title, report["latency_bound"]))


if __name__ == "__main__":
    asyncio.run(main())

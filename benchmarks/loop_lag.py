"""Event-loop lag under many concurrent bulk calls (issue #14, item 7).

Run: ``python benchmarks/loop_lag.py`` (``--calls``, ``--per-call`` to change the load).

500 bulk calls run at once on one unpaced client (``requests_per_minute=1,000,000``) against
the sandbox in its own process (no rate limit, tasks of 50-200 ms): 500 jobs, 1,000 tasks, the
scheduler deciding as fast as answers come. Beside them a probe sleeps 5 ms at a time and
records how late each wake-up is: the loop lag another coroutine of the application (a web
handler in the same FastAPI or aiohttp server) would see. Target: the largest lag under 50 ms
(the scheduler yields every 32 decisions; due tasks come from a heap, not a scan; calls
beginning and reading inputs share 5 ms per loop iteration, the rest waiting in line).

It also times every full garbage collection during the run: on a slow machine one costs about
1 µs per live object, and the modules alone (asyncio, aiohttp, snov_async) are ~47,000.
``--gc-off`` measures the SDK's own lag without the collector; ``--gc-freeze`` what a server
that calls ``gc.freeze()`` after start-up sees.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bulk import ServerProcess

from snov_async import SnovClient

TICK = 0.005
TARGET = 0.050


async def probe(lags: list[float], stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        t0 = loop.time()
        await asyncio.sleep(TICK)
        lags.append(max(0.0, loop.time() - t0 - TICK))


class FullCollections:
    """Times every full (generation 2) garbage collection while installed."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._began = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._began)

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


async def run(
    calls: int, per_call: int, freeze: bool = False, collector: bool = True
) -> dict[str, object]:
    lags: list[float] = []
    stop = asyncio.Event()
    server_args = ["--rate", "0", "--latency", "0.05:0.2", "--credits", str(10 * calls * per_call)]
    async with (
        ServerProcess(*server_args) as server,
        SnovClient(
            "id",
            "secret",
            base_url=server.base_url,
            requests_per_minute=1_000_000,
            initial_task_latency=0.1,
        ) as snov,
    ):
        await snov.account.balance()  # token and session warm before measuring
        if freeze:
            gc.freeze()  # what a server does after start-up: long-lived objects leave the GC
        if not collector:
            gc.disable()  # what the SDK's own work costs the loop, without Python's GC
        watcher = asyncio.ensure_future(probe(lags, stop))
        t0 = time.perf_counter()
        with FullCollections() as full:
            results = await asyncio.gather(
                *(
                    snov.verification.verify(
                        [f"c{c}-p{i}@firm{(c + i) % 53}.com" for i in range(per_call)]
                    )
                    for c in range(calls)
                )
            )
        wall = time.perf_counter() - t0
        gc.enable()
        stop.set()
        await watcher
        requests = snov.stats.requests
    rows = [r for call in results for r in call]
    ordered = sorted(lags)
    worst = ordered[-1] if ordered else 0.0
    return {
        "calls": calls,
        "inputs": len(rows),
        "failed": sum(not r.ok for r in rows),
        "requests": requests,
        "wall_s": round(wall, 2),
        "samples": len(lags),
        "lag_median_ms": round(statistics.median(ordered) * 1000, 2) if ordered else None,
        "lag_p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))] * 1000, 2) if ordered else None,
        "lag_max_ms": round(worst * 1000, 2),
        "gc_full_collections": len(full.pauses),
        "gc_full_longest_ms": round(max(full.pauses, default=0.0) * 1000, 1),
        "target_ms": TARGET * 1000,
        "ok": worst < TARGET and all(r.ok for r in rows),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--calls", type=int, default=500)
    p.add_argument("--per-call", type=int, default=20)
    p.add_argument("--json", default="benchmarks/loop_lag.json")
    p.add_argument(
        "--gc-freeze", action="store_true", help="gc.freeze() after start-up, as servers do"
    )
    p.add_argument(
        "--gc-off",
        action="store_true",
        help="disable Python's garbage collector during the run: the SDK's own lag",
    )
    args = p.parse_args()
    out = asyncio.run(run(args.calls, args.per_call, args.gc_freeze, not args.gc_off))
    out["gc_freeze"] = args.gc_freeze
    out["gc_off"] = args.gc_off
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    print(
        f"{out['calls']} concurrent calls, {out['inputs']:,} inputs ({out['failed']} failed), "
        f"{out['requests']:,} requests in {out['wall_s']}s: loop lag median "
        f"{out['lag_median_ms']} ms, p99 {out['lag_p99_ms']} ms, max {out['lag_max_ms']} ms "
        f"(target < {TARGET * 1000:g} ms): {'ok' if out['ok'] else 'MISS'}; "
        f"{out['gc_full_collections']} full garbage collections, the longest "
        f"{out['gc_full_longest_ms']} ms"
    )


if __name__ == "__main__":
    main()

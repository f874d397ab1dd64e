"""Memory of one bulk call over any number of unique inputs (issue #15, item 4).

Run: ``python benchmarks/memory.py`` (1,000,000 inputs; ``--inputs N`` for fewer).

One ``verify_iter`` call streams N unique emails, read lazily from a generator, against a fast
sandbox in its own process (no rate limit, tasks of 1-3 ms), and drops each result as it comes.
The client process's resident memory is read from ``/proc/self/status`` (VmRSS now, VmHWM the
peak) after the first 10,000 results (the baseline: the client, its session and the sandbox's
first answers are warm) and at each tenth of the run. Target: peak growth over the baseline
under 100 MiB for 1,000,000 inputs — memory bounded whatever the input length (in-flight
tasks are capped, duplicates are remembered in a bounded window, results are not kept).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bulk import ServerProcess

from snov_async import SnovClient

MIB = 1024 * 1024
BASELINE_AFTER = 10_000


def memory() -> dict[str, int]:
    """VmRSS and VmHWM of this process, in bytes."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) * 1024
    return out


def emails(n: int) -> Iterator[str]:
    for i in range(n):
        yield f"person{i}@company{i % 997}.com"


async def run(n: int) -> dict[str, object]:
    server_args = ["--rate", "0", "--latency", "0.001:0.003", "--credits", str(10 * n)]
    checkpoints: list[dict[str, float]] = []
    baseline = 0
    failed = 0
    async with (
        ServerProcess(*server_args) as server,
        SnovClient(
            "id",
            "secret",
            base_url=server.base_url,
            requests_per_minute=1_000_000,
            initial_task_latency=0.005,
        ) as snov,
    ):
        t0 = time.perf_counter()
        done = 0
        step = max(n // 10, 1)
        async for result in snov.verification.verify_iter(emails(n)):
            done += 1
            failed += not result.ok
            if done == min(BASELINE_AFTER, n):
                gc.collect()
                baseline = memory()["VmRSS"]
            if done % step == 0 or done == n:
                m = memory()
                checkpoints.append(
                    {
                        "results": done,
                        "rss_mib": round(m["VmRSS"] / MIB, 1),
                        "peak_mib": round(m["VmHWM"] / MIB, 1),
                        "seconds": round(time.perf_counter() - t0, 1),
                    }
                )
                print(json.dumps(checkpoints[-1]), flush=True)
        stats = snov.stats
    peak = memory()["VmHWM"]
    growth = (peak - baseline) / MIB
    return {
        "inputs": n,
        "results": done,
        "failed": failed,
        "requests": stats.requests,
        "baseline_mib": round(baseline / MIB, 1),
        "peak_mib": round(peak / MIB, 1),
        "peak_growth_mib": round(growth, 1),
        "target_mib": 100,
        "ok": done == n and failed == 0 and growth < 100,
        "checkpoints": checkpoints,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--inputs", type=int, default=1_000_000)
    p.add_argument("--json", default="benchmarks/memory.json", help="where to write the result")
    args = p.parse_args()
    out = asyncio.run(run(args.inputs))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    print(
        f"{out['inputs']:,} inputs, {out['results']:,} results ({out['failed']} failed), "
        f"{out['requests']:,} requests: peak RSS {out['peak_mib']} MiB, "
        f"{out['peak_growth_mib']} MiB over the baseline after {BASELINE_AFTER:,} "
        f"(target < 100 MiB): {'ok' if out['ok'] else 'MISS'}"
    )


if __name__ == "__main__":
    main()

"""SDK overhead per request, and peak memory for 100,000 inputs.

Run: ``python benchmarks/overhead.py [--json]``

* Overhead: N ``GET /v1/get-balance`` calls through ``snov.account.balance()`` (pacing off:
  a huge rate) against the same calls made with raw aiohttp, both sequential on one
  connection to the sandbox in a subprocess. Reported as extra microseconds per request and as
  a ratio.
* Memory: ``verify_iter`` over a generator of 100,000 unique emails against the sandbox (in
  its own process) at a huge rate with zero task latency; peak traced memory (tracemalloc)
  with results consumed and dropped as they come, compared with 10,000 inputs. What grows
  with the input is the per-call duplicate memory: one small typed result per unique input.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import tracemalloc
from collections.abc import Iterator

import aiohttp
from bulk import ServerProcess  # type: ignore[import-not-found]

from snov_async import SnovClient


async def overhead(n: int) -> dict[str, float]:
    async with ServerProcess("--rate", "0") as server:
        async with aiohttp.ClientSession() as raw:
            async with raw.post(
                server.base_url + "/v1/oauth/access_token",
                data={"grant_type": "client_credentials", "client_id": "a", "client_secret": "b"},
            ) as r:
                token = (await r.json())["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            t0 = time.perf_counter()
            for _ in range(n):
                async with raw.get(server.base_url + "/v1/get-balance", headers=headers) as r:
                    await r.json()
            raw_s = time.perf_counter() - t0
        async with SnovClient("a", "b", base_url=server.base_url, requests_per_minute=1e9) as snov:
            await snov.account.balance()  # token
            t0 = time.perf_counter()
            for _ in range(n):
                await snov.account.balance()
            sdk_s = time.perf_counter() - t0
    return {
        "requests": n,
        "raw_us_per_request": round(raw_s / n * 1e6, 1),
        "sdk_us_per_request": round(sdk_s / n * 1e6, 1),
        "overhead_us_per_request": round((sdk_s - raw_s) / n * 1e6, 1),
        "ratio": round(sdk_s / raw_s, 3),
    }


def emails(n: int) -> Iterator[str]:
    for i in range(n):
        yield f"person{i}@company{i % 997}.com"


async def peak_memory(n: int) -> dict[str, float]:
    # The sandbox runs in its own process so that only the client's memory is traced.
    async with (
        ServerProcess("--rate", "0", "--latency", "0") as server,
        SnovClient(
            "a", "b", base_url=server.base_url, requests_per_minute=1e9, initial_task_latency=0.001
        ) as snov,
    ):
        tracemalloc.start()
        t0 = time.perf_counter()
        count = 0
        async for _ in snov.verification.verify_iter(emails(n)):
            count += 1
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert count == n
    return {"inputs": n, "peak_mib": round(peak / 2**20, 1), "seconds": round(elapsed, 1)}


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", action="store_true")
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--inputs", type=int, default=100_000)
    args = p.parse_args()
    report = {
        "overhead": await overhead(args.requests),
        "memory_small": await peak_memory(args.inputs // 10),
        "memory": await peak_memory(args.inputs),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    o = report["overhead"]
    print(
        f"overhead: raw aiohttp {o['raw_us_per_request']} us/request, snov_async "
        f"{o['sdk_us_per_request']} us/request (+{o['overhead_us_per_request']} us, x{o['ratio']})"
    )
    for key in ("memory_small", "memory"):
        m = report[key]
        print(
            f"memory: {m['inputs']:,} inputs -> peak {m['peak_mib']} MiB traced ({m['seconds']} s)"
        )


if __name__ == "__main__":
    asyncio.run(main())

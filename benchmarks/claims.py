"""What journal claims cost a single process (issue #13).

Run: ``python benchmarks/claims.py`` (``--emails``, ``--rpm``, ``--rounds``).

The throughput-bound scenario of ``bulk.py`` (500 emails, 600 requests/minute, tasks of
20-60 ms; the rate is the bottleneck) run alternately without a journal and with a SQLite
journal — where every batch is claimed before its start, its lease renewed, and released at
the end — a few rounds each, on fresh sandboxes. Reported: requests and wall time with claims
over without (medians). Target: both within 2 %.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bulk import ServerProcess, emails

from snov_async import SnovClient


async def once(n: int, rpm: float, journal: Path | None) -> tuple[int, float]:
    per_second = max(1, int(rpm / 60))
    server = ["--rate", str(per_second), "--window", "1", "--latency", "0.02:0.06", "--seed", "1"]
    items = emails(n)
    async with ServerProcess(*server) as sandbox:
        async with SnovClient(
            "id", "secret", base_url=sandbox.base_url, requests_per_minute=rpm, journal=journal
        ) as snov:
            t0 = time.perf_counter()
            results = await snov.verification.verify(items)
            wall = time.perf_counter() - t0
        assert len(results) == n and all(r.ok for r in results), "lost items"
        stats = await sandbox.stats()
    return int(stats["total_requests"]), wall


async def run(n: int, rpm: float, rounds: int) -> dict[str, object]:
    plain: list[tuple[int, float]] = []
    claimed: list[tuple[int, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            plain.append(await once(n, rpm, None))
            claimed.append(await once(n, rpm, Path(tmp) / f"journal-{r}.db"))
            print(f"round {r + 1}: without {plain[-1]}, with claims {claimed[-1]}", flush=True)
    req_plain = statistics.median(x for x, _ in plain)
    req_claimed = statistics.median(x for x, _ in claimed)
    wall_plain = statistics.median(w for _, w in plain)
    wall_claimed = statistics.median(w for _, w in claimed)
    req_ratio = req_claimed / req_plain
    wall_ratio = wall_claimed / wall_plain
    return {
        "emails": n,
        "rpm": rpm,
        "rounds": rounds,
        "requests_without": req_plain,
        "requests_with_claims": req_claimed,
        "wall_without_s": round(wall_plain, 3),
        "wall_with_claims_s": round(wall_claimed, 3),
        "requests_ratio": round(req_ratio, 4),
        "wall_ratio": round(wall_ratio, 4),
        "ok": req_ratio <= 1.02 and wall_ratio <= 1.02,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--emails", type=int, default=500)
    p.add_argument("--rpm", type=float, default=600.0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--json", default="benchmarks/claims.json")
    args = p.parse_args()
    out = asyncio.run(run(args.emails, args.rpm, args.rounds))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    print(
        f"claims: requests x{out['requests_ratio']}, wall x{out['wall_ratio']} "
        f"(target <= 1.02 each): {'ok' if out['ok'] else 'MISS'}"
    )


if __name__ == "__main__":
    main()

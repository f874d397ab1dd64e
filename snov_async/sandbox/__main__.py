"""``python -m snov_async.sandbox``: serve the sandbox until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import sys
from collections.abc import Sequence

from . import Sandbox, SandboxConfig
from .faults import Faults
from .state import parse_accounts


def _latency(text: str) -> tuple[float, float]:
    low, sep, high = text.partition(":")
    try:
        return (float(low), float(high)) if sep else (float(low), float(low))
    except ValueError:
        raise argparse.ArgumentTypeError("expected SECONDS or LOW:HIGH") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m snov_async.sandbox",
        description="Serve a local Snov.io API for offline development and tests.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (0 picks a free one)")
    p.add_argument("--rate", type=int, default=60, help="requests per window (0: no limit)")
    p.add_argument("--window", type=float, default=60.0, help="rate window in seconds")
    p.add_argument(
        "--latency", type=_latency, default=(2.0, 2.0), help="task latency: SECONDS or LOW:HIGH"
    )
    p.add_argument("--credits", default="25000.00", help="starting credit balance")
    p.add_argument("--token-ttl", type=float, default=3600.0, help="token lifetime in seconds")
    p.add_argument("--seed", type=int, default=0, help="seed of data, latencies and faults")
    p.add_argument(
        "--start-latency",
        type=_latency,
        default=(0.0, 0.0),
        help="hold each .../start answer back (the task already exists): SECONDS or LOW:HIGH",
    )
    p.add_argument(
        "--credentials", metavar="ID:SECRET", help="accept only this client id and secret"
    )
    p.add_argument(
        "--accounts",
        metavar="ID:SECRET,...",
        help="serve these accounts only, each with its own tokens, rate window, credits, "
        "tasks and stores (default: any credentials open an account of their own)",
    )
    p.add_argument(
        "--shapes",
        choices=("live", "reference"),
        default=None,
        help="answer as the live API does, or with the reference's example shapes",
    )
    p.add_argument(
        "--faults",
        default="",
        help="e.g. 429=0.05,500=0.01,html=0.01,truncated=0.01,reset=0.01,slow=0.01,"
        "revoke=0.01,never=0.02",
    )
    return p


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    creds = None
    if args.credentials:
        cid, sep, secret = args.credentials.partition(":")
        if not sep:
            raise SystemExit("--credentials must be ID:SECRET")
        creds = (cid, secret)
    if args.accounts is not None and creds is not None:
        raise SystemExit("give --accounts or --credentials, not both")
    extra = {} if args.shapes is None else {"shapes": args.shapes}
    return SandboxConfig(
        seed=args.seed,
        accounts=parse_accounts(args.accounts) if args.accounts is not None else None,
        credentials=creds,
        start_latency=args.start_latency,
        **extra,
        token_ttl=args.token_ttl,
        rate_limit=args.rate or None,
        rate_window=args.window,
        credits=args.credits,
        task_latency=args.latency,
        faults=Faults.parse(args.faults, seed=args.seed),
    )


async def serve(config: SandboxConfig, host: str, port: int) -> None:
    async with Sandbox(config, host=host, port=port) as sb:
        gc.freeze()
        print(sb.base_url, flush=True)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.Event().wait()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(config, args.host, args.port))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

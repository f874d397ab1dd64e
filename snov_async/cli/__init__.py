"""``snov-async``: bulk enrichment from the shell.

Exit codes (also in ``--help``):

* 0 — every input row was written (row-level problems are in the ``error`` column);
* 2 — bad usage or unreadable input (missing file, no usable column);
* 3 — not enough credits to start;
* 4 — authentication failed;
* 5 — the API could not be reached or kept failing;
* 130 — interrupted.

With no ``SNOV_CLIENT_ID`` / ``SNOV_CLIENT_SECRET`` in the environment every command runs on
the built-in sandbox (fake data, no credits) and says so in one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator, Sequence

from .._client import SnovClient
from .._version import __version__
from ..errors import AuthenticationError, NotEnoughCreditsError, SnovError
from .jobs import COMMANDS, Command, Tally, estimate, run_job
from .progress import Progress
from .rows import InputError, RowWriter, find_column, open_rows, sniff_delimiter

__all__ = ["main"]

EXIT_OK, EXIT_USAGE, EXIT_CREDITS, EXIT_AUTH, EXIT_API, EXIT_INTERRUPTED = 0, 2, 3, 4, 5, 130
SANDBOX_RPM = 600.0
DEFAULT_JOURNAL = ".snov-async-journal.db"

EPILOG = """exit codes: 0 all rows written (row problems in the error column), 2 usage or input
error, 3 not enough credits, 4 authentication failed, 5 API unreachable, 130 interrupted.
Credentials come from SNOV_CLIENT_ID / SNOV_CLIENT_SECRET (and SNOV_BASE_URL); without them
the built-in sandbox is used."""


def _on_sandbox() -> bool:
    return not (os.environ.get("SNOV_CLIENT_ID") and os.environ.get("SNOV_CLIENT_SECRET"))


def _say(message: str) -> None:
    print(f"snov-async: {message}", file=sys.stderr, flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="snov-async",
        description="Bulk email finding, verification and enrichment with the Snov.io API.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"snov-async {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS.values():
        p = sub.add_parser(
            command.name,
            help=command.help,
            description=f"{command.help[0].upper()}{command.help[1:]}. Reads CSV or JSON Lines "
            "(streamed) and writes one output row per input row: the input's columns, then "
            f"{', '.join(command.columns)}.",
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument("file", help="input CSV or JSONL file ('-' reads standard input)")
        p.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
        p.add_argument("--input-format", choices=("csv", "jsonl"), help="default: by extension")
        p.add_argument("--output-format", choices=("csv", "jsonl"), help="default: by extension")
        for field in command.fields:
            p.add_argument(
                f"--{field.replace('_', '-')}-column" if len(command.fields) > 1 else "--column",
                dest=f"col_{field}",
                metavar="NAME",
                help=f"the input column holding {field} (default: found by name)",
            )
        p.add_argument(
            "--dry-run",
            action="store_true",
            help="print the requests, time and the most credits the run can cost, then stop",
        )
        p.add_argument(
            "--rpm", type=float, help="requests per minute (default 60; 600 on the sandbox)"
        )
        p.add_argument("--no-progress", action="store_true", help="no progress display")
        p.add_argument(
            "--resume",
            action="store_true",
            help="record paid work in the journal and reuse it: rerunning the same command "
            "after a crash continues without paying twice",
        )
        p.add_argument(
            "--journal",
            default=DEFAULT_JOURNAL,
            metavar="PATH",
            help=f"the journal --resume uses (default: {DEFAULT_JOURNAL})",
        )
    balance = sub.add_parser("balance", help="print the account's credit balance", epilog=EPILOG)
    balance.add_argument("--rpm", type=float, help=argparse.SUPPRESS)
    sub.add_parser(
        "sandbox",
        help="serve the local sandbox API (see 'snov-async sandbox --help')",
        add_help=False,
        prefix_chars="\0",
    ).add_argument("args", nargs=argparse.REMAINDER)
    return parser


@contextlib.asynccontextmanager
async def _client(rpm: float | None, journal: str | None = None) -> AsyncIterator[SnovClient]:
    """The real API when credentials are set, else the in-process sandbox."""
    if not _on_sandbox():
        async with SnovClient.from_env(requests_per_minute=rpm or 60.0, journal=journal) as client:
            yield client
        return
    from ..sandbox import Sandbox, SandboxConfig

    _say(
        "no SNOV_CLIENT_ID/SNOV_CLIENT_SECRET set: running on the built-in sandbox "
        "(fake data, no credits spent)"
    )
    rate = rpm or SANDBOX_RPM
    config = SandboxConfig(rate_limit=int(rate), rate_window=60.0, task_latency=(0.3, 1.2))
    async with (
        Sandbox(config) as sandbox,
        SnovClient(
            "sandbox",
            "sandbox",
            base_url=sandbox.base_url,
            requests_per_minute=rate,
            initial_task_latency=1.0,
            journal=journal,
        ) as client,
    ):
        yield client


async def _balance(args: argparse.Namespace) -> int:
    async with _client(args.rpm) as client:
        balance = await client.account.balance()
    print(f"{balance.balance} credits (subscription ends in {balance.expires_in} days)")
    return EXIT_OK


async def _enrich(args: argparse.Namespace, command: Command) -> int:
    header, rows = open_rows(args.file, args.input_format)
    columns = {
        field: find_column(header, field, getattr(args, f"col_{field}")) for field in command.fields
    }
    if args.dry_run:
        rpm = args.rpm or 60.0
        est = estimate(command, rows, columns, rpm)
        print(
            f"rows: {est.rows} ({est.unusable} unusable, {est.unique} unique to send)\n"
            f"requests: about {est.requests} at {rpm:g}/min -> about {est.seconds:.0f} s\n"
            f"credits: at most {est.max_credits}\n"
            "nothing was sent (--dry-run)"
        )
        return EXIT_OK
    names = {c: (f"snov_{c}" if c in header else c) for c in command.columns}
    # A semicolon file comes back as a semicolon file (what its spreadsheet expects).
    delimiter = sniff_delimiter(args.file) if args.input_format != "jsonl" else ","
    writer = RowWriter(args.output, header, list(names.values()), args.output_format, delimiter)
    tally = Tally()
    started = time.monotonic()
    reused = 0
    spent: object = "?"
    try:
        journal = args.journal if args.resume else None
        async with _client(args.rpm, journal) as client:
            balance = await client.account.balance()
            if balance.balance is not None and balance.balance < 1:
                _say(f"not enough credits to start (balance {balance.balance})")
                return EXIT_CREDITS
            progress = Progress(tally, client, enabled=not args.no_progress)
            async with progress:
                await run_job(client, command, rows, columns, writer, names, tally)
            reused = client.runner.cached
            after = await client.account.balance()
            if balance.balance is not None and after.balance is not None:
                spent = balance.balance - after.balance
    finally:
        writer.close()
    elapsed = time.monotonic() - started
    from_journal = f", {reused} answered from the journal" if args.resume else ""
    _say(
        f"{tally.written} rows written, {tally.errors} with an error, "
        f"{spent} {'sandbox ' if _on_sandbox() else ''}credits spent{from_journal}, "
        f"in {elapsed:.1f}s"
    )
    return EXIT_OK


async def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "balance":
        return await _balance(args)
    return await _enrich(args, COMMANDS[args.command])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if args.command == "sandbox":
        from ..sandbox.__main__ import main as sandbox_main

        return sandbox_main(args.args)
    try:
        return asyncio.run(_dispatch(args))
    except InputError as exc:
        _say(str(exc))
        return EXIT_USAGE
    except AuthenticationError as exc:
        _say(f"authentication failed: {exc.message}; check SNOV_CLIENT_ID/SNOV_CLIENT_SECRET")
        return EXIT_AUTH
    except NotEnoughCreditsError as exc:
        _say(f"not enough credits: {exc.message}")
        return EXIT_CREDITS
    except SnovError as exc:
        _say(f"the API failed: {exc}")
        return EXIT_API
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK

"""``snov-async``: bulk enrichment from the shell.

Exit codes (also in ``--help``):

* 0 — every row has an answer: ``found``, ``not_found`` or ``invalid`` (with ``--strict``,
  ``invalid`` rows count as failed);
* 2 — bad usage, or an input or output problem (missing file, not UTF-8 without
  ``--encoding``, no usable column, ``-o`` naming the input, a missing directory, a
  ``--journal`` file that is not a usable journal);
* 3 — credits ran out (before the run, or rows failed for it);
* 4 — authentication failed (before the run, or rows failed for it);
* 5 — the API could not be reached or kept failing before any row was answered;
* 6 — rows failed for another reason (their ``error`` column says why);
* 130 — interrupted (Ctrl-C); 143 — terminated (SIGTERM).

With any non-zero code the output file is left as it was, and the rows answered so far are in
``OUTPUT.partial``; ``--allow-errors`` accepts failed rows (exit 0, output written).

With no ``SNOV_CLIENT_ID`` / ``SNOV_CLIENT_SECRET`` in the environment every command runs on
the built-in sandbox (fake data, no credits); every row it writes says ``source=sandbox``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from .._client import MAX_REQUESTS_PER_MINUTE, SnovClient
from .._constants import DEFAULT_BASE_URL
from .._version import __version__
from ..errors import AuthenticationError, JournalError, NotEnoughCreditsError, SnovError
from ..journal import SQLiteJournal
from .jobs import COMMANDS, Command, Ordered, Tally, estimate, run_job
from .output import Output, OutputError, RowWriter, output_kind
from .progress import DEFAULT_EVERY, Progress
from .rows import InputError, Source, open_source

__all__ = ["main"]

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_CREDITS = 3
EXIT_AUTH = 4
EXIT_API = 5
EXIT_ROWS_FAILED = 6
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
EXIT_BROKEN_PIPE = 141

SANDBOX_RPM = 600.0
#: The sample leads file that ships inside the package (``--sample``).
SAMPLE = Path(__file__).parent / "data" / "leads.csv"
#: The journal ``--resume`` uses by default against the real API ...
DEFAULT_JOURNAL = ".snov-async-journal.db"
#: ... and on the built-in sandbox: never the same file, so fake answers never answer real runs.
SANDBOX_JOURNAL = ".snov-async-sandbox-journal.db"

EPILOG = """exit codes:
  0    every row has an answer: found, not_found or invalid (--strict: invalid fails)
  2    usage, input, output or journal problem (nothing was sent)
  3    credits ran out          4  authentication failed
  5    API unreachable          6  rows failed for another reason (see their error column)
  130  interrupted              143  terminated
On any non-zero code the output file is left as it was and the rows answered so far are
kept in OUTPUT.partial; --allow-errors accepts failed rows (exit 0, output written).

files: FILE or -o may be '-' (standard input / standard output). Input: CSV (comma,
semicolon, tab or pipe) or JSON Lines, UTF-8 (or UTF-16/32 with a byte-order mark; other
encodings with --encoding). Output: a status column (found, not_found, invalid, error,
skipped) and a source column (sandbox, or the API host) are added to every row.

Credentials come from SNOV_CLIENT_ID / SNOV_CLIENT_SECRET (and SNOV_BASE_URL); without them
the built-in sandbox is used."""


def _on_sandbox() -> bool:
    return not (os.environ.get("SNOV_CLIENT_ID") and os.environ.get("SNOV_CLIENT_SECRET"))


class _Say:
    """One-line messages on standard error (silenced by --quiet, except failures)."""

    quiet = False

    def __call__(self, message: str, *, always: bool = False) -> None:
        if always or not self.quiet:
            print(f"snov-async: {message}", file=sys.stderr, flush=True)


_say = _Say()


def _positive(text: str, what: str, high: float) -> float:
    """A finite number in (0, high] (``nan``, ``inf`` and ``-1`` are usage errors, exit 2)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} must be a number, got {text!r}") from None
    if not 0 < value <= high:  # False for NaN too
        raise argparse.ArgumentTypeError(f"{what} must be above 0 and at most {high:g}")
    return value


def _rate(text: str) -> float:
    return _positive(text, "requests per minute", MAX_REQUESTS_PER_MINUTE)


def _seconds(text: str) -> float:
    return _positive(text, "seconds", 86_400)


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
            "and writes one output row per input row, in input order: the input's columns, "
            f"then {', '.join(command.output_columns)}.",
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument(
            "file",
            nargs="?" if command.sample else None,
            help="input CSV or JSONL file ('-' reads standard input)",
        )
        if command.sample:
            p.add_argument(
                "--sample",
                action="store_true",
                help="use the sample leads file that ships with snov-async instead of FILE",
            )
        p.add_argument(
            "-o",
            "--output",
            default="-",
            metavar="OUTPUT",
            help="output file ('-', the default: standard output). Written to a temporary "
            "file and renamed into place when the run succeeds",
        )
        p.add_argument("--input-format", choices=("csv", "jsonl"), help="default: sniffed")
        p.add_argument(
            "--output-format", choices=("csv", "jsonl"), help="default: by extension, or input's"
        )
        p.add_argument(
            "--encoding",
            metavar="NAME",
            help="the input's encoding when it is not UTF-8 (e.g. cp1252, latin-1)",
        )
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
            "--rpm", type=_rate, help="requests per minute (default 60; 600 on the sandbox)"
        )
        p.add_argument(
            "--allow-errors",
            action="store_true",
            help="exit 0 and write the output even when rows failed (their status is error)",
        )
        p.add_argument(
            "--strict", action="store_true", help="count invalid rows as failed (exit 6)"
        )
        p.add_argument(
            "-q", "--quiet", action="store_true", help="no progress, no notices, no summary"
        )
        p.add_argument("--no-progress", action="store_true", help="no progress display")
        p.add_argument(
            "--progress-interval",
            type=_seconds,
            default=DEFAULT_EVERY,
            metavar="SECONDS",
            help="seconds between plain progress lines (when there is no live bar; default 5)",
        )
        p.add_argument(
            "--resume",
            action="store_true",
            help="record paid work in the journal and reuse it: rerunning the same command "
            "after a crash continues without paying twice",
        )
        p.add_argument(
            "--resend-unknown",
            action="store_true",
            help="with --resume: start again rows whose earlier start has an unknown outcome "
            "(cut off mid-request, or a task the server no longer knows); they may be "
            "charged twice",
        )
        p.add_argument(
            "--journal",
            metavar="PATH",
            help=f"the journal --resume uses (default: {DEFAULT_JOURNAL}; on the built-in "
            f"sandbox {SANDBOX_JOURNAL}; for another SNOV_BASE_URL one named after its host)",
        )
    balance = sub.add_parser("balance", help="print the account's credit balance", epilog=EPILOG)
    balance.add_argument("--rpm", type=_rate, help=argparse.SUPPRESS)
    sub.add_parser(
        "sandbox",
        help="serve the local sandbox API (see 'snov-async sandbox --help')",
        add_help=False,
        prefix_chars="\0",
    ).add_argument("args", nargs=argparse.REMAINDER)
    return parser


def default_journal() -> str:
    """The journal file ``--resume`` uses: one per API endpoint, never shared between the
    built-in sandbox, another server and the real API."""
    if _on_sandbox():
        return SANDBOX_JOURNAL
    base = os.environ.get("SNOV_BASE_URL") or DEFAULT_BASE_URL
    if base.rstrip("/") == DEFAULT_BASE_URL:
        return DEFAULT_JOURNAL
    host = re.sub(r"[^0-9A-Za-z.-]+", "_", urlsplit(base).netloc) or "other"
    return f".snov-async-journal-{host}.db"


@contextlib.asynccontextmanager
async def _client(
    rpm: float | None, journal: str | None = None, *, resend_unknown: bool = False
) -> AsyncIterator[SnovClient]:
    """The real API when credentials are set, else the in-process sandbox."""
    if not _on_sandbox():
        async with SnovClient.from_env(
            requests_per_minute=rpm or 60.0, journal=journal, resend_unknown=resend_unknown
        ) as client:
            yield client
        return
    from ..sandbox import Sandbox, SandboxConfig

    _say(
        "no SNOV_CLIENT_ID/SNOV_CLIENT_SECRET set: running on the built-in sandbox "
        "(fake data, no credits spent; rows are marked source=sandbox)"
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
            resend_unknown=resend_unknown,
            # The built-in sandbox listens on a new port every run: one stable identity lets
            # --resume find the (separate) sandbox journal's records again.
            scope="snov-async-builtin-sandbox",
        ) as client,
    ):
        yield client


async def _source_label(client: SnovClient) -> str:
    """What the ``source`` column says: ``sandbox`` for any snov_async sandbox (built in, or
    served by ``snov-async sandbox``), ``snov.io`` for the real API, else the API's host."""
    if _on_sandbox():
        return "sandbox"
    host = urlsplit(client.base_url).netloc
    if client.base_url.rstrip("/") == DEFAULT_BASE_URL:
        return "snov.io"
    try:  # only snov_async's sandbox answers this path
        await client._http.request("GET", "/__sandbox__/stats", auth=False)
    except SnovError:
        return host
    return "sandbox"


async def _balance(args: argparse.Namespace) -> int:
    async with _client(args.rpm) as client:
        balance = await client.account.balance()
    print(f"{balance.balance} credits (subscription ends in {balance.expires_in} days)")
    return EXIT_OK


@contextlib.contextmanager
def _input_path(args: argparse.Namespace) -> Iterator[str]:
    sample = getattr(args, "sample", False)
    if sample and args.file is not None:
        raise InputError("give either FILE or --sample, not both")
    if sample:
        yield str(SAMPLE)
        return
    if args.file is None:
        raise InputError("no input: give FILE ('-' for standard input) or --sample")
    yield args.file


def _exit_code(tally: Tally, args: argparse.Namespace) -> int:
    failed = tally.failed + (tally.invalid if args.strict else 0)
    if failed == 0 or args.allow_errors:
        return EXIT_OK
    if tally.failures["NotEnoughCreditsError"]:
        return EXIT_CREDITS
    if tally.failures["AuthenticationError"]:
        return EXIT_AUTH
    return EXIT_ROWS_FAILED


def _rerun_hint(t: Tally, args: argparse.Namespace) -> str:
    """What a rerun does for the failed rows: rows of unknown outcome (a start cut off, a
    task the server lost) are not started again unless asked, so "rerun them" alone would
    fail them again."""
    unknown = t.failures["OutcomeUnknownError"] + t.failures["NotFoundError"]
    if unknown and args.resume and not args.resend_unknown:
        return (
            f"rerun them ({unknown} of unknown outcome start again only with "
            "--resend-unknown, and may be charged twice)"
        )
    return "rerun them"


def _counts(t: Tally) -> str:
    text = f"{t.found} found, {t.not_found} not found, {t.invalid} invalid, {t.failed} failed"
    if t.skipped:
        text += f", {t.skipped} skipped"
    if t.failures:
        text += " (" + ", ".join(f"{n}: {k}" for n, k in t.failures.most_common()) + ")"
    return text


class _Stopped(Exception):
    def __init__(self, signum: int) -> None:
        self.signum = signum


class _ForTheShell(logging.Filter):
    """The runner's "closing with N started tasks not collected ... see runner.unfinished"
    names Python calls a shell user cannot make: said instead as a ``snov-async:`` line with
    what the user can do (``--resume``)."""

    def __init__(self, resume: bool) -> None:
        super().__init__()
        self.resume = resume

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg.startswith("closing with %d started tasks not collected"):
            started, unknown = record.args if isinstance(record.args, tuple) else (0, 0)
            record.msg = (
                "snov-async: %d tasks started (and paid for) were not collected, %d starts "
                "of unknown outcome: their rows are marked skipped; "
                + (
                    "rerun the same command to collect them without paying again"
                    if self.resume
                    else "run with --resume to make a stopped run resumable"
                )
            )
            record.args = (started, unknown)
        return True


class _Signals:
    """SIGINT and SIGTERM while a run is under way: the first cancels the job; every later
    one is only noted until the run has put away what it answered (closed the client, kept
    the paid rows in ``OUT.partial``). A second Ctrl-C used to break that clean-up: the
    answered rows were lost and the hidden ``.tmp`` file was left behind."""

    def __init__(self) -> None:
        self.received: list[int] = []
        self._job: asyncio.Future[None] | None = None
        self._installed: list[int] = []

    def _stop(self, signum: int) -> None:
        self.received.append(signum)
        if len(self.received) == 1 and self._job is not None:
            self._job.cancel()
        elif len(self.received) == 2:
            _say("stopping: keeping the rows answered so far (a moment)", always=True)

    async def run(self, job: asyncio.Future[None]) -> None:
        """Await ``job``; SIGINT or SIGTERM cancels it and raises `_Stopped`."""
        loop = asyncio.get_running_loop()
        self._job = job
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, self._stop, signum)
                self._installed.append(signum)
            except (NotImplementedError, RuntimeError, ValueError):  # pragma: no cover
                pass
        try:
            await job
        except asyncio.CancelledError:
            if self.received:
                raise _Stopped(self.received[0]) from None
            raise

    def remove(self) -> None:
        """Back to the default handlers (the run has finished putting its rows away)."""
        if not self._installed:
            return
        loop = asyncio.get_running_loop()
        for signum in self._installed:
            loop.remove_signal_handler(signum)
            if self.received:  # stopping already: one more Ctrl-C must not kill the exit
                signal.signal(signum, signal.SIG_IGN)
        self._installed.clear()


async def _enrich(args: argparse.Namespace, command: Command) -> int:
    with _input_path(args) as input_path:
        return await _enrich_file(args, command, input_path)


async def _enrich_file(args: argparse.Namespace, command: Command, input_path: str) -> int:
    signals = _Signals()
    shell = _ForTheShell(bool(args.resume))
    logging.getLogger("snov_async").addFilter(shell)
    try:
        return await _run_file(args, command, input_path, signals)
    finally:
        signals.remove()
        logging.getLogger("snov_async").removeFilter(shell)


async def _run_file(
    args: argparse.Namespace, command: Command, input_path: str, signals: _Signals
) -> int:
    # Everything that can be checked is checked before any request.
    output = Output(args.output, input_path)
    if args.resume:  # the journal is the record of paid work: never renamed over
        output.refuse(args.journal or default_journal(), "the journal")
    explicit = {f: getattr(args, f"col_{f}") for f in command.fields}
    source = open_source(
        input_path,
        command.fields,
        columns=explicit,
        fmt=args.input_format,
        encoding=args.encoding,
    )
    try:
        return await _run_source(args, command, output, source, signals)
    finally:
        # The input is closed now, not by the garbage collector (a ResourceWarning under
        # ``python -X dev``): the runner need not read the rows to their end.
        close = getattr(source.rows, "close", None)
        if close is not None:
            close()


async def _run_source(
    args: argparse.Namespace,
    command: Command,
    output: Output,
    source: Source,
    signals: _Signals,
) -> int:
    if args.dry_run:
        rpm = args.rpm or 60.0
        est = estimate(command, source.rows, rpm)
        print(
            f"rows: {est.rows} ({est.unusable} unusable, {est.unique} unique to send)\n"
            f"requests: about {est.requests} at {rpm:g}/min -> about {est.seconds:.0f} s\n"
            f"credits: at most {est.max_credits}\n"
            "nothing was sent (--dry-run)"
        )
        return EXIT_OK
    names = {c: (f"snov_{c}" if c in source.header else c) for c in command.output_columns}
    kind = output_kind(args.output, args.output_format, source.kind)
    tally = Tally(total=source.total)
    started = time.monotonic()
    spent: object = "?"
    stopped: int | None = None
    journal = (args.journal or default_journal()) if args.resume else None
    ordered: Ordered | None = None
    try:
        if journal is not None:
            await _check_journal(journal)  # a file that is not a journal: exit 2, nothing sent
        async with _client(args.rpm, journal, resend_unknown=args.resend_unknown) as client:
            label = await _source_label(client)
            balance = await client.account.balance()
            if balance.balance is not None and balance.balance < 1:
                _say(f"not enough credits to start (balance {balance.balance})", always=True)
                return EXIT_CREDITS
            writer = RowWriter(
                output.open(),
                kind,
                [*source.header, *names.values()],
                source.delimiter,
                guarded=names.values(),
            )
            ordered = Ordered(command, writer, names, tally, label)
            quiet = args.quiet or args.no_progress
            async with Progress(tally, client, command, quiet=quiet, every=args.progress_interval):
                job = asyncio.ensure_future(run_job(client, command, source.rows, ordered))
                try:
                    await signals.run(job)
                except _Stopped as stop:
                    stopped = stop.signum
            if stopped is None:
                with contextlib.suppress(SnovError):
                    after = (await client.account.balance()).balance
                    if balance.balance is not None and after is not None:
                        spent = balance.balance - after
    except Exception as exc:
        # A fatal error mid-run: the output is not touched; what was answered is kept.
        if ordered is not None:
            with contextlib.suppress(Exception):
                ordered.skip_the_rest()
        code, message = _fatal(exc)
        if code is None:
            raise
        _kept(output, tally, message)
        return code
    except BaseException:
        output.discard()
        raise
    elapsed = time.monotonic() - started
    if stopped is not None:
        if ordered is not None:
            ordered.skip_the_rest()
        what = "interrupted" if stopped == signal.SIGINT else "terminated"
        _kept(output, tally, f"{what} after {tally.answered - tally.skipped} of {tally.total} rows")
        return EXIT_INTERRUPTED if stopped == signal.SIGINT else EXIT_TERMINATED
    code = _exit_code(tally, args)
    if code != EXIT_OK:
        failed = tally.failed + (tally.invalid if args.strict else 0)
        _kept(
            output,
            tally,
            f"{failed} of {tally.total} rows failed ({_counts(tally)}); "
            + _rerun_hint(tally, args)
            + ", or accept them with --allow-errors",
        )
        return code
    output.commit()
    on = "sandbox " if label == "sandbox" else ""
    summary = f"{tally.total} rows: {_counts(tally)}; {spent} {on}credits spent"
    if args.resume:
        summary += f", {client.runner.cached} answered from the journal"
    where = "" if output.streams else f" -> {args.output}"
    _say(f"{summary}, in {elapsed:.1f}s{where}")
    return EXIT_OK


async def _check_journal(path: str) -> None:
    """Open the journal once before anything is read or sent: `JournalError` if the file
    exists and is not a usable journal (a new file is created, as the run would)."""
    probe = SQLiteJournal(path)
    try:
        await probe.lookup("snov-async/check", ["-"])
    finally:
        await probe.close()


def _fatal(exc: BaseException) -> tuple[int | None, str]:
    """The exit code and the one line for an error that stops a run (``None``: a bug)."""
    if isinstance(exc, (InputError, OutputError)):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, JournalError):
        return EXIT_USAGE, f"the journal cannot be used: {exc.message}"
    if isinstance(exc, AuthenticationError):
        return EXIT_AUTH, (
            f"authentication failed: {exc.message}; check SNOV_CLIENT_ID/SNOV_CLIENT_SECRET"
        )
    if isinstance(exc, NotEnoughCreditsError):
        return EXIT_CREDITS, f"not enough credits: {exc.message}"
    if isinstance(exc, SnovError):
        return EXIT_API, f"the API failed: {exc}"
    if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
        return EXIT_USAGE, f"could not write the output: {exc.strerror or exc}"
    return None, ""


def _kept(output: Output, tally: Tally, what: str) -> None:
    """Leave the output as it was, keep the rows written so far in OUTPUT.partial, and say
    so in one line."""
    partial = output.keep_partial(tally.written)
    if output.streams:
        _say(f"{what}; {tally.written} rows were written", always=True)
    elif partial is None:
        _say(f"{what}; {output.path} was left as it was", always=True)
    else:
        _say(
            f"{what}; {output.path} was left as it was; the {tally.written} rows so far, "
            f"each with its status, are in {partial}",
            always=True,
        )


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
    if getattr(args, "resend_unknown", False) and not args.resume:
        parser.error("--resend-unknown needs --resume (only the journal knows those rows)")
    _say.quiet = bool(getattr(args, "quiet", False))
    try:
        return asyncio.run(_dispatch(args))
    except BrokenPipeError:
        # The reader of standard output went away (``| head``): stop quietly, as cat does.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the interpreter closes it
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        _say("interrupted", always=True)
        return EXIT_INTERRUPTED
    except Exception as exc:
        code, message = _fatal(exc)
        if code is None:
            raise
        _say(message, always=True)
        return code

"""Running ``snov-async`` for real: a subprocess, real files, and a sandbox server."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

#: ``python -m snov_async`` is the ``snov-async`` script of this environment.
CLI = [sys.executable, "-m", "snov_async"]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without credentials (so: the built-in sandbox) plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNOV_")}
    env.pop("COLUMNS", None)
    env.update(extra)
    return env


def run_cli(
    args: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
    timeout: float = 90,
) -> subprocess.CompletedProcess[str]:
    """Run the command to its end; stdout and stderr are captured as text."""
    return subprocess.run(
        [*CLI, *args],
        cwd=cwd,
        env=env if env is not None else clean_env(),
        input=stdin.decode("latin-1") if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_cli_bytes(
    args: Sequence[str], *, cwd: Path, stdin: bytes, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Like `run_cli`, with raw bytes on standard input."""
    return subprocess.run(
        [*CLI, *args],
        cwd=cwd,
        env=env if env is not None else clean_env(),
        input=stdin,
        capture_output=True,
        timeout=90,
        check=False,
    )


def read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=delimiter))


def emails_csv(path: Path, count: int, *, start: int = 0) -> Path:
    path.write_text(
        "email\n" + "".join(f"user{i}@firm{i}.com\n" for i in range(start, start + count)),
        encoding="utf-8",
    )
    return path


class SandboxServer:
    """``python -m snov_async.sandbox`` in a subprocess, on a free loopback port."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "snov_async.sandbox", "--port", "0", *args],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.url

    def env(
        self, client_id: str = "cli-test", secret: str = "secret", **extra: str
    ) -> dict[str, str]:
        """The environment of a CLI run against this server (credentials by environment)."""
        return clean_env(
            SNOV_CLIENT_ID=client_id,
            SNOV_CLIENT_SECRET=secret,
            SNOV_BASE_URL=self.url,
            **extra,
        )

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """A quick sandbox server shared by a module's tests (each test uses its own client id,
    so its own account: credits, tasks and rate window)."""
    sb = SandboxServer("--rate", "0", "--latency", "0.02:0.08")
    yield sb
    sb.stop()


@pytest.fixture
def account(request: pytest.FixtureRequest) -> str:
    """A client id of the test's own (one sandbox account per test)."""
    return "acct-" + request.node.name[:60]

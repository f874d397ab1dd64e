"""The test suite on every supported Python present on this machine.

    nox                      # every supported interpreter found (missing ones are skipped)
    nox -s tests-3.12        # one of them
    nox -s docs              # mkdocs build --strict

Interpreters are found on PATH (``python3.10`` ...) or in pyenv's directory; nothing is
downloaded. CI (``.ci/run``) runs the README's test command on its own interpreter first and
then this file's ``tests`` session on the others.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]

nox.options.sessions = ["tests"]
nox.options.error_on_missing_interpreters = False
nox.options.download_python = "never"
nox.options.reuse_venv = "yes"


def _pyenv_first() -> None:
    """Put pyenv's installed interpreters on PATH before its shims (which refuse versions
    that are not selected), so that ``python3.X`` finds each one."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if not root.is_dir():
        return
    bins = [str(b) for v in PYTHONS for b in sorted(root.glob(f"{v}.*/bin"))[-1:]]
    os.environ["PATH"] = os.pathsep.join([*bins, os.environ.get("PATH", "")])


_pyenv_first()


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """``pip install -e '.[dev]' && python -m pytest -q`` (the README's command)."""
    session.install("-e", ".[dev]")
    session.run("python", "-m", "pytest", "-q", *session.posargs, success_codes=[0, 5])


@nox.session(python=False)
def docs(session: nox.Session) -> None:
    """Build the documentation site; every warning is an error."""
    session.run("mkdocs", "build", "--strict", "--site-dir", "site", external=True)

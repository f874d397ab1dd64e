"""The sandbox is an independent witness: it imports nothing of the SDK, and its tables are its
own extraction of the reference."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from snov_async.sandbox import tables

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = ROOT / "snov_async" / "sandbox"
REFERENCE = ROOT.parent.parent / "shared" / "reference" / "snov-api-reference.zh.txt"


def _sdk_imports(path: Path) -> list[str]:
    """Imports in ``path`` that reach into snov_async outside the sandbox."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level >= 2:
                bad.append(f"{path.name}:{node.lineno} from {'.' * node.level}{node.module or ''}")
            elif (
                node.level == 0
                and (node.module or "").split(".")[0] == "snov_async"
                and not (node.module or "").startswith("snov_async.sandbox")
            ):
                bad.append(f"{path.name}:{node.lineno} from {node.module}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.name
                if name == "snov_async" or (
                    name.startswith("snov_async.") and not name.startswith("snov_async.sandbox")
                ):
                    bad.append(f"{path.name}:{node.lineno} import {name}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value
            if value.startswith("snov_async.") and not value.startswith("snov_async.sandbox"):
                bad.append(f"{path.name}:{node.lineno} names {value!r}")
    return bad


def test_nothing_under_the_sandbox_imports_the_sdk() -> None:
    files = sorted(SANDBOX.rglob("*.py"))
    assert len(files) >= 10
    bad = [hit for path in files for hit in _sdk_imports(path)]
    assert bad == []


def test_the_import_scan_catches_each_way_of_reaching_the_sdk(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from ..models.senders import SMTP_PAIRS\n"
        "from snov_async._tables import TIMEZONES\n"
        "import snov_async.errors\n"
        "importlib.import_module('snov_async.models')\n"
        "from . import data\n"
        "from snov_async.sandbox import tables\n"
    )
    assert len(_sdk_imports(probe)) == 4


def test_the_sandbox_modules_load_without_the_sdk_modules() -> None:
    # Importing the package runs snov_async/__init__ first; the sandbox's own modules must not
    # pull in any SDK module beyond what that parent import loads by itself.
    code = (
        "import sys, snov_async;"
        "before = {m for m in sys.modules if m.startswith('snov_async')};"
        "import snov_async.sandbox, snov_async.sandbox.app, snov_async.sandbox.__main__;"
        "after = {m for m in sys.modules if m.startswith('snov_async')};"
        "print(sorted(m for m in after - before if not m.startswith('snov_async.sandbox')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_tables_carry_reference_lines() -> None:
    data = json.loads((SANDBOX / "reference_tables.json").read_text(encoding="utf-8"))
    assert len(data["operations"]) == 69
    assert all(
        isinstance(p["line"], int) for op in data["operations"] for p in op["params"].values()
    )
    assert len(tables.TIMEZONES) == 448 and max(tables.TIMEZONES) == 458
    assert tables.TIMEZONES[5] == ("America/Los Angeles", "-08:00")
    assert "America/Los_Angeles" in tables.ZONES and "America/Los Angeles" in tables.ZONES
    assert len(tables.CURRENCIES) == 119 and tables.CURRENCIES["USD"][0] == 1
    smtp, imap = tables.SMTP_PAIRS, tables.IMAP_PAIRS
    assert smtp == {25: {"none"}, 465: {"ssl"}, 587: {"tls"}}
    assert imap == {143: {"none"}, 993: {"ssl", "tls"}}
    assert tables.WAIT_LIMITS == {"minutes": 43200, "hours": 720, "days": 30}
    assert tables.MAX_WEBHOOKS == 50
    assert tables.WEBHOOK_LADDER == (0, 1200, 2400, 3600, 14400, 28800, 86400)
    assert sum(len(a) for a in tables.WEBHOOK_EVENTS.values()) == 17
    assert tables.facts("POST /v2/sender-accounts/emails", "limitation") == {
        "line": 864,
        "min": 1,
        "max": 1200,
        "default": 50,
    }


@pytest.mark.skipif(not REFERENCE.exists(), reason="the reference text is not beside the repo")
def test_the_tables_are_a_fresh_extraction_of_the_reference(tmp_path: Path) -> None:
    out = tmp_path / "tables.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "extract_sandbox_tables.py"),
            str(REFERENCE),
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(
        (SANDBOX / "reference_tables.json").read_text(encoding="utf-8")
    )

"""MkDocs hook: resolve every "reference line N" cited in the code on the operation index page.

For each citation in ``snov_async`` it finds the operation of the index whose ref line is the
largest one not above N, and appends the table to ``api-index.md``. A citation before the
first operation or far past the last one fails the build (``mkdocs build --strict``).
"""

from __future__ import annotations

import ast
import bisect
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CITATION = re.compile(r"reference lines? (\d+)(?:\s*-\s*(\d+))?")
ROW = re.compile(r"^\| (\d+) \| ([A-Z]+) \| (\S+) \|.*\| (\d+) \|\s*$")
#: The last operation's section runs this many lines past its start, at most.
LAST_SECTION = 200


def operations(index_text: str) -> list[tuple[int, str, str, str]]:
    """``(ref line, number, method, path)`` of every operation row, sorted by ref line."""
    rows = []
    for line in index_text.splitlines():
        m = ROW.match(line)
        if m:
            rows.append((int(m.group(4)), m.group(1), m.group(2), m.group(3)))
    return sorted(rows)


def _where(tree: ast.Module, lineno: int) -> str:
    """The innermost class or function around ``lineno`` (``Class.method``)."""
    best: list[str] = []

    def walk(node: ast.AST, trail: list[str]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                end = getattr(child, "end_lineno", child.lineno)
                if child.lineno <= lineno <= end:
                    best[:] = [*trail, child.name]
                    walk(child, [*trail, child.name])

    walk(tree, [])
    return ".".join(best)


def citations(package: Path) -> list[tuple[str, int, int | None]]:
    """``(where, first line, last line)`` for every citation in the package's code."""
    found = []
    for file in sorted(package.rglob("*.py")):
        text = file.read_text(encoding="utf-8")
        tree = ast.parse(text)
        module = ".".join(file.relative_to(package.parent).with_suffix("").parts)
        for number, line in enumerate(text.splitlines(), start=1):
            for m in CITATION.finditer(line):
                inner = _where(tree, number)
                where = f"{module}.{inner}" if inner else module
                found.append((where, int(m.group(1)), int(m.group(2)) if m.group(2) else None))
    return found


def resolve(index_text: str, package: Path) -> list[tuple[str, str, str]]:
    """``(where, cited lines, operation)`` rows; raises for a citation that resolves to none."""
    ops = operations(index_text)
    starts = [o[0] for o in ops]
    rows = []
    for where, first, last in citations(package):
        i = bisect.bisect_right(starts, first) - 1
        if i < 0 or first > starts[-1] + LAST_SECTION:
            raise ValueError(f"{where}: reference line {first} is outside the operation index")
        ref, number, method, path = ops[i]
        lines = f"{first}-{last}" if last else str(first)
        rows.append((where, lines, f"#{number} {method} `{path}` (line {ref})"))
    return rows


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    if page.file.src_uri == "sandbox-rules.md":
        return _rules_markdown(markdown)
    if page.file.src_uri != "api-index.md":
        return markdown
    rows = resolve(markdown, ROOT / "snov_async")
    table = ["", "## Every citation in the code", "", "| where | reference line | operation |"]
    table.append("|---|---|---|")
    table += [f"| `{w}` | {lines} | {op} |" for w, lines, op in rows]
    return markdown + "\n".join(table) + "\n"


def _escape_statement(line: str) -> str:
    """Square brackets in the rules table's statement column (regular expressions such as
    ``[a-zA-Z0-9-.]``) are text, not cross-references."""
    cells = line.split(" | ")
    if line.startswith("| `") and len(cells) >= 5:
        cells[3] = cells[3].replace("[", "\\[").replace("]", "\\]")
    return " | ".join(cells)


def _rules_markdown(markdown: str) -> str:
    return "\n".join(_escape_statement(line) for line in markdown.splitlines()) + "\n"

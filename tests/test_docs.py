"""The documentation site: every resource has its reference page, and every "reference line
N" cited in the code resolves to an operation of the index the docs ship.

(CI builds the site itself with ``mkdocs build --strict``; these checks need no mkdocs.)"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"


def hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("citations", DOCS / "_hooks" / "citations.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_index_lists_all_69_operations() -> None:
    ops = hook().operations((DOCS / "api-index.md").read_text(encoding="utf-8"))
    assert [int(o[1]) for o in sorted(ops, key=lambda o: int(o[1]))] == list(range(1, 70))


def test_every_reference_line_in_the_code_resolves_to_an_operation() -> None:
    citations = hook()
    rows = citations.resolve(
        (DOCS / "api-index.md").read_text(encoding="utf-8"), ROOT / "snov_async"
    )
    assert len(rows) >= 150
    # A method that names its path and its line points at that very operation.
    by_where = {where: op for where, _, op in rows}
    assert "`/v1/get-balance`" in by_where["snov_async.resources.account.AccountResource.balance"]


def test_a_citation_outside_the_index_fails_the_build(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "m.py").write_text('"""Nothing here (reference line 9)."""\n')
    with pytest.raises(ValueError, match="outside the operation index"):
        hook().resolve((DOCS / "api-index.md").read_text(encoding="utf-8"), package)


def test_every_resource_module_has_a_reference_page_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    modules = sorted(
        p.stem
        for p in (ROOT / "snov_async" / "resources").glob("*.py")
        if not p.stem.startswith("_")
    )
    for name in modules:
        page = DOCS / "reference" / "resources" / f"{name}.md"
        assert f"reference/resources/{name}.md" in nav
        assert re.search(
            rf"^::: snov_async\.resources\.{name}\.\w+Resource$", page.read_text(), re.M
        )


def test_the_readme_sections_the_docs_include_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in DOCS.rglob("*.md"):
        for name in re.findall(r'--8<-- "README\.md:(\w+)"', page.read_text(encoding="utf-8")):
            assert f"--8<-- [start:{name}]" in readme and f"--8<-- [end:{name}]" in readme

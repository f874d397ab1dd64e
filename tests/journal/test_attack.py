"""A `SQLiteJournal` made with settings it cannot use: refused when it is made, naming the
setting (`ConfigurationError`) -- not accepted and failing at the first paid batch with a
message blaming "another program" (a NUL in the path, a busy_timeout given as a string), nor
accepted for good (``busy_timeout=nan``)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from snov_async import ConfigurationError
from snov_async.journal import SQLiteJournal


@pytest.mark.parametrize("path", ["", "   ", "runs\x00.db", 5, None, b"runs.db", ["runs.db"]])
def test_a_path_that_cannot_be_a_file_is_refused_when_made(path: Any) -> None:
    with pytest.raises(ConfigurationError) as info:
        SQLiteJournal(path)
    assert info.value.field == "path"


@pytest.mark.parametrize("busy_timeout", [math.nan, math.inf, -1, "5", True, None, [5]])
def test_a_busy_timeout_that_is_not_seconds_is_refused_when_made(
    tmp_path: Path, busy_timeout: Any
) -> None:
    with pytest.raises(ConfigurationError) as info:
        SQLiteJournal(tmp_path / "runs.db", busy_timeout=busy_timeout)
    assert info.value.field == "busy_timeout"


async def test_good_settings_still_open(tmp_path: Path) -> None:
    journal = SQLiteJournal(str(tmp_path / "runs.db"), busy_timeout=0)
    assert await journal.lookup("op", ["a"]) == {}
    await journal.close()

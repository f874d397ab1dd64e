"""Writing output rows without ever destroying a file the user had.

* Rows go to a hidden temporary file in the output's own directory
  (``.NAME.XXXXXXXX.tmp``), which replaces the output in one rename when the run succeeds —
  so a file that existed before is either the old one or the complete new one, never a mix.
* A run that fails or is interrupted leaves the output untouched; the rows it answered
  (already paid for) are kept in ``NAME.partial`` next to it.
* ``-o`` naming the input (the same path, or the same file through a hard or symbolic link)
  is refused before anything is read or sent; so is a missing directory.
* ``-o -`` (the default) streams to standard output as rows are answered.

A symbolic link given as output is followed: its target is what gets replaced. An output
that exists and is not a regular file (a FIFO, ``/dev/stdout``, ``/dev/null``, the
``/dev/fd/N`` of a shell's ``>(...)``) is written to directly, as standard output is: it is
never replaced by a file.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import stat
import sys
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import IO, Any

__all__ = ["OutputError", "Output", "output_kind"]


class OutputError(Exception):
    """The output cannot be written where asked (missing directory, the input file ...)."""


def output_kind(path: str, requested: str | None, input_kind: str) -> str:
    """CSV or JSON Lines: as asked, else by extension, else like the input."""
    if requested:
        return requested
    lower = path.lower()
    if lower.endswith((".jsonl", ".ndjson", ".jsonlines")):
        return "jsonl"
    if lower.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    return input_kind


class Output:
    """Where the rows go: checked when made, written through a temporary file."""

    def __init__(self, path: str, input_path: str) -> None:
        self.path = path
        self.to_stdout = path == "-"
        #: A FIFO or a device named by ``-o``: written to directly, like standard output.
        self.device: str | None = None
        self.target: Path | None = None
        self.partial_path: Path | None = None
        self._tmp: Path | None = None
        self._out: IO[str] | None = None
        if self.to_stdout:
            return
        try:
            mode = os.stat(path).st_mode  # follows links, /dev/stdout and /dev/fd/N too
        except OSError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            if input_path != "-" and _same_file(path, input_path):
                raise OutputError(f"-o {path} is the input file; write the output elsewhere")
            self.device = path
            return
        given = Path(path)
        if path.endswith(("/", os.sep)) or given.is_dir():
            raise OutputError(f"-o {path} is a directory; name a file in it")
        # Follow a symbolic link: its target is the file the user means.
        target = Path(os.path.realpath(given))
        if not target.parent.is_dir():
            raise OutputError(f"cannot write {path}: no such directory {given.parent}")
        if input_path != "-" and target.exists():
            try:
                same = os.path.samefile(target, input_path)
            except OSError:
                same = False
            if same:
                how = " (through a link)" if path != input_path else ""
                raise OutputError(
                    f"-o {path} is the input file{how}; write the output to another file "
                    "(the input is left as it is)"
                )
        if not os.access(target.parent, os.W_OK | os.X_OK):
            raise OutputError(f"cannot write in {target.parent}: permission denied")
        if target.exists() and not os.access(target, os.W_OK):
            raise OutputError(f"cannot write {path}: permission denied")
        self.target = target
        self.partial_path = target.with_name(target.name + ".partial")

    @property
    def streams(self) -> bool:
        """Rows go straight out (standard output, a FIFO, a device): nothing to put in place."""
        return self.target is None

    def refuse(self, other: str, what: str) -> None:
        """`OutputError` if the output is ``other`` (the same path, or the same file through a
        hard or symbolic link): the journal must never be renamed over."""
        if self.target is None:
            return
        if os.path.realpath(other) == str(self.target) or _same_file(other, self.target):
            raise OutputError(
                f"-o {self.path} is {what}; write the output to another file "
                f"({what.removeprefix('the ')} is left as it is)"
            )

    def open(self) -> IO[str]:
        """The stream to write rows to (a temporary file, the device, or standard output)."""
        if self.device is not None:
            try:
                self._out = open(self.device, "w", encoding="utf-8", newline="")  # noqa: SIM115
            except OSError as exc:
                raise OutputError(f"cannot write {self.device}: {exc.strerror}") from None
            return self._out
        if self.target is None:
            return sys.stdout
        try:
            fd, tmp = tempfile.mkstemp(
                dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".tmp"
            )
        except OSError as exc:
            raise OutputError(f"cannot write in {self.target.parent}: {exc.strerror}") from None
        self._tmp = Path(tmp)
        self._out = os.fdopen(fd, "w", encoding="utf-8", newline="")
        return self._out

    def _finish(self, dest: Path, *, replace: bool = True) -> Path:
        """Put the temporary file in place at ``dest`` (``replace=False``: at the first of
        ``dest``, ``dest.2``, ``dest.3`` ... that does not exist). On any failure (a full
        disk, ...) the temporary file is removed, never left behind."""
        assert self._out is not None and self._tmp is not None
        out, tmp = self._out, self._tmp
        self._out = self._tmp = None
        try:
            try:
                out.flush()
                os.fsync(out.fileno())
            finally:
                out.close()
            # mkstemp makes the file private (0600): give it the old file's mode, or the usual.
            mode = dest.stat().st_mode & 0o7777 if dest.exists() else _default_mode()
            os.chmod(tmp, mode)
            if replace:
                os.replace(tmp, dest)
                return dest
            return _link_new(tmp, dest)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise

    def commit(self) -> None:
        """Put the complete output in place (one rename)."""
        if self.target is None:
            self._close_stream()
            return
        try:
            self._finish(self.target)
        except OSError as exc:
            raise OutputError(
                f"could not put the output in place at {self.path}: {exc.strerror or exc}"
            ) from None

    def keep_partial(self, rows: int) -> Path | None:
        """After a failure: the rows written so far go to ``NAME.partial`` (when there are
        any); the output itself is left untouched. Returns the partial file's path.

        An existing ``NAME.partial`` (an earlier failed run's paid rows) is never replaced:
        the rows then go to ``NAME.partial.2`` (``.3`` ...)."""
        if self.target is None:
            with contextlib.suppress(OSError):
                self._close_stream()
            return None
        if self._out is None:
            return None
        assert self.partial_path is not None
        if rows == 0:
            self.discard()
            return None
        try:
            return self._finish(self.partial_path, replace=False)
        except OSError:
            return None

    def _close_stream(self) -> None:
        if self.device is None:
            sys.stdout.flush()
            return
        out, self._out = self._out, None
        if out is not None:
            out.close()

    def discard(self) -> None:
        """Forget the temporary file (nothing is kept)."""
        out, tmp = self._out, self._tmp
        self._out = self._tmp = None
        if out is not None:
            with contextlib.suppress(OSError):
                out.close()
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _link_new(tmp: Path, dest: Path) -> Path:
    """Give ``tmp`` the first free name of ``dest``, ``dest.2``, ``dest.3`` ... without ever
    replacing a file (a hard link fails if the name exists), then drop ``tmp``."""
    for n in range(1, 10_000):
        name = dest if n == 1 else dest.with_name(f"{dest.name}.{n}")
        try:
            os.link(tmp, name)
        except FileExistsError:
            continue
        except OSError:  # no hard links here (FAT, some network file systems)
            if name.exists():
                continue
            os.replace(tmp, name)
            return name
        tmp.unlink(missing_ok=True)
        return name
    raise FileExistsError(f"{dest}: too many earlier partial files")


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


class RowWriter:
    """Writes output rows in CSV or JSON Lines as they come, flushing each one."""

    def __init__(
        self,
        out: IO[str],
        kind: str,
        columns: list[str],
        delimiter: str = ",",
        guarded: Collection[str] = (),
    ) -> None:
        self.kind = kind
        self._out = out
        self.columns = columns
        #: Columns whose text comes from the API (a LinkedIn name, a title, a server's
        #: message): in CSV, a cell that a spreadsheet would run as a formula is defused.
        self.guarded = frozenset(guarded)
        self._csv: csv.DictWriter[str] | None = None
        if kind == "csv":
            self._csv = csv.DictWriter(
                out, fieldnames=columns, extrasaction="ignore", delimiter=delimiter
            )
            self._csv.writeheader()
            out.flush()
        self.written = 0

    def write(self, row: dict[str, Any]) -> None:
        if self._csv is not None:
            self._csv.writerow(
                {k: _defused(_cell(v)) if k in self.guarded else _cell(v) for k, v in row.items()}
            )
        else:
            self._out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        self._out.flush()
        self.written += 1


#: What makes Excel, LibreOffice and Google Sheets read a cell as a formula (OWASP, "CSV
#: injection"): anyone can put ``=HYPERLINK(...)`` in their LinkedIn name or title.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _defused(value: Any) -> Any:
    """A text starting like a formula gets a leading ``'`` (shown as text by spreadsheets)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return value

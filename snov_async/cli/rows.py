"""Reading input rows and writing output rows for the command line, streamed.

Input is CSV or JSON Lines. CSV is read as UTF-8 with or without a byte-order mark; blank lines
are skipped; cells are trimmed; a row with more cells than the header (an unquoted comma) has
the overflow joined back into its last column; a short row is padded. Columns are found by
name, case-insensitively, with common aliases (``E-mail``, ``First Name``, ``Website`` ...).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import attrs

__all__ = [
    "ALIASES",
    "sniff_delimiter",
    "InputError",
    "Row",
    "RowWriter",
    "find_column",
    "normalise_header",
    "open_rows",
]

#: Accepted header names for each field the commands need (after `normalise_header`).
ALIASES: dict[str, tuple[str, ...]] = {
    "email": (
        "email",
        "e_mail",
        "email_address",
        "e_mail_address",
        "emailaddress",
        "mail",
        "work_email",
        "business_email",
        "contact_email",
    ),
    "first_name": ("first_name", "firstname", "first", "given_name", "name_first"),
    "last_name": ("last_name", "lastname", "last", "surname", "family_name", "name_last"),
    "domain": ("domain", "company_domain", "website", "company_website", "site", "url_domain"),
    "company": ("company", "company_name", "name", "organisation", "organization", "account"),
    "linkedin": (
        "linkedin",
        "linkedin_url",
        "linkedin_profile",
        "profile_url",
        "linkedin_profile_url",
        "url",
        "profile",
    ),
}


#: Fragments that identify a column when no alias matches exactly (used only if one matches).
FUZZY: dict[str, tuple[str, ...]] = {
    "email": ("mail",),
    "first_name": ("first", "given"),
    "last_name": ("last", "surname", "family"),
    "domain": ("domain", "website", "site"),
    "company": ("company", "organi", "employer"),
    "linkedin": ("linkedin",),
}


class InputError(Exception):
    """The input cannot be read (missing file, no header, no usable column)."""


@attrs.define
class Row:
    """One input row: its position, its cells by header, and why it is unusable (if it is)."""

    index: int
    fields: dict[str, Any]
    problem: str | None = None


def normalise_header(name: str) -> str:
    """``" First Name "`` -> ``"first_name"``; ``"E-mail"`` -> ``"e_mail"``."""
    text = name.replace("\ufeff", "").strip().lower()
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


def find_column(header: Sequence[str], field: str, explicit: str | None = None) -> str:
    """The header cell that holds ``field`` (or the one the user named with ``--column``)."""
    by_norm = {normalise_header(h): h for h in header}
    if explicit is not None:
        if explicit in header:
            return explicit
        found = by_norm.get(normalise_header(explicit))
        if found is None:
            raise InputError(f"no column {explicit!r} in the input (columns: {', '.join(header)})")
        return found
    for alias in ALIASES[field]:
        if alias in by_norm:
            return by_norm[alias]
    # Last resort: a single header that mentions the field (``Primary E-mail``, ``Surname 2``).
    hints = FUZZY[field]
    matches = [orig for norm, orig in by_norm.items() if any(h in norm for h in hints)]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(ALIASES[field][:3])
    raise InputError(
        f"no {field} column found (looked for {names}, ...); name it with --column. "
        f"Columns: {', '.join(header) or '(none)'}"
    )


def _format(path: str) -> str:
    return "jsonl" if path.lower().endswith((".jsonl", ".ndjson", ".jsonlines")) else "csv"


def open_rows(path: str, fmt: str | None = None) -> tuple[list[str], Iterator[Row]]:
    """The header and a lazy iterator of rows of ``path`` (``-`` reads standard input)."""
    kind = fmt or ("csv" if path == "-" else _format(path))
    if path == "-":
        stream: IO[str] = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
    else:
        file = Path(path)
        if not file.is_file():
            raise InputError(f"no such file: {path}")
        stream = file.open(encoding="utf-8-sig", newline="", errors="replace")
    if kind == "jsonl":
        return _jsonl(stream)
    return _csv(stream)


def sniff_delimiter(path: str) -> str:
    """The delimiter of a CSV file (``,`` for standard input or unreadable files)."""
    if path == "-" or not Path(path).is_file():
        return ","
    with Path(path).open(encoding="utf-8-sig", newline="", errors="replace") as stream:
        return _delimiter(stream)


def _delimiter(stream: IO[str]) -> str:
    """Comma, semicolon, tab or pipe: whichever the first non-blank line uses most."""
    if not stream.seekable():
        return ","
    start = stream.tell()
    line = ""
    for line in stream:
        if line.strip():
            break
    stream.seek(start)
    counts = {d: line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _csv(stream: IO[str]) -> tuple[list[str], Iterator[Row]]:
    reader = csv.reader(stream, delimiter=_delimiter(stream))
    header: list[str] | None = None
    for cells in reader:
        if any(c.strip() for c in cells):
            header = [c.replace("\ufeff", "").strip() for c in cells]
            break
    if header is None:
        stream.close()
        raise InputError("the input is empty: no header row")
    # Unnamed header cells still need a name to be written back.
    header = [h or f"column_{n + 1}" for n, h in enumerate(header)]
    width = len(header)

    def rows() -> Iterator[Row]:
        index = 0
        try:
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue  # a blank line is not a row
                cells = [c.strip() for c in cells]
                if len(cells) > width:
                    cells = [*cells[: width - 1], ",".join(cells[width - 1 :])]
                cells += [""] * (width - len(cells))
                yield Row(index, dict(zip(header, cells, strict=True)))
                index += 1
        finally:
            stream.close()

    return header, rows()


def _jsonl(stream: IO[str]) -> tuple[list[str], Iterator[Row]]:
    # The header (for CSV output) is the keys of the first object; read up to it.
    buffered: list[str] = []
    header: list[str] = []
    for line in stream:
        buffered.append(line)
        try:
            obj = json.loads(line) if line.strip() else None
        except ValueError:
            continue
        if isinstance(obj, dict):
            header = [str(k) for k in obj]
            break

    def parse(index: int, line: str) -> Row:
        try:
            obj = json.loads(line)
        except ValueError:
            return Row(index, {"raw": line.strip()}, "not valid JSON")
        if not isinstance(obj, dict):
            return Row(index, {"raw": line.strip()}, "not a JSON object")
        return Row(index, {str(k): v.strip() if isinstance(v, str) else v for k, v in obj.items()})

    def rows() -> Iterator[Row]:
        index = 0
        try:
            for line in itertools.chain(buffered, stream):
                if line.strip():
                    yield parse(index, line)
                    index += 1
        finally:
            stream.close()

    return header, rows()


class RowWriter:
    """Writes output rows in CSV or JSON Lines as they come, flushing each one."""

    def __init__(
        self,
        path: str,
        header: list[str],
        extra: list[str],
        fmt: str | None,
        delimiter: str = ",",
    ) -> None:
        self.kind = fmt or ("csv" if path == "-" else _format(path))
        self._out: IO[str] = (
            sys.stdout if path == "-" else Path(path).open("w", encoding="utf-8", newline="")  # noqa: SIM115 - close()
        )
        self.columns = [*header, *extra]
        self._csv: csv.DictWriter[str] | None = None
        if self.kind == "csv":
            self._csv = csv.DictWriter(
                self._out, fieldnames=self.columns, extrasaction="ignore", delimiter=delimiter
            )
            self._csv.writeheader()
        self.written = 0

    def write(self, row: dict[str, Any]) -> None:
        if self._csv is not None:
            self._csv.writerow({k: _cell(v) for k, v in row.items()})
        else:
            self._out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        self._out.flush()
        self.written += 1

    def close(self) -> None:
        if self._out is not sys.stdout:
            self._out.close()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return value

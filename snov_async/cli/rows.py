"""Reading input rows for the command line: CSV or JSON Lines, from a file or standard input.

Both are read the same way. Standard input is first copied to an anonymous temporary file so
that it can be checked and sniffed exactly like a file.

* **Encoding**: a byte-order mark decides (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE); without one the
  input must be UTF-8 — the whole input is checked before anything is sent, and other bytes
  (Latin-1, Windows-1252 ...) stop the run with exit 2 and a hint to pass ``--encoding``.
* **Format**: ``--input-format``, else the file extension (``.jsonl``/``.ndjson``: JSON Lines;
  ``.csv``/``.tsv``/``.txt``: CSV), else the content (a first ``{`` means JSON Lines).
* **CSV**: the delimiter (comma, semicolon, tab or pipe) is the one the first non-blank line
  uses most; blank lines are skipped; cells are trimmed; a row with more cells than the header
  (an unquoted comma) has the overflow joined back into its last column; a short row is padded.
* **JSON Lines**: every object is mapped on its own (objects may have different keys); the
  output header is the union of all keys, in the order they first appear.

Columns are found by name, case-insensitively, with common aliases (``E-mail``, ``First Name``,
``Website`` ...) or named with ``--column``.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import attrs

__all__ = [
    "ALIASES",
    "InputError",
    "Row",
    "Source",
    "find_column",
    "normalise_header",
    "open_source",
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

#: Byte-order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class InputError(Exception):
    """The input cannot be used (missing file, wrong encoding, no header, no usable column)."""


@attrs.define
class Row:
    """One input row: its position, its cells by name, the column of each field the command
    needs (its own, for JSON Lines), and why it cannot be sent (if it cannot)."""

    index: int
    fields: dict[str, Any]
    columns: dict[str, str] = attrs.field(factory=dict)
    problem: str | None = None


@attrs.define
class Source:
    """An opened input: its header, how it was read, how many rows it has, and its rows."""

    name: str
    kind: str
    encoding: str
    delimiter: str
    header: list[str]
    total: int
    rows: Iterator[Row]


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


def _columns(
    header: Sequence[str], fields: Sequence[str], explicit: dict[str, str | None]
) -> dict[str, str]:
    return {field: find_column(header, field, explicit.get(field)) for field in fields}


# Opening -------------------------------------------------------------------------------------


def _binary(path: str) -> IO[bytes]:
    """The input's bytes, seekable: a file, or standard input copied to a spool."""
    if path == "-":
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - returned; gone when closed
        shutil.copyfileobj(sys.stdin.buffer, spool)
        spool.seek(0)
        return spool
    file = Path(path)
    if file.is_dir():
        raise InputError(f"{path} is a directory, not an input file")
    if not file.exists():
        raise InputError(f"no such file: {path}")
    try:
        return file.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def _encoding(stream: IO[bytes], requested: str | None) -> str:
    asked: str | None = None
    if requested is not None:
        try:
            info = codecs.lookup(requested)
        except LookupError:
            raise InputError(f"unknown encoding {requested!r} (--encoding)") from None
        if not getattr(info, "_is_text_encoding", True):  # rot13, base64, zlib...
            raise InputError(f"{requested!r} is not a text encoding (--encoding)")
        asked = info.name
    head = stream.read(4)
    stream.seek(0)
    for bom, name in BOMS:
        # A mark wins over no --encoding or a UTF one (``--encoding utf-8`` on UTF-16 data).
        if head.startswith(bom) and (asked is None or asked.startswith("utf")):
            return name
    return asked or "utf-8"


def _text(stream: IO[bytes], encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="")


def _close(text: io.TextIOWrapper, stream: IO[bytes]) -> None:
    """Close the input for good: the text layer too, or it is left for the garbage collector
    (a ``ResourceWarning: unclosed file`` under ``python -X dev``)."""
    with contextlib.suppress(ValueError, OSError):
        text.close()
    stream.close()


def _kind(path: str, requested: str | None, first_line: str) -> str:
    if requested:
        return requested
    lower = path.lower()
    if lower.endswith((".jsonl", ".ndjson", ".jsonlines")):
        return "jsonl"
    if lower.endswith((".csv", ".tsv", ".txt", ".tab")):
        return "csv"
    return "jsonl" if first_line.lstrip().startswith("{") else "csv"


def _delimiter(first_line: str) -> str:
    """Comma, semicolon, tab or pipe: whichever the first non-blank line uses most."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _first_line(stream: IO[bytes], encoding: str, name: str) -> str:
    text = _text(stream, encoding)
    try:
        for line in _lines(text):
            if line.strip():
                return line
        return ""
    except LineTooLong:
        raise _too_long(name) from None
    except UnicodeError:  # UnicodeDecodeError, or UTF-16/32 without a byte-order mark
        raise _not_decodable(name, stream, encoding) from None
    finally:
        text.detach()
        stream.seek(0)


def _not_decodable(name: str, stream: IO[bytes], encoding: str) -> InputError:
    """The error for bytes that do not decode, naming the first bad byte and its line."""
    stream.seek(0)
    where = ""
    if not encoding.startswith(("utf-16", "utf-32")):
        # Line by line: a newline byte is a newline in UTF-8 and in single-byte encodings.
        for number, raw in enumerate(stream, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError as exc:
                where = f"byte 0x{raw[exc.start : exc.start + 1].hex()} on line {number}"
                break
    detail = f" ({where})" if where else ""
    if encoding == "utf-8":
        return InputError(
            f"{name} is not UTF-8 text{detail}; name its encoding, e.g. --encoding cp1252 "
            "(Windows/Excel) or --encoding latin-1"
        )
    return InputError(f"{name} cannot be read as {encoding}{detail}; check --encoding")


def open_source(
    path: str,
    fields: Sequence[str],
    *,
    columns: dict[str, str | None] | None = None,
    fmt: str | None = None,
    encoding: str | None = None,
) -> Source:
    """Open ``path`` (``-``: standard input), check all of it, and find the columns of
    ``fields``. Raises `InputError` for anything that would make the run fail."""
    explicit = columns or {}
    name = "standard input" if path == "-" else path
    stream = _binary(path)
    try:
        enc = _encoding(stream, encoding)
        first = _first_line(stream, enc, name)
        kind = _kind(path, fmt, first)
        if kind == "jsonl":
            return _jsonl(stream, name, enc, fields, explicit)
        return _csv(stream, name, enc, _delimiter(first), fields, explicit)
    except BaseException:
        stream.close()
        raise


# CSV -----------------------------------------------------------------------------------------


#: The longest line read (characters): a longer one is an input error, before it is held
#: whole in memory (a 200 MB line took 436 MB to refuse; a 1 GB one would take about 2 GB).
MAX_LINE = 8 * 1024 * 1024


class LineTooLong(Exception):
    """A line of the input is longer than `MAX_LINE` characters."""


def _lines(text: IO[str]) -> Iterator[str]:
    """The lines of ``text``, none held longer than `MAX_LINE`."""
    while True:
        line = text.readline(MAX_LINE)
        if not line:
            return
        if len(line) >= MAX_LINE and not line.endswith(("\n", "\r")):
            raise LineTooLong
        yield line


def _too_long(name: str) -> InputError:
    return InputError(f"{name} has a line longer than {MAX_LINE:,} characters; not a leads file?")


def _csv_records(text: IO[str], delimiter: str) -> Iterator[list[str]]:
    for cells in csv.reader(_lines(text), delimiter=delimiter):
        if any(c.strip() for c in cells):
            yield [c.strip() for c in cells]  # a blank line is not a row


def _csv(
    stream: IO[bytes],
    name: str,
    encoding: str,
    delimiter: str,
    fields: Sequence[str],
    explicit: dict[str, str | None],
) -> Source:
    # First pass: every byte decodes, the header has the columns, and how many rows follow.
    text = _text(stream, encoding)
    records = _csv_records(text, delimiter)
    total = -1
    header: list[str] | None = None
    try:
        for cells in records:
            if header is None:
                header = [c.replace("\ufeff", "") for c in cells]
            total += 1
    except UnicodeError:  # UnicodeDecodeError, or UTF-16/32 without a byte-order mark
        raise _not_decodable(name, stream, encoding) from None
    except csv.Error as exc:
        raise InputError(f"{name} is not readable CSV: {exc}") from None
    except LineTooLong:
        raise _too_long(name) from None
    finally:
        text.detach()
    if header is None:
        raise InputError(f"{name} is empty: no header row")
    # Unnamed header cells still need a name to be written back.
    header = [h or f"column_{n + 1}" for n, h in enumerate(header)]
    found = _columns(header, fields, explicit)
    width = len(header)

    def rows() -> Iterator[Row]:
        stream.seek(0)
        text = _text(stream, encoding)
        body = _csv_records(text, delimiter)
        try:
            next(body, None)  # the header
            for index, cells in enumerate(body):
                if len(cells) > width:
                    cells = [*cells[: width - 1], delimiter.join(cells[width - 1 :])]
                cells += [""] * (width - len(cells))
                yield Row(index, dict(zip(header, cells, strict=True)), found)
        finally:
            _close(text, stream)

    return Source(name, "csv", encoding, delimiter, header, max(total, 0), rows())


# JSON Lines ----------------------------------------------------------------------------------


def _parse_line(line: str) -> tuple[dict[str, Any], str | None]:
    try:
        obj = json.loads(line)
    except ValueError:
        return {"raw": line.strip()}, "not valid JSON"
    if not isinstance(obj, dict):
        return {"raw": line.strip()}, "not a JSON object"
    return {str(k): v.strip() if isinstance(v, str) else v for k, v in obj.items()}, None


def _jsonl(
    stream: IO[bytes],
    name: str,
    encoding: str,
    fields: Sequence[str],
    explicit: dict[str, str | None],
) -> Source:
    # First pass: every byte decodes; the union of keys; each distinct key set's columns.
    text = _text(stream, encoding)
    keys: dict[str, None] = {}
    mappings: dict[tuple[str, ...], dict[str, str] | str] = {}
    total = 0
    try:
        for line in _lines(text):
            if not line.strip():
                continue
            total += 1
            obj, _ = _parse_line(line)
            keys.update(dict.fromkeys(obj))
            shape = tuple(obj)
            if shape not in mappings:
                try:
                    mappings[shape] = _columns(shape, fields, explicit)
                except InputError as exc:
                    mappings[shape] = str(exc)
    except UnicodeError:  # UnicodeDecodeError, or UTF-16/32 without a byte-order mark
        raise _not_decodable(name, stream, encoding) from None
    except LineTooLong:
        raise _too_long(name) from None
    finally:
        text.detach()
    if total == 0:
        raise InputError(f"{name} is empty: no JSON object")
    if not any(isinstance(m, dict) for m in mappings.values()):
        # No object at all has a usable field: the same answer as a CSV without the column.
        problem = next(iter(mappings.values()))
        raise InputError(str(problem))

    def rows() -> Iterator[Row]:
        stream.seek(0)
        index = 0
        text = _text(stream, encoding)
        try:
            for line in _lines(text):
                if not line.strip():
                    continue
                obj, problem = _parse_line(line)
                mapping = mappings.get(tuple(obj))
                if problem is None and not isinstance(mapping, dict):
                    wanted = " and ".join(f for f in fields)
                    problem = f"no {wanted} in this object (keys: {', '.join(obj) or 'none'})"
                found = mapping if isinstance(mapping, dict) else {}
                yield Row(index, obj, found, problem)
                index += 1
        finally:
            _close(text, stream)

    return Source(name, "jsonl", encoding, ",", list(keys), total, rows())

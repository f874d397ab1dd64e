"""Which entry of a batch answer belongs to which input — and refusing to guess.

Batch answers name their inputs (an email, a company name, a person, a LinkedIn URL) and do
not keep the request's order (reference line 767). An answer goes to an input only when it is
unambiguously that input's:

* **by key** — the name the answer echoes, compared as names may come back: Unicode NFKC
  (full-width and compatibility forms fold to their plain letters, decomposed accents
  recompose), case-folded, with punctuation, symbols and spaces dropped (`echo_key`:
  "Jean-Luc  PICARD." and "jean luc picard" are one name). A batch never holds two inputs
  with the same key (the specs' ``fits`` keeps them apart), so a key names one input;
* **by position, once** — when the answer has exactly the request's length, every entry
  matched by key sits at its input's position, and exactly one input is left: the one entry
  left at its position is its own, unless that entry echoes another input's key (a
  duplicate). Two or more left over could be swapped, so none of them is guessed. Only for
  inputs known to be the request's, in its order: not for inputs a caller (collecting a
  task hash) or a rerun (resuming one) names, since positions prove nothing of those.

Every input left unmatched gets a `ResponseFormatError` carrying the unmatched entries
(``.raw``) — never another input's answer; when no entry is left over, the answer simply
says nothing of it (``None``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import ResponseFormatError

__all__ = ["address_key", "echo_key", "match_entries"]


def address_key(text: str) -> str:
    """An email address or URL as the server compares it: NFKC, case-folded, trimmed (dots,
    plus signs and slashes matter in these, so nothing else is dropped)."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


def echo_key(text: str) -> str:
    """A name reduced to what survives any echo of it (see the module docstring): letters
    and digits, NFKC-normalised and case-folded, nothing else."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LNM")


def match_entries(
    keys: Sequence[str | None],
    entries: Sequence[Any],
    entry_key: Callable[[Any], str | None],
    *,
    what: str,
    by_position: bool = True,
) -> list[Any]:
    """Align ``entries`` with the inputs whose keys are ``keys``: each input gets its entry,
    or a `ResponseFormatError` (``.raw`` = the entries nobody matched) when none is
    unambiguously its own. ``entry_key`` reads an entry's echoed key (already normalised
    like ``keys``), ``None`` when it has none; ``what`` names the echoed field in errors.
    ``by_position``: ``keys`` are the inputs exactly as sent, in order, so the single
    leftover may go by position (false when the inputs were named later: by a caller who
    collects a task hash, or by a rerun resuming one)."""
    free: dict[str, list[int]] = {}
    for j, entry in enumerate(entries):
        k = entry_key(entry)
        if k is not None:
            free.setdefault(k, []).append(j)
    chosen: list[int | None] = []
    for k in keys:
        slots = free.get(k) if k is not None else None
        chosen.append(slots.pop(0) if slots else None)
    left = [i for i, j in enumerate(chosen) if j is None]
    in_place = all(j == i for i, j in enumerate(chosen) if j is not None)
    if by_position and len(left) == 1 and len(entries) == len(keys) and in_place:
        # The one entry left sits at the one input left: its own, unless it names another.
        spare = entries[left[0]]
        if entry_key(spare) not in set(keys) - {None}:
            chosen[left[0]] = left[0]
            left = []
    out: list[Any] = [entries[j] if j is not None else None for j in chosen]
    taken = {j for j in chosen if j is not None}
    stray = [entry for j, entry in enumerate(entries) if j not in taken]
    if left and stray:  # without strays the answer just says nothing of them: None
        for i in left:
            err = ResponseFormatError(
                f"the answer has no entry whose {what} is unambiguously this input's "
                f"({len(stray)} entries unmatched; see .raw)"
            )
            err.raw = stray
            out[i] = err
    return out

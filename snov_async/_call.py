"""`Call`: one HTTP call described as data, and `Slot`: a pacer slot already taken.

Whoever decides what to send (the task runner's specs, the low-level resource methods) builds
a `Call`; `HTTPCore.send` makes it. Neither type does any I/O.
"""

from __future__ import annotations

from typing import Any

import attrs

from ._retry import CallKind

__all__ = ["Call", "Slot"]


@attrs.frozen
class Call:
    """One HTTP call: method, path, and where its parameters go.

    ``params`` go to the query string, ``form`` to an urlencoded body, ``json`` to a JSON
    body; ``kind`` overrides the retry kind the method implies (see `_retry.CallKind`).
    """

    method: str
    path: str
    params: dict[str, Any] | None = None
    form: dict[str, Any] | None = None
    json: Any = None
    kind: CallKind | None = None


class Slot:
    """A pacer slot its holder already took: the first request that goes out with it spends
    it (the call itself, or the token request the call needs first); anything after that
    waits in the pacer as usual."""

    __slots__ = ("used",)

    def __init__(self) -> None:
        self.used = False

    def __repr__(self) -> str:
        return f"<Slot {'used' if self.used else 'free'}>"

    def spend(self) -> bool:
        """Take the slot if it is still free; ``False`` if it was spent already."""
        if self.used:
            return False
        self.used = True
        return True

"""Building blocks shared by every model module."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

__all__ = ["OpenEnum", "SnovModel"]


class OpenEnum(str, enum.Enum):
    """A string enum that also accepts values it does not list.

    Snov.io adds values over time (a new ``unknown_status_reason``, a new campaign status). An
    unknown value becomes a pseudo-member whose ``.value`` is the raw string and whose
    ``.known`` is ``False``, instead of an exception.
    """

    @classmethod
    def _missing_(cls, value: object) -> OpenEnum | None:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper()
        member._value_ = value
        return member

    @property
    def known(self) -> bool:
        """Whether the value is one the SDK documents."""
        return self._name_ in type(self).__members__

    def __str__(self) -> str:
        return str(self.value)


@attrs.frozen
class SnovModel:
    """Base of every response model.

    ``extra`` holds, untouched, every field of the answer that the model does not declare, so
    that fields Snov.io adds later stay reachable without an SDK upgrade, and the raw value of
    a declared field whose value did not fit its type (the field then keeps its default).
    """

    #: Other spellings of a key (snake_case) -> the field they fill.
    _aliases: ClassVar[Mapping[str, str]] = {}

    extra: Mapping[str, Any] = attrs.field(factory=dict, kw_only=True, repr=False, eq=False)

"""The one cattrs converter that turns Snov.io JSON into attrs models.

Rules every model gets for free:

* keys are matched after camelCase -> snake_case (``firstName`` fills ``first_name``), and a
  field named after a Python keyword takes a trailing underscore (``from_`` holds ``from``);
* keys no field claims never crash: they are kept, untouched, in the model's ``extra`` mapping;
* documented value sets are `OpenEnum` subclasses, which also accept values added later;
* decimals (``"25000.00"``) become `decimal.Decimal`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn

from .errors import ResponseFormatError

__all__ = ["UNSET", "Unset", "camel_to_snake", "converter", "structure", "to_body"]

T = TypeVar("T")

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def camel_to_snake(name: str) -> str:
    """``firstName`` -> ``first_name``; names already in snake_case are unchanged."""
    return _CAMEL.sub("_", name).lower()


converter = cattrs.Converter(forbid_extra_keys=False)


class Unset(enum.Enum):
    """The type of `UNSET`: "not given", as opposed to ``None`` ("set to null")."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


#: Default of optional update arguments: the field is left as it is.
UNSET = Unset.UNSET


def to_body(obj: Any) -> Any:
    """An attrs request model (or plain data) as a JSON body: ``None`` and `UNSET` fields are
    left out, enums become their values, ``from_`` becomes ``from``."""
    if attrs.has(type(obj)):
        out: dict[str, Any] = {}
        for field in attrs.fields(type(obj)):
            value = getattr(obj, field.name)
            if value is None or value is UNSET:
                continue
            out[field.name.rstrip("_")] = to_body(value)
        return out
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, Mapping):
        return {str(k): to_body(v) for k, v in obj.items() if v is not UNSET}
    if isinstance(obj, (list, tuple)):
        return [to_body(v) for v in obj]
    return obj


def _structure_decimal(value: Any, _: type) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal number: {value!r}") from exc


converter.register_structure_hook(Decimal, _structure_decimal)


def _model_hook(cls: type[Any]) -> Callable[[Any, type], Any]:
    names = {f.name for f in attrs.fields(cls)}
    # A field named after a keyword takes a trailing underscore: ``from_`` holds ``from``.
    lookup = {name.rstrip("_"): name for name in names if name != "extra"}
    has_extra = "extra" in names
    base = make_dict_structure_fn(cls, converter)

    def hook(data: Any, _: type) -> Any:
        if not isinstance(data, Mapping):
            raise ValueError(f"expected an object for {cls.__name__}, got {type(data).__name__}")
        known: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            snake = camel_to_snake(str(key))
            # ``_ref`` fills ``ref``: leading underscores are not part of a field's name.
            name = lookup.get(snake) or lookup.get(snake.lstrip("_"))
            if name is not None and name not in known:
                known[name] = value
            else:
                extra[key] = value
        if has_extra:
            known["extra"] = extra
        return base(known, cls)

    return hook


converter.register_structure_hook_factory(attrs.has, _model_hook)


def structure(data: Any, cls: type[T], *, what: str = "") -> T:
    """Structure ``data`` into ``cls``; a body that does not fit raises `ResponseFormatError`."""
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        name = getattr(cls, "__name__", str(cls))
        detail = "; ".join(_flatten(exc)) or str(exc)
        raise ResponseFormatError(
            f"unexpected response shape for {name}{' (' + what + ')' if what else ''}: {detail}"
        ) from exc


def _flatten(exc: BaseException) -> list[str]:
    if isinstance(exc, cattrs.BaseValidationError):
        out: list[str] = []
        for sub in exc.exceptions:
            out.extend(_flatten(sub))
        return out
    return [f"{type(exc).__name__}: {exc}"]

"""The one cattrs converter that turns Snov.io JSON into attrs models.

Rules every model gets for free:

* keys are matched after camelCase -> snake_case (``firstName`` fills ``first_name``), and a
  field named after a Python keyword takes a trailing underscore (``from_`` holds ``from``);
  a model may also name other spellings of a key (``_aliases``: ``currentJobs`` and
  ``currentJob`` fill the same field);
* keys no field claims never crash: they are kept, untouched, in the model's ``extra`` mapping;
* documented value sets are `OpenEnum` subclasses, which also accept values added later;
* decimals (``"25000.00"``) become `decimal.Decimal`.

Drift never fails a call. The live API is not the reference: numbers arrive as strings, ids
as numbers or 70-character hex strings, ``null`` or ``[]`` where an object or a list belongs
(PHP writes an empty object as ``[]``). So:

* the usual widenings are silent: a number for a text field becomes its text, ``"42"`` for an
  integer becomes ``42``, ``0``/``1``/``"true"`` for a flag become booleans, ``null`` or
  ``{}`` for a list become ``[]``, ``[]`` for an object becomes an empty object;
* anything else that does not fit its field leaves the field at its default (``None`` or
  empty) and keeps the raw value, under its original key, in the model's ``extra``; a list
  keeps the items that fit, a mapping the entries that fit. The first time a given model
  field drifts in a given way, the ``snov_async.drift`` logger says so at DEBUG.

Only a payload that is not an object where a model is expected (the envelope itself cannot
be read) raises `ResponseFormatError`.
"""

from __future__ import annotations

import enum
import functools
import logging
import re
import types
import typing
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn

from .errors import ResponseFormatError

__all__ = [
    "UNSET",
    "Unset",
    "camel_to_snake",
    "converter",
    "drift_logger",
    "note_drift",
    "structure",
    "to_body",
]

T = TypeVar("T")

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_INTEGER = re.compile(r"[+-]?\d{1,4000}")
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})

#: Says (at DEBUG, once per model field and kind of value) when an answer did not fit.
drift_logger = logging.getLogger("snov_async.drift")
_SEEN: set[tuple[str, str, str]] = set()
_SEEN_MAX = 2048


@functools.lru_cache(maxsize=1024)  # answers repeat a few dozen keys; a regex per key was
def camel_to_snake(name: str) -> str:  # two thirds of building a result (20 of 31 us)
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


def note_drift(model: str, key: str, value: Any, why: str) -> None:
    """Log, once per model field and kind of value, that an answer did not fit its model."""
    seen = (model, key, type(value).__name__)
    if seen in _SEEN:
        return
    if len(_SEEN) < _SEEN_MAX:
        _SEEN.add(seen)
    drift_logger.debug(
        "%s.%s: the answer's %s did not fit (%s); the raw value is kept in extra[%r]",
        model,
        key,
        type(value).__name__,
        why,
        key,
    )


# Scalars: strict enough to refuse nonsense, lenient where the live API is known to differ.


def _structure_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)  # ids and codes sent as numbers
    raise ValueError(f"expected text, got {type(value).__name__}")


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value.strip())
    raise ValueError(f"expected an integer, got {type(value).__name__}")


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise ValueError(f"expected a number, got {type(value).__name__}")


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError(f"expected a flag, got {type(value).__name__}")


def _structure_decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise ValueError(f"expected a decimal number, got {type(value).__name__}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal number: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"not a finite decimal number: {value!r}")
    return number


def _primitive(tp: type, hook: Callable[[Any, type], Any]) -> Callable[[Any, type], Any]:
    """``hook`` for ``tp`` itself; subclasses (``OpenEnum`` is a ``str``) are built by calling
    the class, as cattrs would."""

    def dispatch(value: Any, cl: type) -> Any:
        if cl is tp:
            return hook(value, cl)
        return cl(value)

    return dispatch


for _tp, _hook in (
    (str, _structure_str),
    (int, _structure_int),
    (float, _structure_float),
    (bool, _structure_bool),
    (Decimal, _structure_decimal),
):
    converter.register_structure_hook(_tp, _primitive(_tp, _hook))


# Containers: null, {} and [] stand for "nothing" whichever container was expected.


def _origin(tp: Any) -> Any:
    return typing.get_origin(tp)


def _is_list(tp: Any) -> bool:
    return _origin(tp) in (list, typing.List)  # noqa: UP006 - matches old-style aliases too


def _is_dict(tp: Any) -> bool:
    return _origin(tp) in (dict, Mapping, typing.Dict, typing.Mapping)  # noqa: UP006


def _list_hook(tp: Any) -> Callable[[Any, type], list[Any]]:
    args = typing.get_args(tp)
    item = args[0] if args else Any

    def hook(value: Any, _: type) -> list[Any]:
        if value is None or (isinstance(value, Mapping) and not value):
            return []
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"expected a list, got {type(value).__name__}")
        return [converter.structure(v, item) for v in value]

    return hook


def _dict_hook(tp: Any) -> Callable[[Any, type], dict[Any, Any]]:
    args = typing.get_args(tp)
    key_type, value_type = (args[0], args[1]) if len(args) == 2 else (Any, Any)

    def hook(value: Any, _: type) -> dict[Any, Any]:
        if value is None or (isinstance(value, (list, tuple)) and not value):
            return {}
        if not isinstance(value, Mapping):
            raise ValueError(f"expected an object, got {type(value).__name__}")
        return {
            converter.structure(k, key_type): converter.structure(v, value_type)
            for k, v in value.items()
        }

    return hook


converter.register_structure_hook_factory(_is_list, _list_hook)
converter.register_structure_hook_factory(_is_dict, _dict_hook)


def _members(tp: Any) -> tuple[Any, ...]:
    if _origin(tp) in (typing.Union, types.UnionType):
        return typing.get_args(tp)
    return ()


def _is_wide_union(tp: Any) -> bool:
    """``str | int``, ``str | PhpDate | None``: unions cattrs cannot pick a member of."""
    return len([m for m in _members(tp) if m is not type(None)]) >= 2


def _union_hook(tp: Any) -> Callable[[Any, type], Any]:
    members = [m for m in _members(tp) if m is not type(None)]
    optional = len(members) < len(_members(tp))
    exact = {bool: bool, int: int, float: float, str: str}

    def hook(value: Any, _: type) -> Any:
        if value is None and optional:
            return None
        # A value already of a member type passes as it is (``True`` is not an ``int`` here).
        for member in members:
            if exact.get(member) is type(value):
                return value
        is_object = isinstance(value, Mapping)
        ordered = sorted(members, key=lambda m: 0 if attrs.has(m) == is_object else 1)
        problems = []
        for member in ordered:
            try:
                return converter.structure(value, member)
            except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
                problems.append(str(exc))
        raise ValueError(f"fits none of {tp}: {'; '.join(problems)}")

    return hook


converter.register_structure_hook_factory(_is_wide_union, _union_hook)


# Models.


def _salvage_list(value: Any, tp: Any) -> tuple[list[Any], bool]:
    """The items of ``value`` that fit ``list[X]``, and whether every item did."""
    args = typing.get_args(tp)
    item = args[0] if args else Any
    kept: list[Any] = []
    whole = True
    for v in value:
        try:
            kept.append(converter.structure(v, item))
        except (cattrs.BaseValidationError, ValueError, TypeError, KeyError):
            whole = False
    return kept, whole


def _salvage_dict(value: Mapping[Any, Any], tp: Any) -> dict[Any, Any]:
    """The entries of ``value`` that fit ``dict[K, V]``."""
    args = typing.get_args(tp)
    key_type, value_type = (args[0], args[1]) if len(args) == 2 else (Any, Any)
    kept: dict[Any, Any] = {}
    for k, v in value.items():
        try:
            kept[converter.structure(k, key_type)] = converter.structure(v, value_type)
        except (cattrs.BaseValidationError, ValueError, TypeError, KeyError):
            continue
    return kept


def _model_hook(cls: type[Any]) -> Callable[[Any, type], Any]:
    attrs.resolve_types(cls)
    fields = {f.name: f for f in attrs.fields(cls)}
    # A field named after a keyword takes a trailing underscore: ``from_`` holds ``from``.
    lookup = {name.rstrip("_"): name for name in fields if name != "extra"}
    aliases: Mapping[str, str] = getattr(cls, "_aliases", {}) or {}
    has_extra = "extra" in fields
    base = make_dict_structure_fn(cls, converter)

    def lenient(known: dict[str, Any], keys: dict[str, str], extra: dict[str, Any]) -> Any:
        """One field at a time: what does not fit stays raw in ``extra``."""
        kwargs: dict[str, Any] = {}
        for name, value in known.items():
            tp = fields[name].type
            key = keys[name]
            try:
                kwargs[name] = converter.structure(value, tp)
                continue
            except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
                why = str(exc) or type(exc).__name__
            if isinstance(value, (list, tuple)) and _is_list(tp):
                kwargs[name], _ = _salvage_list(value, tp)
            elif isinstance(value, Mapping) and _is_dict(tp):
                kwargs[name] = _salvage_dict(value, tp)
            extra[key] = value
            note_drift(cls.__name__, key, value, why)
        for name, field in fields.items():
            if name not in kwargs and name != "extra" and field.default is attrs.NOTHING:
                kwargs[name] = None  # a required field the answer left out or garbled
        if has_extra:
            kwargs["extra"] = extra
        return cls(**{n: v for n, v in kwargs.items() if fields[n].init})

    def hook(data: Any, _: type) -> Any:
        if isinstance(data, (list, tuple)) and not data:
            data = {}  # PHP writes an empty object as []
        if not isinstance(data, Mapping):
            raise ValueError(f"expected an object for {cls.__name__}, got {type(data).__name__}")
        known: dict[str, Any] = {}
        keys: dict[str, str] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            snake = camel_to_snake(str(key))
            # ``_ref`` fills ``ref``: leading underscores are not part of a field's name.
            bare = snake.lstrip("_")
            name = lookup.get(snake) or lookup.get(bare) or aliases.get(snake) or aliases.get(bare)
            if name is not None and name not in known:
                known[name] = value
                keys[name] = str(key)
            else:
                extra[key] = value
        try:
            return base({**known, "extra": dict(extra)} if has_extra else known, cls)
        except (cattrs.BaseValidationError, ValueError, TypeError, KeyError):
            return lenient(known, keys, extra)

    return hook


converter.register_structure_hook_factory(attrs.has, _model_hook)


def structure(data: Any, cls: type[T], *, what: str = "") -> T:
    """Structure ``data`` into ``cls``; only an unreadable envelope raises
    `ResponseFormatError` (a model given something that is not an object)."""
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError, RecursionError) as exc:
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

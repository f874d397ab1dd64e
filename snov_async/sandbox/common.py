"""Request parsing and answer envelopes shared by the sandbox's routes."""

from __future__ import annotations

import copy
import datetime
import functools
import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import BodyPartReader, web
from multidict import MultiDict

from .state import Account, SandboxState

__all__ = [
    "ACCOUNT",
    "STATE",
    "Params",
    "bad_request_v1",
    "gateway_error",
    "live",
    "out_of_credits",
    "ok",
    "read_body",
    "read_params",
    "server_of",
    "state_of",
    "validation_error",
]

STATE: web.AppKey[SandboxState] = web.AppKey("snov_sandbox_state", SandboxState)
_REQUEST_KEY: Any = getattr(web, "RequestKey", None)  # aiohttp >= 3.12


def _request_key(name: str) -> Any:
    return _REQUEST_KEY(name, object) if _REQUEST_KEY is not None else name


#: The request's account, set by the gate once the token is checked.
ACCOUNT: Any = _request_key("snov_sandbox_account")
_PARAMS: Any = _request_key("snov_sandbox_params")
_INDEXED = re.compile(r"^(?P<name>[^\[]+)\[(?P<index>\d*)\]$")


def server_of(request: web.Request) -> SandboxState:
    """The whole sandbox: every account, the issued tokens, the totals."""
    return request.app[STATE]


def state_of(request: web.Request) -> Account:
    """The account the request's token belongs to."""
    account: Account = request[ACCOUNT]
    return account


class Params:
    """Parameters from the query string, a form body and a JSON body, merged.

    The reference sends the same operation in all three ways (PHP form bodies, Python query
    strings, raw JSON), with lists as ``x[]=a&x[]=b``, ``x[0]=a&x[1]=b`` or JSON arrays.
    """

    def __init__(self, multi: MultiDict[str], body: Any) -> None:
        self.multi = multi
        self.json: dict[str, Any] = body if isinstance(body, dict) else {}

    def get(self, name: str, default: Any = None) -> Any:
        if name in self.json:
            return self.json[name]
        return self.multi.get(name, default)

    def getlist(self, name: str) -> list[Any]:
        if name in self.json:
            value = self.json[name]
            return list(value) if isinstance(value, (list, tuple)) else [value]
        out: list[tuple[int, Any]] = []
        for key, value in self.multi.items():
            if key == name + "[]":
                out.append((len(out), value))
                continue
            match = _INDEXED.match(key)
            if match and match["name"] == name and match["index"]:
                out.append((int(match["index"]), value))
        if not out and name in self.multi:
            return list(self.multi.getall(name))
        return [v for _, v in sorted(out, key=lambda p: p[0])]

    def submap(self, name: str) -> dict[str, Any]:
        """``socialLinks[linkedIn]=u`` -> ``{"linkedIn": u}`` (or the JSON object)."""
        if isinstance(self.json.get(name), Mapping):
            return dict(self.json[name])
        prefix = name + "["
        return {
            key[len(prefix) : -1]: value
            for key, value in self.multi.items()
            if key.startswith(prefix) and key.endswith("]") and key != name + "[]"
        }

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in self.multi:
            values = self.multi.getall(key)
            out[key] = values if len(values) > 1 or key.endswith("[]") else values[0]
        out.update(self.json)
        return out


async def read_params(request: web.Request) -> Params:
    """Merge query, body fields (urlencoded or multipart, whatever the method) and a JSON body.

    A JSON body that does not parse is a 400. The result is kept on the request, so the gate
    and the handler may both read it.
    """
    cached = request.get(_PARAMS)
    if isinstance(cached, Params):
        return cached
    multi: MultiDict[str] = MultiDict(request.query)
    body: Any = None
    if request.body_exists:
        ctype = request.content_type
        if ctype == "multipart/form-data":
            try:
                reader = await request.multipart()
                while (part := await reader.next()) is not None:
                    if isinstance(part, BodyPartReader) and part.name:
                        if part.filename is None:
                            multi.add(part.name, await part.text())
                        else:
                            await part.read()
            except Exception:  # any broken multipart body is the client's fault: a 400
                raise web.HTTPBadRequest(
                    text=json.dumps({"message": "Malformed multipart body"}),
                    content_type="application/json",
                ) from None
        else:
            raw = await request.read()
            stripped = raw.strip()
            as_json = ctype == "application/json" or ctype.endswith("+json")
            if not as_json and ctype in ("", "application/octet-stream", "text/plain"):
                as_json = stripped[:1] in (b"{", b"[")
            if as_json:
                if stripped:
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        raise web.HTTPBadRequest(
                            text=json.dumps({"message": "Malformed JSON body"}),
                            content_type="application/json",
                        ) from None
            elif stripped:
                charset = request.charset or "utf-8"
                text_body = raw.decode(charset, errors="replace")
                for key, value in parse_qsl(text_body, keep_blank_values=True):
                    multi.add(key, value)
    params = Params(multi, body)
    request[_PARAMS] = params
    return params


async def read_body(request: web.Request) -> dict[str, Any]:
    """The request's fields as one mapping: the JSON object when there is one, else the merged
    query and form fields."""
    params = await read_params(request)
    return dict(params.json) if params.json else params.as_dict()


def ok(payload: Any, status: int = 200) -> web.Response:
    return web.json_response(payload, status=status)


def gateway_error(status: int, title: str) -> web.Response:
    """``{"errors": {"code": 404, "title": "...", "source": ""}}``."""
    return web.json_response(
        {"errors": {"code": status, "title": title, "source": ""}}, status=status
    )


def validation_error(field: str, message: str, status: int = 422) -> web.Response:
    """A validation answer naming the field: ``{"errors": {"field": ["message"]}}``."""
    return web.json_response({"errors": {field: [message]}}, status=status)


def bad_request_v1(*messages: str, status: int = 400) -> web.Response:
    """The v1 operation envelope: ``{"success": false, "errors": ["..."]}``."""
    return web.json_response({"success": False, "errors": list(messages)}, status=status)


def live(request: web.Request) -> bool:
    """Whether the sandbox answers in the live API's shapes (else the reference's)."""
    return request.app[STATE].config.shapes == "live"


#: The live API's words when credits run out (recorded answers, tests/samples/live/errors).
OUT_OF_CREDITS = "Sorry, you ran out of credits, please order more credits"


def out_of_credits(request: web.Request, *, v1: bool) -> web.Response:
    """The answer to a paid call the balance cannot pay for.

    Live: HTTP 400 with ``{"errors": [{"user_id": "Sorry, you ran out of credits, ..."}]}`` (v2)
    or ``{"success": false, "message": "Sorry, you ran out of credits, ..."}`` (v1). Reference
    shapes: ``{"success": false, "errors": ["not_enough_credits"]}``, the word its email finder
    uses (line 413).
    """
    if not live(request):
        return bad_request_v1("not_enough_credits")
    if v1:
        return web.json_response({"success": False, "message": OUT_OF_CREDITS}, status=400)
    return web.json_response({"errors": [{"user_id": OUT_OF_CREDITS}]}, status=400)


def base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


# Reference examples as templates ----------------------------------------------------------

_EXAMPLES: list[dict[str, Any]] | None = None


def example(number: int, which: int = -1) -> Any:
    """A fresh copy of operation ``number``'s example (reference order, 1-69)."""
    global _EXAMPLES
    if _EXAMPLES is None:
        from importlib import resources

        text = resources.files(__package__).joinpath("reference_examples.json").read_text("utf-8")
        _EXAMPLES = json.loads(text)
    return copy.deepcopy(_EXAMPLES[number - 1]["examples"][which])


# Validation -------------------------------------------------------------------------------


class Invalid(Exception):
    """A rule of the reference was broken; answered 422 (v2) or as a v1 error envelope."""

    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status


class Missing(Exception):
    """The object named in the path does not exist: the gateway's 404."""


Route = Callable[[web.Request], Awaitable[web.Response]]


def v2(handler: Route) -> Route:
    """Answer `Invalid` with ``{"errors": {field: [message]}}`` and `Missing` with a 404."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except Invalid as exc:
            return validation_error(exc.field, exc.message, exc.status)
        except Missing:
            return gateway_error(404, "Not Found")

    return wrapped


def v1(handler: Route) -> Route:
    """Answer `Invalid` and `Missing` with ``{"success": false, "errors": [...]}``."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except Invalid as exc:
            return bad_request_v1(exc.message, status=400)
        except Missing as exc:
            return bad_request_v1(str(exc) or "Not found", status=200)

    return wrapped


def integer(
    value: Any,
    field: str,
    *,
    low: int | None = None,
    high: int | None = None,
    required: bool = False,
    default: int | None = None,
) -> int | None:
    """An integer within ``[low, high]``; ``None``/absent gives ``default`` unless required."""
    if value is None or value == "":
        if required:
            raise Invalid(field, f"The {field} field is required.")
        return default
    if isinstance(value, bool):
        raise Invalid(field, f"The {field} must be an integer.")
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise Invalid(field, f"The {field} must be an integer.") from None
    if isinstance(value, float) and value != number:
        raise Invalid(field, f"The {field} must be an integer.")
    if low is not None and number < low:
        raise Invalid(field, f"The {field} must be at least {low}.")
    if high is not None and number > high:
        raise Invalid(field, f"The {field} may not be greater than {high}.")
    return number


def text(
    value: Any, field: str, *, required: bool = False, max_len: int | None = None, min_len: int = 0
) -> str | None:
    if value is None:
        if required:
            raise Invalid(field, f"The {field} field is required.")
        return None
    if not isinstance(value, str):
        raise Invalid(field, f"The {field} must be a string.")
    if required and not value.strip():
        raise Invalid(field, f"The {field} field is required.")
    if max_len is not None and len(value) > max_len:
        raise Invalid(field, f"The {field} may not be greater than {max_len} characters.")
    if len(value) < min_len:
        raise Invalid(field, f"The {field} must be at least {min_len} characters.")
    return value


def choice(value: Any, field: str, allowed: Sequence[str], *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise Invalid(field, f"The {field} field is required.")
        return None
    if value not in allowed:
        raise Invalid(field, f"The selected {field} is invalid.")
    return str(value)


def boolean(value: Any, field: str, *, required: bool = False) -> bool | None:
    if value is None:
        if required:
            raise Invalid(field, f"The {field} field is required.")
        return None
    if isinstance(value, bool):
        return value
    if value in ("true", "1", 1):
        return True
    if value in ("false", "0", 0):
        return False
    raise Invalid(field, f"The {field} field must be true or false.")


def ymd(value: Any, field: str, *, required: bool = False) -> datetime.date | None:
    if value is None or value == "":
        if required:
            raise Invalid(field, f"The {field} field is required.")
        return None
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise Invalid(field, f"The {field} does not match the format Y-m-d.") from None


def ymd_hms(value: Any, field: str) -> str | None:
    if value is None:
        return None
    try:
        datetime.datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise Invalid(field, f"The {field} does not match the format Y-m-d H:i:s.") from None
    return str(value)


def php_date(moment: datetime.datetime) -> dict[str, Any]:
    """The ``{"date": ..., "timezone_type": 3, "timezone": "UTC"}`` objects of v1 answers."""
    return {
        "date": moment.strftime("%Y-%m-%d %H:%M:%S.000000"),
        "timezone_type": 3,
        "timezone": "UTC",
    }

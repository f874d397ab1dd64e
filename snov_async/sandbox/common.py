"""Request parsing and answer envelopes shared by the sandbox's routes."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from multidict import MultiDict

from .state import SandboxState

__all__ = [
    "STATE",
    "Params",
    "bad_request_v1",
    "gateway_error",
    "ok",
    "read_params",
    "state_of",
    "validation_error",
]

STATE: web.AppKey[SandboxState] = web.AppKey("snov_sandbox_state", SandboxState)
_INDEXED = re.compile(r"^(?P<name>[^\[]+)\[(?P<index>\d*)\]$")


def state_of(request: web.Request) -> SandboxState:
    return request.app[STATE]


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

    def has(self, name: str) -> bool:
        return name in self.json or name in self.multi or bool(self.getlist(name))

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
    """Merge query, form and JSON parameters; a JSON body that does not parse is a 400."""
    multi: MultiDict[str] = MultiDict(request.query)
    body: Any = None
    ctype = request.content_type
    if request.body_exists:
        if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    multi.add(key, value)
        elif ctype == "application/json" or ctype.endswith("+json"):
            raw = await request.read()
            if raw.strip():
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise web.HTTPBadRequest(
                        text=json.dumps({"message": "Malformed JSON body"}),
                        content_type="application/json",
                    ) from None
    return Params(multi, body)


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


def base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"

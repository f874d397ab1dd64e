"""The sandbox's own tables, read from ``reference_tables.json``.

That file is the sandbox's extraction of the reference (``scripts/extract_sandbox_tables.py``):
every value here carries the reference line it came from, and none of it comes from the SDK,
so a wrong guess in the SDK cannot make the sandbox agree with it.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

__all__ = [
    "CURRENCIES",
    "IMAP_PAIRS",
    "LINKEDIN_ACTIONS",
    "MAX_WEBHOOKS",
    "OPERATIONS",
    "SMTP_PAIRS",
    "TIMEZONES",
    "TRIGGER_ACTIONS",
    "WAIT_LIMITS",
    "WEBHOOK_EVENTS",
    "WEBHOOK_LADDER",
    "ZONES",
    "allowed",
    "facts",
]

_DATA: dict[str, Any] = json.loads(
    resources.files(__package__).joinpath("reference_tables.json").read_text("utf-8")
)

#: ``{"METHOD /path": {"line": n, "params": {name: {"line": n, facts...}}}}``.
OPERATIONS: dict[str, dict[str, Any]] = {
    f"{op['method']} {op['path']}": op for op in _DATA["operations"]
}

#: Campaign timezones: id -> (zone, UTC offset) (reference lines 1485-1934).
TIMEZONES: dict[int, tuple[str, str]] = {
    row["id"]: (row["zone"], row["offset"]) for row in _DATA["timezones"]
}
#: Zone names as accepted: the table's (``America/New York``) and IANA's (``America/New_York``).
ZONES: frozenset[str] = frozenset(
    name for zone, _ in TIMEZONES.values() for name in (zone, zone.replace(" ", "_"))
)
#: Deal currencies: code -> (id, name, symbol) (reference lines 1935-2055).
CURRENCIES: dict[str, tuple[int, str, str]] = {
    row["code"]: (row["id"], row["name"], row["symbol"]) for row in _DATA["currencies"]
}
#: SMTP port -> allowed encryptions (reference line 858).
SMTP_PAIRS: dict[int, frozenset[str]] = {
    int(port): frozenset(row["encryption"]) for port, row in _DATA["smtp_pairs"].items()
}
#: IMAP port -> allowed encryptions (reference line 862).
IMAP_PAIRS: dict[int, frozenset[str]] = {
    int(port): frozenset(row["encryption"]) for port, row in _DATA["imap_pairs"].items()
}
#: LinkedIn step actions (reference lines 1470-1478).
LINKEDIN_ACTIONS: tuple[str, ...] = tuple(_DATA["linkedin_actions"])
#: Trigger step actions (reference lines 1479-1484).
TRIGGER_ACTIONS: tuple[str, ...] = tuple(_DATA["trigger_actions"])
#: ``waiting_val`` maximum per unit (reference line 1461).
WAIT_LIMITS: dict[str, int] = {unit: row["max"] for unit, row in _DATA["wait_limits"].items()}
#: Webhook event object -> actions (reference lines 3717-3735).
WEBHOOK_EVENTS: dict[str, tuple[str, ...]] = {
    obj: tuple(actions) for obj, actions in _DATA["webhook_events"].items()
}
#: At most this many webhooks per account (reference line 3736).
MAX_WEBHOOKS: int = _DATA["max_webhooks"]["value"]
#: Seconds between webhook delivery attempts (reference lines 3740-3746), from the cumulative
#: times ("事件发生后 …"): the per-step times of attempts 6 and 7 say minutes where the
#: cumulative ones imply hours.
_CUMULATIVE = [row["after_event_seconds"] for row in _DATA["webhook_ladder"]]
WEBHOOK_LADDER: tuple[int, ...] = tuple(
    now - before for before, now in zip([0, *_CUMULATIVE[:-1]], _CUMULATIVE, strict=True)
)


def facts(operation: str, name: str) -> dict[str, Any]:
    """What the reference states about parameter ``name`` of ``operation`` (with its line)."""
    facts_: dict[str, Any] = OPERATIONS[operation]["params"][name]
    return facts_


def allowed(operation: str, name: str) -> tuple[Any, ...]:
    """The allowed values of a parameter, as the reference lists them."""
    return tuple(facts(operation, name)["allowed"])

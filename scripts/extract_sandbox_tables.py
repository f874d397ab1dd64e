# ruff: noqa: RUF001, RUF002 - the reference's own dashes and punctuation
"""Extract the sandbox's own tables from the reference text, each value with its line.

Usage: python scripts/extract_sandbox_tables.py [REFERENCE] [OUT]

REFERENCE defaults to ../shared/reference/snov-api-reference.zh.txt, OUT to
snov_async/sandbox/reference_tables.json. The sandbox reads nothing of the SDK: what it
enforces comes from this file, and this file comes from the reference alone.

What is extracted:
- ``operations``: the 69 operations (method, path, line) and, per operation, each documented
  parameter with the facts its description states: required (``*必需``, ``*…必填``), allowed
  values (``允许的值``/``允许值``), numeric bounds (``最小``/``最大``/``范围 a–b``), a maximum
  length (``最多 N 个字符``), a default (``默认值``), each with the parameter's line.
- ``timezones`` and ``currencies``: the campaign section's two tables.
- ``linkedin_actions``, ``trigger_actions``: the step-action table of campaign creation.
- ``wait_limits``: the per-unit maxima of ``waiting_val``.
- ``smtp_pairs``, ``imap_pairs``: the port -> encryption rules.
- ``webhook_events``, ``max_webhooks``, ``webhook_ladder``: the webhook section.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OP = re.compile(r"^\| (GET|POST|PUT|PATCH|DELETE) \| https://api\.snov\.io(\S+) \|")
PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][\w.\[\]{}]*)(?P<flags>(?: \*[^|]*?)?(?: \(core\))?) \| (?P<text>.*)$"
)
TZ_ROW = re.compile(r"^\| (\d+) \| ([A-Za-z_/ +\-0-9]+?) \| ([+-]\d\d:\d\d) \|$")
CUR_ROW = re.compile(r"^\| (\d+) \| ([^|]+?) \| ([A-Z]{3}) \| ([^|]*?) \|$")
ALLOWED = re.compile(r"允许的?值[::]\s*([^。|]+)")
RANGE = re.compile(r"(?:范围|\()\s*(\d+)\s*[–-]\s*(\d+)")
MIN = re.compile(r"最小(?:值)?[::]?\s*(\d+)")
MAX = re.compile(r"最大(?:值)?(?:为)?[::]?\s*(\d+)")
MAX_LEN = re.compile(r"最多\s*(\d+)\s*个字符")
DEFAULT = re.compile(r"默认值?[::]\s*([^。|,,))]+)")
MAX_ITEMS = re.compile(r"最多(?:可以)?(?:同时)?(?:包含|提供|验证|筛选)?\s*(\d+)\s*个(?!字符)")
MIN_ITEMS = re.compile(r"最少\s*(\d+)\s*个(?!字符)")
ITEM_MAX_LEN = re.compile(r"不超过\s*(\d+)\s*个字符")
SNIPPET = ("<?php", "def ", "import ", "{", "[", "| {")
ACTION_ROW = re.compile(r"^(?:\| )?(linkedin|trigger) \| (\w+) \| (.*)$")
LI_ROW_2 = re.compile(r"^\| (\w+) \| (.*?) \| \|$")
EVENT_ROW = re.compile(r"^(?:(\w+) \| (\w+) \|(.*)|\| (\w+) \| (.*) \| \|)$")


def _values(text: str) -> list[str]:
    parts = re.split(r"[、,,]\s*", text.strip().rstrip("。. "))
    out = []
    for part in parts:
        value = re.sub(r"[((].*?[))]", "", part).strip().strip('"').strip()
        if value:
            out.append(value)
    return out


def _number(text: str) -> int | str:
    text = text.strip()
    return int(text) if text.isdigit() else text


def _facts(name: str, flags: str, text: str) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    if "*" in flags:
        facts["required"] = flags.strip().lstrip("*").strip() or "必需"
    if "(core)" in flags:
        facts["core"] = True
    if m := ALLOWED.search(text):
        facts["allowed"] = [_number(v) for v in _values(m.group(1))]
    if m := RANGE.search(text):
        facts["min"], facts["max"] = int(m.group(1)), int(m.group(2))
    else:
        if m := MIN.search(text):
            facts["min"] = int(m.group(1))
        if m := MAX.search(text):
            facts["max"] = int(m.group(1))
    if m := MAX_LEN.search(text):
        facts["max_len"] = int(m.group(1))
        facts.pop("max", None) if facts.get("max") == facts["max_len"] else None
    if m := DEFAULT.search(text):
        facts["default"] = _number(m.group(1))
    if m := MAX_ITEMS.search(text):
        facts["max_items"] = int(m.group(1))
    if m := MIN_ITEMS.search(text):
        facts["min_items"] = int(m.group(1))
    if m := ITEM_MAX_LEN.search(text):
        facts["item_max_len"] = int(m.group(1))
    return facts


def extract(reference: Path) -> dict[str, Any]:
    lines = reference.read_text(encoding="utf-8").split("\n")
    ops: list[dict[str, Any]] = []
    timezones: list[dict[str, Any]] = []
    currencies: list[dict[str, Any]] = []
    li_actions: dict[str, int] = {}
    trigger_actions: dict[str, int] = {}
    events: dict[str, dict[str, int]] = {}
    smtp_pairs: dict[str, Any] = {}
    imap_pairs: dict[str, Any] = {}
    wait_limits: dict[str, Any] = {}
    max_webhooks: dict[str, int] = {}
    ladder: list[dict[str, Any]] = []
    in_params = False
    in_events = False
    last_object = ""
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if m := OP.match(line):
            ops.append({"method": m[1], "path": m[2], "line": number, "params": {}})
            in_params = True
            continue
        if in_params and line.startswith(SNIPPET):
            in_params = False  # the answer's fields come after the snippets
        if m := TZ_ROW.match(line):
            timezones.append(
                {"id": int(m[1]), "zone": m[2].strip(), "offset": m[3], "line": number}
            )
            continue
        if m := CUR_ROW.match(line):
            currencies.append(
                {"id": int(m[1]), "name": m[2].strip(), "code": m[3], "symbol": m[4].strip(),
                 "line": number}
            )  # fmt: skip
            continue
        if m := ACTION_ROW.match(line):
            kind, action = m[1], m[2]
            table = li_actions if kind == "linkedin" else trigger_actions
            table.setdefault(action, number)
            continue
        if line.startswith("| 步骤类型 |") or line.startswith("| Webhook 对象 |"):
            in_events = line.startswith("| Webhook 对象 |")
            continue
        if in_events and (m := EVENT_ROW.match(line)):
            if m[1]:
                last_object = m[1]
                events.setdefault(last_object, {})[m[2]] = number
            else:
                events[last_object][m[4]] = number
            continue
        if in_events and line.startswith("限制"):
            if m := re.search(r"最多可以创建\s*(\d+)\s*个 webhook", line):
                max_webhooks = {"value": int(m[1]), "line": number}
            in_events = False
            continue
        if m := re.match(r"^- 第 (\d+) 次:(.*)$", line):
            after = re.search(r"事件发生后\s*(\d+)\s*(分钟|小时)", m[2])
            ladder.append(
                {"attempt": int(m[1]), "text": m[2].strip(), "line": number,
                 "after_event_seconds": (int(after[1]) * (60 if after[2] == "分钟" else 3600))
                 if after else 0}
            )  # fmt: skip
            continue
        if in_params and ops and (m := PARAM.match(line)):
            name, flags, text = m["name"], m["flags"], m["text"]
            if name in ("|", "data") or "CURLOPT" in text:
                continue
            ops[-1]["params"][name] = {"line": number, **_facts(name, flags, text)}
            if name in ("smtp.encryption", "imap.encryption") and "→" in text:
                pairs = smtp_pairs if name.startswith("smtp") else imap_pairs
                for port, enc in re.findall(r"(\d+)\s*→\s*([a-z]+(?:\s*或\s*[a-z]+)?)", text):
                    pairs.setdefault(port, {"encryption": re.split(r"\s*或\s*", enc),
                                            "line": number})  # fmt: skip
            if name.endswith("waiting_val") and not wait_limits:
                for unit, limit in re.findall(r"(minutes|hours|days)\s*≤\s*(\d+)", text):
                    wait_limits[unit] = {"max": int(limit), "line": number}
    return {
        "source": "snov-api-reference.zh.txt",
        "operations": ops,
        "timezones": timezones,
        "currencies": currencies,
        "linkedin_actions": li_actions,
        "trigger_actions": trigger_actions,
        "wait_limits": wait_limits,
        "smtp_pairs": smtp_pairs,
        "imap_pairs": imap_pairs,
        "webhook_events": events,
        "max_webhooks": max_webhooks,
        "webhook_ladder": ladder,
    }


def main() -> None:
    reference = Path(
        sys.argv[1]
        if len(sys.argv) > 1
        else ROOT.parent / "shared/reference/snov-api-reference.zh.txt"
    )
    out = Path(
        sys.argv[2] if len(sys.argv) > 2 else ROOT / "snov_async/sandbox/reference_tables.json"
    )
    tables = extract(reference)
    if len(tables["operations"]) != 69:
        raise SystemExit(f"expected 69 operations, found {len(tables['operations'])}")
    out.write_text(json.dumps(tables, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"{len(tables['operations'])} operations, "
        f"{sum(len(o['params']) for o in tables['operations'])} parameters, "
        f"{len(tables['timezones'])} timezones, {len(tables['currencies'])} currencies -> {out}"
    )


if __name__ == "__main__":
    main()

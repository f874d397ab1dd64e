"""Models of campaigns, their sequences, content blocks and schedules (reference lines
1380-2566), and the typed sequence builder."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from collections.abc import Sequence as Seq
from typing import Any, ClassVar

import attrs

from .. import _validate
from ..errors import ValidationError
from .common import OpenEnum, SnovModel

__all__ = [
    "Campaign",
    "CampaignAction",
    "CampaignCreate",
    "CampaignSequence",
    "CampaignStatus",
    "CampaignSummary",
    "ContentBlock",
    "ContentSlot",
    "Deals",
    "Delay",
    "Email",
    "Goal",
    "LinkedIn",
    "Recipients",
    "Schedule",
    "ScheduleDay",
    "SendingSettings",
    "Sequence",
    "SequenceStep",
    "Tracking",
    "Trigger",
]

#: Waiting limits per unit (reference line 1455).
WAIT_LIMITS = {"minutes": 43200, "hours": 720, "days": 30}
LINKEDIN_ACTIONS = (
    "visit",
    "like",
    "follow",
    "invite",
    "message",
    "in_mail",
    "connected_on_linkedin",
    "check_connection_level",
    "endorse_skills",
)
TRIGGER_ACTIONS = (
    "open",
    "click",
    "calendly",
    "connected_on_linkedin",
    "check_connection_level",
    "linkedin_in_mail_sent",
)
#: LinkedIn actions that must be followed by a system trigger (reference lines 1482-1484).
SYSTEM_TRIGGERS = {
    "in_mail": "linkedin_in_mail_sent",
    "connected_on_linkedin": "connected_on_linkedin",
}


class CampaignStatus(OpenEnum):
    NEW = "new"
    ACTIVE = "active"
    PAUSED = "paused"
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    ARCHIVED = "archived"


class CampaignAction(OpenEnum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    COMPLETE = "complete"
    ARCHIVED = "archived"


# Sequence builder ------------------------------------------------------------------------

_refs = itertools.count(1)


def _auto_ref() -> str:
    return f"step{next(_refs)}"


@attrs.frozen
class _Step:
    type: ClassVar[str]
    ref: str

    def to_body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"_ref": self.ref, "type": self.type}
        for field in attrs.fields(type(self)):
            if field.name == "ref":
                continue
            value = getattr(self, field.name)
            if value is not None:
                out[field.name] = value
        return out

    def links(self) -> dict[str, str | None]:
        return {"next": getattr(self, "next", None)}


def _wait(ref: str, unit: str, value: int) -> None:
    _validate.one_of(unit, f"{ref}.waiting_type", tuple(WAIT_LIMITS))
    _validate.integer(value, f"{ref}.waiting_val", 1, WAIT_LIMITS[unit])


def _levels(ref: str, value: Any) -> None:
    """A check_connection_level value: 1-2 unique levels of [1, 2, 3] (reference line 1467)."""
    if not (
        isinstance(value, list)
        and 1 <= len(value) <= 2
        and len(set(value)) == len(value)
        and all(v in (1, 2, 3) and not isinstance(v, bool) for v in value)
    ):
        raise ValidationError(
            f"{ref}: check_connection_level needs 1-2 unique levels of [1, 2, 3]",
            field=f"{ref}.value",
        )


def _content(ref: str, content: Any) -> tuple[dict[str, Any], ...]:
    """An email step's content slots as the update body sends them: ``{"id": int,
    "plain_text": bool, "usage": "active"|"pause"}`` each (reference line 2282)."""
    if isinstance(content, (str, bytes, Mapping)) or not isinstance(content, (list, tuple)):
        raise ValidationError(
            f"{ref}.content must be a list of content slots", field=f"{ref}.content"
        )
    out = []
    for n, slot in enumerate(content):
        where = f"{ref}.content[{n}]"
        if isinstance(slot, ContentSlot):
            slot = {"id": slot.id, "plain_text": slot.plain_text, "usage": slot.usage}
        if not isinstance(slot, Mapping):
            raise ValidationError(f"{where} must be a content slot", field=f"{ref}.content")
        _validate.integer(slot.get("id"), f"{where}.id", 1)
        item: dict[str, Any] = {"id": slot["id"]}
        if slot.get("plain_text") is not None:
            if not isinstance(slot["plain_text"], bool):
                raise ValidationError(
                    f"{where}.plain_text must be true or false", field=f"{ref}.content"
                )
            item["plain_text"] = slot["plain_text"]
        usage = slot.get("usage")
        if usage is not None:
            _validate.one_of(getattr(usage, "value", usage), f"{where}.usage", ("active", "pause"))
            item["usage"] = getattr(usage, "value", usage)
        out.append(item)
    return tuple(out)


@attrs.frozen
class Email(_Step):
    """An email step with ``content_slots`` A/B variants (1-15).

    ``content`` describes the step's existing content slots; `campaigns.update` needs it on
    every email step that already exists (a numeric ``ref``; reference line 2282): copy it
    from `Campaign.sequence` (`ContentSlot` objects or ``{"id", "plain_text", "usage"}``
    mappings).
    """

    type: ClassVar[str] = "email"
    ref: str = attrs.field(factory=_auto_ref)
    content_slots: int = 1
    subject: str | None = None
    next: str | None = None
    content: Seq[ContentSlot | Mapping[str, Any]] | None = None

    def __attrs_post_init__(self) -> None:
        _validate.integer(self.content_slots, f"{self.ref}.content_slots", 1, 15)
        if self.content is not None:
            object.__setattr__(self, "content", _content(self.ref, self.content))

    def to_body(self) -> dict[str, Any]:
        out = super().to_body()
        if self.content is not None:
            out["content"] = [dict(slot) for slot in _content(self.ref, self.content)]
        return out


@attrs.frozen
class Delay(_Step):
    """Wait ``waiting_val`` ``waiting_type`` (minutes <= 43200, hours <= 720, days <= 30)."""

    type: ClassVar[str] = "delay"
    waiting_val: int = 1
    waiting_type: str = "days"
    ref: str = attrs.field(factory=_auto_ref)
    next: str | None = None

    def __attrs_post_init__(self) -> None:
        _wait(self.ref, self.waiting_type, self.waiting_val)


@attrs.frozen
class Trigger(_Step):
    """Branch on an event (``open``, ``click`` ...) within a waiting period: ``yes``/``no``.

    ``check_connection_level`` branches on the prospect's LinkedIn degree and needs a
    ``value``: 1-2 unique levels of [1, 2, 3] (reference lines 1467, 2285, 2299).
    """

    type: ClassVar[str] = "trigger"
    action: str = "open"
    ref: str = attrs.field(factory=_auto_ref)
    waiting_val: int = 1
    waiting_type: str = "days"
    yes: str | None = None
    no: str | None = None
    value: list[int] | None = None

    def __attrs_post_init__(self) -> None:
        _validate.one_of(self.action, f"{self.ref}.action", TRIGGER_ACTIONS)
        _wait(self.ref, self.waiting_type, self.waiting_val)
        if self.action == "check_connection_level" or self.value is not None:
            _levels(self.ref, self.value)

    def links(self) -> dict[str, str | None]:
        return {"yes": self.yes, "no": self.no}


@attrs.frozen
class Goal(_Step):
    """The end of a branch, with a label. Never first, never followed by anything."""

    type: ClassVar[str] = "goal"
    goal_name: str = "end"
    ref: str = attrs.field(factory=_auto_ref)


@attrs.frozen
class LinkedIn(_Step):
    """A LinkedIn action. ``invite``/``message``/``in_mail`` need a ``body``; ``in_mail`` a
    ``subject``; ``endorse_skills`` a ``value`` 1-5. ``check_connection_level`` may name 1-2
    of the levels [1, 2, 3] (the branching `Trigger` of that name is the one that needs them,
    reference line 2293)."""

    type: ClassVar[str] = "linkedin"
    action: str = "visit"
    ref: str = attrs.field(factory=_auto_ref)
    body: str | None = None
    subject: str | None = None
    value: int | list[int] | None = None
    next: str | None = None

    def __attrs_post_init__(self) -> None:
        where = f"{self.ref}.action"
        _validate.one_of(self.action, where, LINKEDIN_ACTIONS)
        if self.action in ("invite", "message", "in_mail") and not (
            self.body and self.body.strip()
        ):
            raise ValidationError(
                f"{self.ref}: {self.action} needs a body", field=f"{self.ref}.body"
            )
        if self.action == "in_mail" and not self.subject:
            raise ValidationError(
                f"{self.ref}: in_mail needs a subject", field=f"{self.ref}.subject"
            )
        if self.action == "endorse_skills":
            if not isinstance(self.value, int):
                raise ValidationError(
                    f"{self.ref}: endorse_skills needs a value 1-5", field=f"{self.ref}.value"
                )
            _validate.integer(self.value, f"{self.ref}.value", 1, 5)
        if self.action == "check_connection_level" and self.value is not None:
            # The LinkedIn step may name the levels; only the trigger needs them (line 2293).
            _levels(self.ref, self.value)


SequenceStep = Email | Delay | Trigger | Goal | LinkedIn


@attrs.frozen
class Sequence:
    """A campaign's step graph, checked against the reference's rules when it is made.

    Build a straight line with `Sequence.linear`, or any graph with explicit refs::

        Sequence("hello", [
            Email("hello", content_slots=2, next="wait"),
            Trigger("open", ref="wait", waiting_val=2, yes="done", no="nudge"),
            Email("nudge", next="done"),
            Goal("Opened", ref="done"),
        ])

    Rules: refs unique and every link points at a step; the entry is not a goal; a goal has no
    next; a trigger has both yes and no; ``in_mail`` and ``connected_on_linkedin`` are followed
    by their system trigger; waiting limits per unit; ``content_slots`` 1-15.
    """

    entry: str
    steps: Seq[SequenceStep]

    def __attrs_post_init__(self) -> None:
        by_ref: dict[str, SequenceStep] = {}
        for step in self.steps:
            if step.ref in by_ref:
                raise ValidationError(
                    f"step ref {step.ref!r} is used twice", field="sequence.steps"
                )
            by_ref[step.ref] = step
        if self.entry not in by_ref:
            raise ValidationError(f"entry {self.entry!r} is not a step", field="sequence.entry")
        if isinstance(by_ref[self.entry], Goal):
            raise ValidationError("a goal cannot be the first step", field="sequence.entry")
        for step in self.steps:
            if isinstance(step, Trigger) and (not step.yes or not step.no):
                raise ValidationError(
                    f"trigger {step.ref!r} needs both yes and no", field=f"{step.ref}"
                )
            for link, target in step.links().items():
                if target is not None and target not in by_ref:
                    raise ValidationError(
                        f"{step.ref}.{link} points at {target!r}, which is not a step",
                        field=f"{step.ref}.{link}",
                    )
            if isinstance(step, LinkedIn) and step.action in SYSTEM_TRIGGERS:
                needed = SYSTEM_TRIGGERS[step.action]
                after = by_ref.get(step.next or "")
                if not (isinstance(after, Trigger) and after.action == needed):
                    raise ValidationError(
                        f"{step.ref} ({step.action}) must be followed by the system "
                        f"trigger {needed}",
                        field=f"{step.ref}.next",
                    )

    @classmethod
    def linear(cls, *steps: SequenceStep) -> Sequence:
        """Chain steps in order (each one's ``next`` is the following step)."""
        if not steps:
            raise ValidationError("a sequence needs at least one step", field="sequence.steps")
        chained: list[SequenceStep] = []
        for step, following in zip(steps, [*steps[1:], None], strict=True):
            if following is not None and not isinstance(step, (Goal, Trigger)):
                step = attrs.evolve(step, next=following.ref)
            chained.append(step)
        return cls(chained[0].ref, chained)

    def to_body(self) -> dict[str, Any]:
        return {"entry": self.entry, "steps": [s.to_body() for s in self.steps]}


# Request ---------------------------------------------------------------------------------


@attrs.frozen
class Tracking(SnovModel):
    open: bool | None = None
    link_click: bool | None = None


@attrs.frozen
class SendingSettings(SnovModel):
    """How a campaign sends and whom it skips (reference line 1428)."""

    sending_priority: str | None = None
    daily_sending_all: int | None = None
    daily_sending_new_recipients: int | None = None
    skip_unverifiable: bool | None = None
    skip_unverified: bool | None = None
    skip_who_replied: bool | None = None
    skip_company_domain_who_replied: bool | None = None
    skip_recipients_without_variables_data: bool | None = None
    skip_other_recipients_email_addresses: bool | None = None
    skip_recipients_added_to_my_another_campaign: bool | None = None
    skip_recipients_added_to_team_another_campaign: bool | None = None
    one_click_unsubscribe: bool | None = None
    delay_type: str | None = None
    delay_from: int | None = None
    delay_to: int | None = None


@attrs.frozen
class Recipients(SnovModel):
    list_id: int | None = None
    black_list_id: int | None = None


@attrs.frozen
class Deals(SnovModel):
    event: list[str] = attrs.field(factory=list)
    pipeline_id: int | None = None
    stage_id: int | None = None
    potential_value: int | None = None
    currency: str | None = None


@attrs.frozen
class CampaignCreate:
    """The body of ``POST /v2/campaigns/create``, checked when it is made.

    Required: ``title`` (<= 255), ``priority`` (low/medium/high), ``list_id``, ``sequence``,
    ``complete_campaign_after_last_step``, ``archive_in_months`` (1, 2, 3 or 6). Campaigns with
    email steps also need ``email_accounts``, ``tracking``, ``sending_settings`` and
    ``provider_matching`` (which needs at least two accounts to be true). ``timezone`` and a
    deal ``currency`` come from the reference's tables.
    """

    title: str
    priority: str
    list_id: int
    sequence: Sequence
    complete_campaign_after_last_step: bool
    archive_in_months: int
    email_accounts: list[int] | None = None
    linkedin_accounts: list[int] | None = None
    tracking: dict[str, bool] | None = None
    sending_settings: dict[str, Any] | None = None
    black_list_id: int | None = None
    schedule_id: int | None = None
    start_campaign_at: str | None = None
    complete_campaign_at: str | None = None
    timezone: str | None = None
    provider_matching: bool | None = None
    deals: dict[str, Any] | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.title, str) or not self.title.strip() or len(self.title) > 255:
            raise ValidationError("title is required (at most 255 characters)", field="title")
        _validate.text(self.title, "title", max_len=_validate.MAX_TITLE)
        _validate.one_of(self.priority, "priority", ("low", "medium", "high"))
        _validate.positive_id(self.list_id, "list_id")
        _validate.flag(self.complete_campaign_after_last_step, "complete_campaign_after_last_step")
        for field in ("email_accounts", "linkedin_accounts"):
            if getattr(self, field) is not None:
                object.__setattr__(self, field, _validate.id_list(getattr(self, field), field))
        for field in ("black_list_id", "schedule_id"):
            if getattr(self, field) is not None:
                _validate.positive_id(getattr(self, field), field)
        for field in ("tracking", "sending_settings", "deals"):
            if getattr(self, field) is not None and not isinstance(getattr(self, field), dict):
                raise ValidationError(f"{field} must be a dict", field=field)
        if self.provider_matching is not None:
            _validate.flag(self.provider_matching, "provider_matching")
        _validate.one_of(self.archive_in_months, "archive_in_months", (1, 2, 3, 6))
        if not isinstance(self.sequence, Sequence):
            raise ValidationError("sequence must be a Sequence", field="sequence")
        if any(isinstance(s, Email) for s in self.sequence.steps):
            for field in ("email_accounts", "tracking", "sending_settings", "provider_matching"):
                if getattr(self, field) is None:
                    raise ValidationError(
                        f"{field} is required for a campaign with email steps", field=field
                    )
        if self.provider_matching and len(self.email_accounts or []) < 2:
            raise ValidationError(
                "provider_matching needs at least two email accounts", field="provider_matching"
            )
        for field in ("start_campaign_at", "complete_campaign_at"):
            value = getattr(self, field)
            if value is not None:
                object.__setattr__(self, field, _validate.datetime_text(value, field))
        if (
            self.start_campaign_at
            and self.complete_campaign_at
            and self.complete_campaign_at <= self.start_campaign_at
        ):
            raise ValidationError(
                "complete_campaign_at must be after start_campaign_at", field="complete_campaign_at"
            )
        if self.timezone is not None:
            _validate.timezone(self.timezone)
        if self.deals is not None:
            check_deals(self.deals)

    def to_body(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "title": self.title,
            "priority": self.priority,
            "recipients": {"list_id": self.list_id, "black_list_id": self.black_list_id},
            "sequence": self.sequence.to_body(),
            "complete_campaign_after_last_step": self.complete_campaign_after_last_step,
            "archive_in_months": self.archive_in_months,
        }
        for field in (
            "email_accounts",
            "linkedin_accounts",
            "tracking",
            "sending_settings",
            "schedule_id",
            "start_campaign_at",
            "complete_campaign_at",
            "timezone",
            "provider_matching",
            "deals",
        ):
            value = getattr(self, field)
            if value is not None:
                out[field] = value
        if self.black_list_id is None:
            del out["recipients"]["black_list_id"]
        return out


def check_deals(deals: dict[str, Any]) -> None:
    events = deals.get("event")
    if (
        not isinstance(events, list)
        or not events
        or any(e not in ("open", "click", "reply") for e in events)
    ):
        raise ValidationError("deals.event must list open, click and/or reply", field="deals.event")
    for field in ("pipeline_id", "stage_id"):
        _validate.integer(deals.get(field), f"deals.{field}", 1)
    if deals.get("currency") is not None:
        _validate.currency(deals["currency"], "deals.currency")


# Responses -------------------------------------------------------------------------------


@attrs.frozen
class ContentSlot(SnovModel):
    id: int | None = None
    plain_text: bool | None = None
    usage: str | None = None


@attrs.frozen
class CampaignStep(SnovModel):
    """A step as the server returns it (``ref`` is its numeric id as a string)."""

    ref: str | None = None
    type: str | None = None
    next: str | None = None
    yes: str | None = None
    no: str | None = None
    waiting_type: str | None = None
    waiting_val: int | None = None
    action: str | None = None
    goal_name: str | None = None
    content_slots: int | None = None
    subject: str | None = None
    body: str | None = None
    value: Any = None
    content: list[ContentSlot] = attrs.field(factory=list)


@attrs.frozen
class CampaignSequence(SnovModel):
    entry: str | None = None
    steps: list[CampaignStep] = attrs.field(factory=list)


@attrs.frozen
class Campaign(SnovModel):
    """A campaign (reference line 2143)."""

    id: int | None = None
    status: CampaignStatus | None = None
    title: str | None = None
    email_accounts: list[int] = attrs.field(factory=list)
    linkedin_accounts: list[int] = attrs.field(factory=list)
    priority: str | None = None
    tracking: Tracking | None = None
    sending_settings: SendingSettings | None = None
    recipients: Recipients | None = None
    schedule_id: int | None = None
    start_campaign_at: str | None = None
    complete_campaign_at: str | None = None
    timezone: str | None = None
    complete_campaign_after_last_step: bool | None = None
    archive_in_months: int | None = None
    provider_matching: bool | None = None
    sequence: CampaignSequence | None = None
    deals: Deals | None = None


@attrs.frozen
class CampaignSummary(SnovModel):
    """One entry of ``GET /v1/get-user-campaigns`` (v1: ``status`` is ``Active``, ``Paused``,
    ``Draft`` ...; times are Unix timestamps)."""

    id: int | None = None
    campaign: str | None = None
    list_id: int | None = None
    status: str | None = None
    created_at: int | None = None
    updated_at: int | None = None
    started_at: int | None = None
    hash: str | None = None


@attrs.frozen
class ContentBlock(SnovModel):
    id: int | None = None
    subject: str | None = None
    body: str | None = None
    plain_text: bool | None = None
    usage: str | None = None


@attrs.frozen
class ScheduleDay(SnovModel):
    day: str | None = None
    enabled: bool = False
    start_time: str | None = None
    end_time: str | None = None


@attrs.frozen
class Schedule(SnovModel):
    id: int | None = None
    name: str | None = None
    timezone: str | None = None
    days: list[ScheduleDay] = attrs.field(factory=list)

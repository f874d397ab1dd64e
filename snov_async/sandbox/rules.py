"""The rules table: every rule of the reference the sandbox enforces, with its reference line.

Two kinds of rules:

- *fact* rules, read from the sandbox's extraction of the reference (``reference_tables.json``):
  a parameter marked required (``*必需``), its allowed values, numeric bounds, maximum length,
  or item counts. One rule per stated fact.
- *prose* rules, written here from the reference's sentences (cross-field conditions, states,
  costs, paging, defaults).

Each rule is tested by ``tests/sandbox/test_rule_table.py::test_rule[<id>]`` (a request that
breaks it is refused with the section's error shape, and a request at its edge is accepted);
``docs/sandbox-rules.md`` lists them (``python scripts/render_rules_table.py`` writes it).
The sandbox serves the table at ``GET /__sandbox__/rules``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .tables import OPERATIONS

__all__ = ["FACT_KINDS", "RULES", "Rule"]


class Rule(NamedTuple):
    """One rule: ``id`` (stable), the operation, the reference line, what it says."""

    id: str
    operation: str
    line: int
    statement: str
    kind: str = "prose"  # or "fact"

    def as_json(self) -> dict[str, Any]:
        return self._asdict()


#: Which extracted facts become rules (``default`` is a behaviour: prose rules cover those).
FACT_KINDS = ("required", "allowed", "range", "max_len", "max_items", "min_items", "item_max_len")


def _slug(operation: str) -> str:
    method, path = operation.split(" ", 1)
    path = path.split("?")[0].replace("[", "{").replace("]", "}")
    return f"{method.lower()}:{path}"


def _fact_rules() -> list[Rule]:
    out: list[Rule] = []
    for operation, op in OPERATIONS.items():
        for name, facts in op["params"].items():
            if name.startswith("sequence.steps"):
                continue  # the sequence graph's rules are prose rules below
            line = facts["line"]
            base = f"{_slug(operation)}#{name}"
            in_path = f"{{{name}}}" in operation or f"[{name}]" in operation
            if facts.get("required") == "必需" and not in_path:
                out.append(Rule(f"{base}:required", operation, line, f"{name} is required", "fact"))
            if "allowed" in facts:
                values = ", ".join(str(v) for v in facts["allowed"])
                out.append(
                    Rule(f"{base}:allowed", operation, line, f"{name} is one of {values}", "fact")
                )
            if "min" in facts or "max" in facts:
                low, high = facts.get("min", "…"), facts.get("max", "…")
                out.append(
                    Rule(f"{base}:range", operation, line, f"{name} is within {low}-{high}", "fact")
                )
            for kind, text in (
                ("max_len", "has at most {} characters"),
                ("max_items", "has at most {} items"),
                ("min_items", "has at least {} items"),
                ("item_max_len", "has items of at most {} characters"),
            ):
                if kind in facts:
                    statement = f"{name} " + text.format(facts[kind])
                    out.append(Rule(f"{base}:{kind}", operation, line, statement, "fact"))
    return out


_SENDER = "POST /v2/sender-accounts/emails"
_SENDER_PATCH = "PATCH /v2/sender-accounts/emails/{id}"
_WARMUP = "POST /v2/warm-up"
_WARMUP_PATCH = "PATCH /v2/warm-up/{id}"
_STATS = "GET /v2/warm-up/statistics/{id}"
_CREATE = "POST /v2/campaigns/create"
_PATCH = "PATCH /v2/campaigns/{campaign_id}"
_CONTENT = "POST /v2/campaigns/{campaign_id}/steps/{step_id}/content/create"
_CONTENT_GET = "GET /v2/campaigns/{campaign_id}/steps/{step_id}/content/{content_id}"
_CONTENT_PATCH = "PATCH /v2/campaigns/{campaign_id}/steps/{step_id}/content/{content_id}"
_CONTENT_DELETE = "DELETE /v2/campaigns/{campaign_id}/steps/{step_id}/content/{content_id}"

#: (id, operation, line, statement)
_PROSE: tuple[tuple[str, str, int, str], ...] = (
    # Auth and the gateway.
    ("auth.grant-type", "POST /v1/oauth/access_token", 18, "grant_type is client_credentials"),
    ("auth.bearer", "POST /v1/oauth/access_token", 14, "calls carry the token (Bearer header)"),
    ("auth.expiry", "POST /v1/oauth/access_token", 28, "a token stops working after expires_in"),
    ("gateway.rate", "GET /v1/get-balance", 2, "at most 60 requests per minute per account"),
    # Domain search.
    ("domain-search.domain", "POST /v2/domain-search/start", 34, "a search names a domain"),
    ("domain-search.cost", "POST /v2/domain-search/start", 31,
     "1 credit per unique search, nothing when nothing is found"),
    ("prospects.page-size", "POST /v2/domain-search/prospects/start", 104,
     "at most 20 prospects per page; page 1 by default"),
    ("domain-emails.page-size", "POST /v2/domain-search/domain-emails/start", 260,
     "at most 50 emails per page; next is empty on the last page"),
    ("generic-contacts.page-size", "POST /v2/domain-search/generic-contacts/start", 313,
     "at most 50 generic contacts per page"),
    ("emails-count.free", "POST /v1/get-domain-emails-count", 316, "the count is free"),
    ("emails-count.webmail", "POST /v1/get-domain-emails-count", 326,
     "a webmail domain's result is always 0"),
    # Email finder and enrichment.
    ("finder.rows-fields", "POST /v2/emails-by-domain-by-name/start", 332,
     "each row holds first_name, last_name and domain"),
    ("finder.cost", "POST /v2/emails-by-domain-by-name/start", 329,
     "1 credit per valid or unknown email found"),
    ("finder.not-enough-credits", "GET /v2/emails-by-domain-by-name/result", 413,
     "a task run without enough credits ends as not_enough_credits"),
    ("company-domain.cost", "POST /v2/company-domain-by-name/start", 427,
     "1 credit per domain found"),
    ("li-profiles.cost", "POST /v2/li-profiles-by-urls/start", 480, "1 credit per profile found"),
    ("profile-by-email.cost", "POST /v1/get-profile-by-email", 624,
     "1 credit per request, nothing when no profile is found"),
    ("verification.webhook", "POST /v2/email-verification/start", 748,
     "a webhook_url receives the result without polling"),
    ("prospects.positions", "POST /v2/domain-search/prospects/start", 103,
     "positions[] keeps the prospects of those positions only"),
    # Sender accounts.
    ("sender.optional-answer-fields", _SENDER, 913,
     "signature and timezoneId are in the answer only when set"),
    ("sender-status.imap-null", "GET /v2/sender-accounts/check-sender-status", 1016,
     "imap is null for an account created without IMAP"),
    ("sender.imap-complete", _SENDER, 859, "imap, when given, has host, port and encryption"),
    ("sender.smtp-pairs", _SENDER, 858,
     "smtp encryption matches the port: 465 ssl, 587 tls, 25 none"),
    ("sender.imap-pairs", _SENDER, 862, "imap encryption matches the port: 993 ssl/tls, 143 none"),
    ("sender.delay-order", _SENDER, 868, "delay_to is greater than delay_from"),
    ("sender.daily-capacity", _SENDER, 864,
     "limitation does not exceed what the delays allow in 24 hours"),
    ("sender.defaults", _SENDER, 864,
     "limitation 50, delay_type random, delays 600-900 by default"),
    ("sender.smtp-host-format", _SENDER_PATCH, 926,
     "smtp.host matches ^[a-zA-Z0-9][a-zA-Z0-9-.]* (at most 100 characters)"),
    ("sender-patch.smtp-complete", _SENDER_PATCH, 925,
     "smtp, when given, has host, port and encryption"),
    ("sender-patch.one-field", _SENDER_PATCH, 919, "an update carries at least one valid field"),
    ("sender-patch.tags-replace", _SENDER_PATCH, 941, "tags replace the list; null clears it"),
    ("sender-patch.null-clears", _SENDER_PATCH, 933, "null clears reply_to, signature, bcc_email"),
    ("sender-patch.daily-capacity", _SENDER_PATCH, 934,
     "limitation does not exceed what the delays allow in 24 hours"),
    ("sender-patch.delay-order", _SENDER_PATCH, 938, "delay_to is greater than delay_from"),
    # Warm-up.
    ("warmup.progressive-needs", _WARMUP, 1076,
     "from and increase are required when strategy is progressive"),
    ("warmup.from-le-per-day", _WARMUP, 1076, "from is at most per_day"),
    ("warmup.specific-needs", _WARMUP, 1079,
     "subject (1-200) and body (1-10000) are required when email_content is specific"),
    ("warmup.deadline-format", _WARMUP, 1082, "campaign_deadline is YYYY-MM-DD"),
    ("warmup.defaults", _WARMUP, 1074,
     "strategy progressive, email_content autogenerated, reply_rate 30 by default"),
    ("warmup-list.defaults", "GET /v2/warm-up", 1103, "page 1 and 20 per page by default"),
    ("warmup-patch.make-endless", _WARMUP_PATCH, 1247, "make_endless removes the deadline"),
    ("warmup-patch.progressive-needs", _WARMUP_PATCH, 1240,
     "from and increase stay required while strategy is progressive"),
    ("warmup-delete.gone", "DELETE /v2/warm-up/{id}", 1265,
     "a deleted warm-up is no longer reachable"),
    ("warmup-stats.range-needed", _STATS, 1283,
     "date_from and date_to are required without period"),
    ("warmup-stats.order", _STATS, 1284, "date_to is on or after date_from"),
    ("warmup-stats.after-start", _STATS, 1284, "date_to is on or after the warm-up's start"),
    # Campaigns.
    ("campaign.priority", _CREATE, 1417, "priority is low, medium or high"),
    ("campaign.email-needs", _CREATE, 1418,
     "an email campaign needs email_accounts, tracking, sending_settings, provider_matching"),
    ("campaign.provider-matching", _CREATE, 1445,
     "provider_matching is true only with at least two email accounts"),
    ("campaign.deals-needs", _CREATE, 1447, "deals need event, pipeline_id and stage_id"),
    ("campaign.deals-events", _CREATE, 1447, "deals.event lists open, click or reply"),
    ("campaign.deals-currency", _CREATE, 1451, "deals.currency is a code of the currency table"),
    ("campaign.timezone", _CREATE, 1442, "timezone is a zone of the timezone table"),
    ("campaign.datetime-format", _CREATE, 1440,
     "start_campaign_at and complete_campaign_at are YYYY-MM-DD HH:MM:SS"),
    ("campaign.created-new", _CREATE, 1414, "a created campaign is new and its blocks are empty"),
    ("campaign.settings-echo", _CREATE, 2130,
     "the answer echoes sending_settings as accepted, with the delay settings"),
    ("sequence.required", _CREATE, 1452, "a campaign has a sequence with entry and steps"),
    ("sequence.entry", _CREATE, 1453, "entry is the _ref of a step"),
    ("sequence.ref-unique", _CREATE, 1455, "each step has a unique _ref"),
    ("sequence.links", _CREATE, 1457, "next, yes and no name steps of the sequence"),
    ("sequence.type", _CREATE, 1456, "a step's type is email, delay, trigger, goal or linkedin"),
    ("sequence.waiting", _CREATE, 1460,
     "delay and trigger steps have waiting_type minutes/hours/days and waiting_val"),
    ("sequence.waiting-limits", _CREATE, 1461,
     "waiting_val is 1 or more and at most 43200 minutes, 720 hours, 30 days"),
    ("sequence.action", _CREATE, 1462,
     "linkedin and trigger steps have an action of their table"),
    ("sequence.goal", _CREATE, 1463,
     "a goal has a goal_name, no next, and is not the first step"),
    ("sequence.content-slots", _CREATE, 1464, "an email step has 1-15 content_slots"),
    ("sequence.in-mail-subject", _CREATE, 1465, "an in_mail step has a subject"),
    ("sequence.body", _CREATE, 1466, "invite, message and in_mail steps have a non-empty body"),
    ("sequence.endorse-value", _CREATE, 1467, "endorse_skills has a value 1-5"),
    ("sequence.connection-level-value", _CREATE, 1467,
     "check_connection_level has 1-2 unique values from [1, 2, 3]"),
    ("sequence.connected-trigger", _CREATE, 1482,
     "a connected_on_linkedin step's next is the connected_on_linkedin trigger"),
    ("sequence.in-mail-trigger", _CREATE, 1484,
     "an in_mail step's next is the linkedin_in_mail_sent trigger"),
    ("sequence.calendly", _PATCH, 2297,
     "a calendly trigger follows an email step and waits at most 30 days"),
    ("campaign-patch.core-locked", _PATCH, 2229, "core fields are writable only while new"),
    ("campaign-patch.merge", _PATCH, 2228, "nested objects are merged, not replaced"),
    ("campaign-patch.sequence-replaces", _PATCH, 2230,
     "a sequence replaces the graph: numeric _ref updates, others create, missing ones go"),
    ("campaign-patch.step-type-fixed", _PATCH, 2273, "an existing step keeps its type"),
    ("campaign-patch.content-kept", _PATCH, 2282,
     "an existing email step carries its content slots (copied from GET)"),
    ("campaign-patch.email-accounts", _PATCH, 2235,
     "email accounts need email steps; LinkedIn accounts need LinkedIn steps"),
    ("campaign-patch.schedule", _PATCH, 2240, "an unknown schedule_id is refused"),
    ("campaign-patch.linkedin-only-matching", _PATCH, 2237,
     "a LinkedIn-only campaign keeps provider_matching false"),
    ("campaign-patch.start-at", _PATCH, 2241,
     "start_campaign_at cannot be added later, and null is invalid"),
    ("campaign-patch.complete-at", _PATCH, 2242,
     "complete_campaign_at is after start_campaign_at, and null is invalid"),
    ("campaign-patch.deals-null", _PATCH, 2263, "deals null removes the deals settings"),
    ("campaign-patch.potential-value", _PATCH, 2267, "deals.potential_value is positive"),
    ("campaign-action.transitions", "POST /v2/campaigns/{campaign_id}/action", 2391,
     "an impossible action answers success false with errors"),
    ("campaign-delete.states", "DELETE /v2/campaigns/{campaign_id}", 2394,
     "only new, completed or archived campaigns are deleted"),
    ("content.states", _CONTENT, 2473, "content changes only while new, paused or scheduled"),
    ("content.overwrite", _CONTENT, 2477, "the same content_id overwrites the block"),
    ("content.generated-slots", _CONTENT_GET, 2139,
     "each generated content slot of an email step can be read"),
    ("content-patch.one-field", _CONTENT_PATCH, 2523, "an update carries at least one field"),
    ("content-delete.last", _CONTENT_DELETE, 2551,
     "the last block of a step cannot be deleted; any other can"),
    # Recipients.
    ("recipients.unique", "GET /v2/campaigns/[campaign_id]/recipient", 2569,
     "the emails are unique"),
    ("recipient-status.values", "POST /v1/change-recipient-status", 2625,
     "status is Active, Paused or Unsubscribed"),
    ("recipient-status.in-campaign", "POST /v1/change-recipient-status", 2624,
     "the email is a recipient of that campaign"),
    ("recipient-status.final", "POST /v1/change-recipient-status", 2625,
     "finished or moved recipients keep their status"),
    ("finished.all", "GET /v1/prospect-finished", 2632, "every finished prospect is listed"),
    ("do-not-email.items", "POST /v1/do-not-email-list", 2655, "items are emails or domains"),
    ("do-not-email.list", "POST /v1/do-not-email-list", 2656, "listId names a do-not-email list"),
    ("do-not-email.duplicates", "POST /v1/do-not-email-list", 2667,
     "items already listed come back as duplicates"),
    # Analytics.
    ("analytics.dates", "GET /v2/statistics/campaign-analytics", 2699,
     "date_from and date_to are yyyy-mm-dd"),
    ("analytics.all-active", "GET /v2/statistics/campaign-analytics", 2694,
     "without campaign_id, all active campaigns count"),
    ("analytics.sender-email", "GET /v2/statistics/campaign-analytics", 2695,
     "sender_email (comma list) filters by email account"),
    ("analytics.sender-linkedin", "GET /v2/statistics/campaign-analytics", 2697,
     "sender_linkedin (comma list) filters by LinkedIn account"),
    ("analytics.owner", "GET /v2/statistics/campaign-analytics", 2698,
     "campaign_owner (comma list of emails) filters by owner"),
    ("activity.window", "GET /v2/campaigns/[campaignId]/recipients-activity", 2888,
     "dateFrom to dateTo spans at most 31 days"),
    ("activity.paging", "GET /v2/campaigns/[campaignId]/recipients-activity", 2890,
     "offset 0 and limit 100 by default; has_more tells of a next page"),
    ("v1-events.last-10000", "GET /v1/emails-sent", 2992,
     "without offset, the last 10,000 events; offset skips the earliest ones"),
    ("v1-events.opened", "GET /v1/get-emails-opened", 3029, "the same paging for opens"),
    ("v1-events.clicked", "GET /v1/get-emails-clicked", 3070, "the same paging for clicks"),
    ("v1-events.replies", "GET /v1/get-emails-replies", 3198, "the same paging for replies"),
    ("all-replies.unique-pairs", "GET /v2/campaigns/[campaign_id]/all-replies", 3110,
     "one record per (prospect, reply type), replies in time order"),
    # Prospects and lists.
    ("add-prospect.identity", "POST /v1/add-prospect-to-list", 3254,
     "email or socialLinks[linkedIn] is given"),
    ("add-prospect.update-xor-duplicate", "POST /v1/add-prospect-to-list", 3252,
     "only one of updateContact and createDuplicates is true"),
    ("add-prospect.custom-fields", "POST /v1/add-prospect-to-list", 3253,
     "customFields[name] values are accepted (the reference's own example)"),
    ("prospect-list.newest-first", "POST /v1/prospect-list", 3549, "prospects come newest first"),
    ("lists.create", "POST /v1/lists", 3617, "a new list has a name"),
    # Webhooks.
    ("webhooks.pairs", "POST /v2/webhooks", 3717,
     "event_object and event_action form a listed pair"),
    ("webhooks.limit", "POST /v2/webhooks", 3736, "at most 50 webhooks"),
    ("webhooks.endpoint", "POST /v2/webhooks", 3806, "endpoint_url is an http(s) URL"),
    ("webhooks.status", "PUT /v2/webhooks/webhook_id", 3841, "status is active or deactivated"),
    ("webhooks.ladder", "GET /v2/webhooks", 3738,
     "deliveries retry 7 times over 38 hours, then the webhook is deactivated"),
    ("balance.free", "GET /v1/get-balance", 3691, "the balance is free"),
)  # fmt: skip


def _prose_rules() -> list[Rule]:
    return [Rule(rid, op, line, text) for rid, op, line, text in _PROSE]


#: Every rule, fact rules first, in reference order within each kind.
RULES: tuple[Rule, ...] = tuple(
    sorted(_fact_rules(), key=lambda r: r.line) + sorted(_prose_rules(), key=lambda r: r.line)
)

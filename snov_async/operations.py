# ruff: noqa: E501 - one operation per line reads best as a table
"""`OPERATIONS`: the 69 operations of the Snov.io reference and the SDK method for each.

``sdk_method`` is a dotted path from a client (``"campaigns.create"`` is
``client.campaigns.create``); `resolve` turns it into the bound method. Task operations are
performed in pairs (start and result) by one bulk or convenience method, so both entries name
it; the batch ones also have low-level ``start_…`` / ``…_result`` methods, named here.
``paid`` follows the reference's cost notes (``free`` where it says so).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["OPERATIONS", "Operation", "resolve"]


@attrs.frozen
class Operation:
    """One operation of the reference."""

    number: int
    method: str
    path: str
    sdk_method: str
    paid: bool
    section: str
    ref_line: int


def _ops() -> tuple[Operation, ...]:
    rows: list[tuple[str, str, str, bool, str, int]] = [
        ("POST", "/v1/oauth/access_token", "account.balance", False, "auth", 17),
        ("POST", "/v2/domain-search/start", "domain_search.company_info", True, "domain_search", 33),
        ("GET", "/v2/domain-search/result/{task_hash}", "domain_search.company_info", False, "domain_search", 50),
        ("POST", "/v2/domain-search/prospects/start", "domain_search.prospects", True, "domain_search", 101),
        ("GET", "/v2/domain-search/prospects/result/{task_hash}", "domain_search.prospects", False, "domain_search", 129),
        ("POST", "/v2/domain-search/prospects/search-emails/start/{prospect_hash}", "domain_search.prospect_emails", True, "domain_search", 171),
        ("GET", "/v2/domain-search/prospects/search-emails/result/{task_hash}", "domain_search.prospect_emails", False, "domain_search", 185),
        ("POST", "/v2/domain-search/domain-emails/start", "domain_search.domain_emails", True, "domain_search", 209),
        ("GET", "/v2/domain-search/domain-emails/result/{task_hash}", "domain_search.domain_emails", False, "domain_search", 230),
        ("POST", "/v2/domain-search/generic-contacts/start", "domain_search.generic_contacts", True, "domain_search", 262),
        ("GET", "/v2/domain-search/generic-contacts/result/{task_hash}", "domain_search.generic_contacts", False, "domain_search", 283),
        ("POST", "/v1/get-domain-emails-count", "domain_search.emails_count", False, "domain_search", 317),
        ("POST", "/v2/emails-by-domain-by-name/start", "email_finder.start_find_emails", True, "email_finder", 330),
        ("GET", "/v2/emails-by-domain-by-name/result", "email_finder.find_emails_result", False, "email_finder", 362),
        ("POST", "/v2/company-domain-by-name/start", "email_finder.start_company_domains", True, "email_finder", 428),
        ("GET", "/v2/company-domain-by-name/result", "email_finder.company_domains_result", False, "email_finder", 446),
        ("POST", "/v2/li-profiles-by-urls/start", "enrichment.start_linkedin_profiles", True, "enrichment", 481),
        ("GET", "/v2/li-profiles-by-urls/result", "enrichment.linkedin_profiles_result", False, "enrichment", 500),
        ("POST", "/v1/get-profile-by-email", "enrichment.profile_by_email", True, "enrichment", 625),
        ("POST", "/v2/email-verification/start", "verification.start_verify", True, "verification", 746),
        ("GET", "/v2/email-verification/result", "verification.verify_result", False, "verification", 767),
        ("POST", "/v2/sender-accounts/emails", "senders.create", False, "senders", 851),
        ("PATCH", "/v2/sender-accounts/emails/{id}", "senders.update", False, "senders", 920),
        ("GET", "/v2/sender-accounts/check-sender-status", "senders.check_status", False, "senders", 989),
        ("GET", "/v2/sender-accounts/emails", "senders.list", False, "senders", 1019),
        ("POST", "/v2/warm-up", "warmup.create", False, "warmup", 1072),
        ("GET", "/v2/warm-up", "warmup.page", False, "warmup", 1101),
        ("GET", "/v2/warm-up/{id}", "warmup.get", False, "warmup", 1160),
        ("PATCH", "/v2/warm-up/{id}", "warmup.update", False, "warmup", 1235),
        ("DELETE", "/v2/warm-up/{id}", "warmup.delete", False, "warmup", 1266),
        ("GET", "/v2/warm-up/statistics/{id}", "warmup.statistics", False, "warmup", 1280),
        ("GET", "/v1/get-user-campaigns", "campaigns.list", False, "campaigns", 1380),
        ("POST", "/v2/campaigns/create", "campaigns.create", False, "campaigns", 1415),
        ("GET", "/v2/campaigns/{campaign_id}", "campaigns.get", False, "campaigns", 2143),
        ("PATCH", "/v2/campaigns/{campaign_id}", "campaigns.update", False, "campaigns", 2231),
        ("POST", "/v2/campaigns/{campaign_id}/action", "campaigns.action", False, "campaigns", 2383),
        ("DELETE", "/v2/campaigns/{campaign_id}", "campaigns.delete", False, "campaigns", 2395),
        ("GET", "/v2/campaigns/schedules", "campaigns.schedules", False, "campaigns", 2407),
        ("POST", "/v2/campaigns/{campaign_id}/steps/{step_id}/content/create", "campaigns.create_content", False, "campaigns", 2474),
        ("GET", "/v2/campaigns/{campaign_id}/steps/{step_id}/content/{content_id}", "campaigns.get_content", False, "campaigns", 2502),
        ("PATCH", "/v2/campaigns/{campaign_id}/steps/{step_id}/content/{content_id}", "campaigns.update_content", False, "campaigns", 2524),
        ("DELETE", "/v2/campaigns/{campaign_id}/steps/{step_id}/content/{content_id}", "campaigns.delete_content", False, "campaigns", 2552),
        ("GET", "/v2/campaigns/{campaign_id}/recipient", "recipients.check", False, "recipients", 2567),
        ("POST", "/v1/change-recipient-status", "recipients.change_status", False, "recipients", 2622),
        ("GET", "/v1/prospect-finished", "recipients.finished", False, "recipients", 2633),
        ("POST", "/v1/do-not-email-list", "recipients.add_to_do_not_email", False, "recipients", 2654),
        ("GET", "/v2/blacklists", "recipients.do_not_email_lists", False, "recipients", 2670),
        ("GET", "/v2/statistics/campaign-analytics", "analytics.campaign_analytics", False, "analytics", 2692),
        ("GET", "/v2/campaigns/{campaign_id}/progress", "analytics.progress", False, "analytics", 2843),
        ("GET", "/v2/campaigns/{campaignId}/recipients-activity", "analytics.recipients_activity", False, "analytics", 2885),
        ("GET", "/v1/emails-sent", "analytics.emails_sent", False, "analytics", 2990),
        ("GET", "/v1/get-emails-opened", "analytics.emails_opened", False, "analytics", 3027),
        ("GET", "/v1/get-emails-clicked", "analytics.emails_clicked", False, "analytics", 3068),
        ("GET", "/v2/campaigns/{campaign_id}/all-replies", "analytics.all_replies", False, "analytics", 3111),
        ("GET", "/v1/get-emails-replies", "analytics.email_replies", False, "analytics", 3196),
        ("POST", "/v1/add-prospect-to-list", "prospects.add_to_list", False, "prospects", 3238),
        ("POST", "/v1/get-prospect-by-id", "prospects.get", False, "prospects", 3271),
        ("POST", "/v1/get-prospects-by-email", "prospects.find_by_email", False, "prospects", 3362),
        ("GET", "/v1/prospect-custom-fields", "prospects.custom_fields", False, "prospects", 3455),
        ("GET", "/v1/get-user-lists", "prospects.lists", False, "prospects", 3485),
        ("POST", "/v1/prospect-list", "prospects.list_page", False, "prospects", 3543),
        ("POST", "/v1/lists", "prospects.create_list", False, "prospects", 3616),
        ("GET", "/v2/pipelines", "pipelines.list", False, "pipelines", 3631),
        ("GET", "/v2/pipelines/{pipeline_id}/stages", "pipelines.stages", False, "pipelines", 3660),
        ("GET", "/v1/get-balance", "account.balance", False, "account", 3692),
        ("GET", "/v2/webhooks", "webhooks.list", False, "webhooks", 3748),
        ("POST", "/v2/webhooks", "webhooks.create", False, "webhooks", 3802),
        ("PUT", "/v2/webhooks/{webhook_id}", "webhooks.set_status", False, "webhooks", 3839),
        ("DELETE", "/v2/webhooks/{webhook_id}", "webhooks.delete", False, "webhooks", 3873),
    ]  # fmt: skip
    return tuple(Operation(n, *row) for n, row in enumerate(rows, start=1))


#: Every operation of the reference, in its order (``OPERATIONS[0].number == 1``).
OPERATIONS: tuple[Operation, ...] = _ops()


def resolve(client: Any, operation: Operation | str) -> Callable[..., Any]:
    """The bound SDK method of ``client`` that performs ``operation`` (or a dotted name)."""
    name = operation.sdk_method if isinstance(operation, Operation) else operation
    method = operator.attrgetter(name)(client)
    if not callable(method):
        raise TypeError(f"{name} is not a method")
    return method  # type: ignore[no-any-return]

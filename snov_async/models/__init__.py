"""Typed models of Snov.io's answers and of the larger request bodies, one module per API
section."""

from __future__ import annotations

from .account import Balance
from .campaigns import (
    Campaign,
    CampaignAction,
    CampaignCreate,
    CampaignStatus,
    CampaignSummary,
    ContentBlock,
    Delay,
    Email,
    Goal,
    LinkedIn,
    Schedule,
    Sequence,
    Trigger,
)
from .common import OpenEnum, SnovModel
from .crm import Pipeline, Stage, Webhook, WebhookList, WebhookObject, WebhookStatus
from .domain_search import (
    CompanyInfo,
    DomainEmailsCount,
    DomainEmailsPage,
    ProspectEmails,
    ProspectsPage,
)
from .domain_search import (
    Prospect as DomainProspect,
)
from .email_finder import CompanyDomain, EmailSearch, FoundEmail, NameDomain
from .enrichment import LinkedInPosition, LinkedInProfile, LinkedInProfileData
from .prospects import (
    CustomField,
    EmailProfile,
    ListProspect,
    Prospect,
    ProspectAdded,
    ProspectListInfo,
    ProspectListPage,
)
from .recipients import (
    CampaignAnalytics,
    CampaignProgress,
    DoNotEmailList,
    EmailEvent,
    FinishedProspect,
    RecipientActivity,
    RecipientCheck,
    RecipientStatus,
    Reply,
    SentEmail,
)
from .senders import (
    ConnectionSettings,
    SenderAccount,
    SenderAccountCreate,
    SenderAccountSummary,
    SenderStatus,
)
from .tasks import Progress, TaskStart, TaskStatus
from .verification import EmailCheck, EmailVerification, SmtpStatus, UnknownStatusReason
from .warmup import WarmUp, WarmUpCreate, WarmUpPage, WarmUpStatistics, WarmUpStatus

__all__ = [
    "Balance",
    "Campaign",
    "CampaignAction",
    "CampaignAnalytics",
    "CampaignCreate",
    "CampaignProgress",
    "CampaignStatus",
    "CampaignSummary",
    "CompanyDomain",
    "CompanyInfo",
    "ConnectionSettings",
    "ContentBlock",
    "CustomField",
    "Delay",
    "DoNotEmailList",
    "DomainEmailsCount",
    "DomainEmailsPage",
    "DomainProspect",
    "Email",
    "EmailCheck",
    "EmailEvent",
    "EmailProfile",
    "EmailSearch",
    "EmailVerification",
    "FinishedProspect",
    "FoundEmail",
    "Goal",
    "LinkedIn",
    "LinkedInPosition",
    "LinkedInProfile",
    "LinkedInProfileData",
    "ListProspect",
    "NameDomain",
    "OpenEnum",
    "Pipeline",
    "Progress",
    "Prospect",
    "ProspectAdded",
    "ProspectEmails",
    "ProspectListInfo",
    "ProspectListPage",
    "ProspectsPage",
    "RecipientActivity",
    "RecipientCheck",
    "RecipientStatus",
    "Reply",
    "Schedule",
    "SenderAccount",
    "SenderAccountCreate",
    "SenderAccountSummary",
    "SenderStatus",
    "SentEmail",
    "Sequence",
    "SmtpStatus",
    "SnovModel",
    "Stage",
    "TaskStart",
    "TaskStatus",
    "Trigger",
    "UnknownStatusReason",
    "WarmUp",
    "WarmUpCreate",
    "WarmUpPage",
    "WarmUpStatistics",
    "WarmUpStatus",
    "Webhook",
    "WebhookList",
    "WebhookObject",
    "WebhookStatus",
]

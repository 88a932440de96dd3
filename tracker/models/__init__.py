"""The data model (DESIGN.md section 2). Import models from here."""

from tracker.models.audit import AuditEvent
from tracker.models.data_version import DataVersion
from tracker.models.directory import Campaign, Official
from tracker.models.letters import (
    CHANNELS,
    DEMAND_OUTCOMES,
    LETTER_STATUSES,
    RECIPIENT_ROLES,
    RECIPIENT_STATES,
    Demand,
    Letter,
    Recipient,
    letter_watchers,
)
from tracker.models.mailbox import (
    MAIL_KINDS,
    MAIL_STATES,
    MATCH_RULES,
    LetterSend,
    MailAttachment,
    MailboxStatus,
    MailDelivery,
    MailMessage,
)
from tracker.models.reminders import (
    REMINDER_KINDS,
    REMINDER_STATES,
    Digest,
    DigestItem,
    MailServerStatus,
    OutboxMessage,
    Reminder,
    SchedulerHeartbeat,
)
from tracker.models.responses import RESPONSE_KINDS, STANCES, DemandAnswer, Response
from tracker.models.types import UTCDateTime, utcnow
from tracker.models.users import (
    DELIVERY_MODES,
    ROLES,
    LoginFailure,
    LoginSession,
    RecoveryCode,
    SiteSetting,
    User,
)

__all__ = [
    "CHANNELS",
    "DELIVERY_MODES",
    "DEMAND_OUTCOMES",
    "LETTER_STATUSES",
    "MAIL_KINDS",
    "MAIL_STATES",
    "MATCH_RULES",
    "RECIPIENT_ROLES",
    "RECIPIENT_STATES",
    "REMINDER_KINDS",
    "REMINDER_STATES",
    "RESPONSE_KINDS",
    "ROLES",
    "STANCES",
    "AuditEvent",
    "Campaign",
    "DataVersion",
    "Demand",
    "DemandAnswer",
    "Digest",
    "DigestItem",
    "Letter",
    "LetterSend",
    "LoginFailure",
    "LoginSession",
    "MailAttachment",
    "MailDelivery",
    "MailMessage",
    "MailServerStatus",
    "MailboxStatus",
    "Official",
    "OutboxMessage",
    "Recipient",
    "RecoveryCode",
    "Reminder",
    "Response",
    "SchedulerHeartbeat",
    "SiteSetting",
    "UTCDateTime",
    "User",
    "letter_watchers",
    "utcnow",
]

"""Tortoise models: the only layer that knows the tables."""

from models.changes import WorkspaceVersion
from models.resources import Assistant, PhoneNumber, TeamMember, TopUp
from models.usage import CallPeak, Contact, Conversation, DailyUsage, UsageEvent
from models.workspace import ApiKey, Plan, PlanGrant, Workspace

__models__ = [
    Plan,
    PlanGrant,
    Workspace,
    ApiKey,
    Assistant,
    TeamMember,
    PhoneNumber,
    TopUp,
    Contact,
    Conversation,
    UsageEvent,
    DailyUsage,
    CallPeak,
    WorkspaceVersion,
]

__all__ = [
    "ApiKey",
    "Assistant",
    "CallPeak",
    "Contact",
    "Conversation",
    "DailyUsage",
    "PhoneNumber",
    "Plan",
    "PlanGrant",
    "TeamMember",
    "TopUp",
    "UsageEvent",
    "Workspace",
    "WorkspaceVersion",
]

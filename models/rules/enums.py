"""Enumerations shared by the tables and the GraphQL schema (stored as their names)."""

from __future__ import annotations

from enum import StrEnum


class CreditType(StrEnum):
    CREDITS = "CREDITS"
    TEXT_QUERIES = "TEXT_QUERIES"
    VOICE_MINUTES = "VOICE_MINUTES"
    CONCURRENT_CALLS = "CONCURRENT_CALLS"
    PHONE_NUMBERS = "PHONE_NUMBERS"
    HUMAN_AGENT_SEATS = "HUMAN_AGENT_SEATS"
    CHATBOTS = "CHATBOTS"
    TEAM_MEMBERS = "TEAM_MEMBERS"


#: Credit types whose usage is summed from events; top-ups apply only to these.
METERED_TYPES = frozenset({CreditType.CREDITS, CreditType.TEXT_QUERIES, CreditType.VOICE_MINUTES})
#: Credit types measured in fractions (credits, minutes); the others are counts.
FRACTIONAL_TYPES = frozenset({CreditType.CREDITS, CreditType.VOICE_MINUTES})


class Channel(StrEnum):
    WEB_CHAT = "WEB_CHAT"
    WHATSAPP = "WHATSAPP"
    PHONE = "PHONE"
    SMS = "SMS"
    MESSENGER = "MESSENGER"
    INSTAGRAM = "INSTAGRAM"
    TELEGRAM = "TELEGRAM"


class ConversationType(StrEnum):
    INBOUND = "INBOUND"
    OUTBOUND = "OUTBOUND"


class Scope(StrEnum):
    USAGE_READ = "USAGE_READ"
    USAGE_WRITE = "USAGE_WRITE"
    ADMIN = "ADMIN"


class VolumeMetric(StrEnum):
    """What the top-assistants ranking orders by."""

    CONVERSATIONS = "CONVERSATIONS"
    MESSAGES = "MESSAGES"
    CREDITS = "CREDITS"

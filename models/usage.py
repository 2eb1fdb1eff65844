"""The ledger (usage events), the conversations it describes, and the daily rollup."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.resources import Assistant
from models.workspace import Workspace


class Contact(Model):
    id = fields.IntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="contacts", on_delete=fields.CASCADE
    )
    external_id = fields.CharField(max_length=200)
    display_name = fields.CharField(max_length=200, null=True)

    workspace_id: int

    class Meta:
        table = "contact"
        unique_together = (("workspace_id", "external_id"),)


class Conversation(Model):
    """Attributes come from the first event, times and messages aggregate all events."""

    id = fields.BigIntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="conversations", on_delete=fields.CASCADE
    )
    external_id = fields.CharField(max_length=200)
    channel = fields.CharField(max_length=16)
    type = fields.CharField(max_length=16)
    assistant: fields.ForeignKeyRelation[Assistant] = fields.ForeignKeyField(
        "models.Assistant", related_name="conversations", on_delete=fields.CASCADE
    )
    contact: fields.ForeignKeyRelation[Contact] = fields.ForeignKeyField(
        "models.Contact", related_name="conversations", on_delete=fields.CASCADE
    )
    playground = fields.BooleanField(default=False)
    started_at = fields.DatetimeField()
    #: The local date (workspace time zone) of started_at.
    start_local_date = fields.DateField()
    last_activity_at = fields.DatetimeField()
    #: The local date (workspace time zone) of last_activity_at.
    last_local_date = fields.DateField(null=True)
    ended_at = fields.DatetimeField(null=True)
    messages = fields.BigIntField(default=0)
    #: For a live PHONE call, the slots of its start and end edges (models.calls).
    call_start_slot = fields.BigIntField(null=True)
    call_end_slot = fields.BigIntField(null=True)

    workspace_id: int
    assistant_id: int
    contact_id: int

    class Meta:
        table = "conversation"
        unique_together = (("workspace_id", "external_id"),)
        indexes = (
            ("workspace_id", "last_activity_at", "id"),
            ("workspace_id", "assistant_id", "last_activity_at", "id"),
            ("workspace_id", "call_start_slot"),
            ("workspace_id", "call_end_slot"),
        )


class UsageEvent(Model):
    """One recorded event of the ledger, the truth every figure derives from."""

    id = fields.BigIntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="usage_events", on_delete=fields.CASCADE
    )
    idempotency_key = fields.CharField(max_length=200)
    conversation: fields.ForeignKeyRelation[Conversation] = fields.ForeignKeyField(
        "models.Conversation", related_name="events", on_delete=fields.CASCADE
    )
    assistant: fields.ForeignKeyRelation[Assistant] = fields.ForeignKeyField(
        "models.Assistant", related_name="usage_events", on_delete=fields.CASCADE
    )
    occurred_at = fields.DatetimeField()
    #: The local date (workspace time zone) of occurred_at.
    local_date = fields.DateField()
    messages = fields.BigIntField(default=0)
    credits = fields.BigIntField(default=0)
    text_queries = fields.BigIntField(default=0)
    voice_minutes = fields.BigIntField(default=0)
    #: The endedAt this event sent (part of what its idempotency key names).
    ended_at = fields.DatetimeField(null=True)
    #: False for events stored before endedAt was kept per event: theirs is not compared.
    ended_at_known = fields.BooleanField(default=True, db_default=False)

    workspace_id: int
    conversation_id: int
    assistant_id: int

    class Meta:
        table = "usage_event"
        unique_together = (("workspace_id", "idempotency_key"),)
        indexes = (("workspace_id", "local_date"), ("conversation_id",))


class DailyUsage(Model):
    """The rollup: live (non-playground) usage per local day, assistant and channel."""

    id = fields.BigIntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="daily_usage", on_delete=fields.CASCADE
    )
    local_date = fields.DateField()
    assistant: fields.ForeignKeyRelation[Assistant] = fields.ForeignKeyField(
        "models.Assistant", related_name="daily_usage", on_delete=fields.CASCADE
    )
    channel = fields.CharField(max_length=16)
    credits = fields.BigIntField(default=0)
    messages = fields.BigIntField(default=0)
    conversations_started = fields.BigIntField(default=0)
    #: Live conversations whose last activity falls on this key (the activity list's size).
    conversations_last_active = fields.BigIntField(default=0, db_default=0)
    text_queries = fields.BigIntField(default=0)
    voice_minutes = fields.BigIntField(default=0)

    workspace_id: int
    assistant_id: int

    class Meta:
        table = "daily_usage"
        unique_together = (("workspace_id", "local_date", "assistant_id", "channel"),)


class CallPeak(Model):
    """The most live PHONE calls active at one instant of a local day, for all assistants
    (assistant_id 0) and per assistant. A billing period is whole local days, so its peak
    is the largest of its days': the concurrent-calls tile reads days, not calls. How it is
    kept without re-reading the day's calls: models.calls."""

    id = fields.BigIntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="call_peaks", on_delete=fields.CASCADE
    )
    local_date = fields.DateField()
    #: 0 for all assistants together.
    assistant_id = fields.IntField()
    peak = fields.IntField()
    #: Calls active at the day's local midnight.
    base = fields.IntField(default=0, db_default=0)
    #: The day's 15-minute slots with call edges: JSON {number: [total, best]}.
    slots = fields.TextField(default="{}", db_default="{}")

    workspace_id: int

    class Meta:
        table = "call_peak"
        unique_together = (("workspace_id", "assistant_id", "local_date"),)

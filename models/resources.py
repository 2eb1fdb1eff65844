"""Things a workspace holds that are in use over an interval, and its top-ups."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.workspace import Workspace


class Assistant(Model):
    """An assistant (agent, chatbot): in use from created_at until archived_at."""

    id = fields.IntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="assistants", on_delete=fields.CASCADE
    )
    external_id = fields.CharField(max_length=200)
    name = fields.CharField(max_length=200)
    created_at = fields.DatetimeField()
    archived_at = fields.DatetimeField(null=True)

    workspace_id: int

    class Meta:
        table = "assistant"
        unique_together = (("workspace_id", "external_id"),)


class TeamMember(Model):
    id = fields.IntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="team_members", on_delete=fields.CASCADE
    )
    external_id = fields.CharField(max_length=200)
    display_name = fields.CharField(max_length=200, null=True)
    agent_seat = fields.BooleanField(default=False)
    joined_at = fields.DatetimeField()
    removed_at = fields.DatetimeField(null=True)

    workspace_id: int

    class Meta:
        table = "team_member"
        unique_together = (("workspace_id", "external_id"),)


class PhoneNumber(Model):
    id = fields.IntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="phone_numbers", on_delete=fields.CASCADE
    )
    number = fields.CharField(max_length=32)
    activated_at = fields.DatetimeField()
    released_at = fields.DatetimeField(null=True)

    workspace_id: int

    class Meta:
        table = "phone_number"
        unique_together = (("workspace_id", "number"),)


class TopUp(Model):
    """Extra allotment of one metered credit type for the period containing effective_on."""

    id = fields.IntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="top_ups", on_delete=fields.CASCADE
    )
    idempotency_key = fields.CharField(max_length=200)
    credit_type = fields.CharField(max_length=32)
    amount = fields.BigIntField()
    effective_on = fields.DateField()
    created_at = fields.DatetimeField(auto_now_add=True)

    workspace_id: int

    class Meta:
        table = "top_up"
        unique_together = (("workspace_id", "idempotency_key"),)
        indexes = (("workspace_id", "effective_on"),)

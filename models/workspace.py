"""Plans, workspaces and API keys."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Plan(Model):
    """A plan of the catalog, a reference table shared by every workspace."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    grants: fields.ReverseRelation[PlanGrant]

    class Meta:
        table = "plan"


class PlanGrant(Model):
    """How much of one credit type a plan allots per billing period (minor units)."""

    id = fields.IntField(primary_key=True)
    plan: fields.ForeignKeyRelation[Plan] = fields.ForeignKeyField(
        "models.Plan", related_name="grants", on_delete=fields.CASCADE
    )
    credit_type = fields.CharField(max_length=32)
    per_period = fields.BigIntField()

    plan_id: int

    class Meta:
        table = "plan_grant"
        unique_together = (("plan_id", "credit_type"),)


class Workspace(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    timezone = fields.CharField(max_length=64)
    billing_anchor_day = fields.SmallIntField()
    plan: fields.ForeignKeyRelation[Plan] = fields.ForeignKeyField(
        "models.Plan", related_name="workspaces", on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    plan_id: int

    class Meta:
        table = "workspace"


class ApiKey(Model):
    """An API key. Only the SHA-256 of its secret is stored."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    #: Comma-separated scope names.
    scopes = fields.CharField(max_length=100)
    workspace: fields.ForeignKeyNullableRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="api_keys", null=True, on_delete=fields.CASCADE
    )
    secret_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    workspace_id: int | None

    class Meta:
        table = "api_key"

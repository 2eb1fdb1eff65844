"""GraphQL enums, the same names as the stored values."""

from __future__ import annotations

import strawberry

from models.rules import enums, health

Scope = strawberry.enum(enums.Scope)
CreditType = strawberry.enum(enums.CreditType)
Channel = strawberry.enum(enums.Channel)
ConversationType = strawberry.enum(enums.ConversationType)
VolumeMetric = strawberry.enum(enums.VolumeMetric)
TileStatus = strawberry.enum(health.TileStatus)

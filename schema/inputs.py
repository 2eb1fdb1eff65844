"""Input types of the mutations and arguments."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from typing import Any

import strawberry
from strawberry.types.arguments import InputContext

from models.rules.enums import Channel, ConversationType, CreditType
from schema import enums as _enums  # noqa: F401  (registers the enums)


@strawberry.input(description="Inclusive on both ends, in the workspace's time zone.")
class DateRangeInput:
    start: dt.date
    end: dt.date


@strawberry.input
class PlanGrantInput:
    credit_type: CreditType
    per_period: decimal.Decimal = strawberry.field(
        description="Allotment per billing period; whole numbers for count types."
    )


@strawberry.input
class PlanInput:
    code: str
    name: str
    grants: list[PlanGrantInput]


@strawberry.input
class CreateWorkspaceInput:
    name: str
    timezone: str = strawberry.field(description="IANA time zone name, e.g. 'Europe/Berlin'.")
    plan_code: str
    billing_anchor_day: int = 1


@strawberry.input(description="Fields left out keep their value.")
class UpdateWorkspaceInput:
    id: strawberry.ID
    name: str | None = None
    timezone: str | None = None
    plan_code: str | None = None
    billing_anchor_day: int | None = None


@strawberry.input
class AssistantInput:
    workspace_id: strawberry.ID
    external_id: str
    name: str
    created_at: dt.datetime | None = strawberry.field(
        default=None, description="Defaults to the stored value, or now for a new assistant."
    )
    archived_at: dt.datetime | None = strawberry.field(
        default=None, description="Null (or left out) means not archived."
    )


@strawberry.input
class TeamMemberInput:
    workspace_id: strawberry.ID
    external_id: str
    display_name: str | None = None
    agent_seat: bool = False
    joined_at: dt.datetime | None = None
    removed_at: dt.datetime | None = None


@strawberry.input
class PhoneNumberInput:
    workspace_id: strawberry.ID
    number: str = strawberry.field(description="E.164, e.g. '+14155550123'.")
    activated_at: dt.datetime | None = None
    released_at: dt.datetime | None = None


@strawberry.input
class TopUpInput:
    workspace_id: strawberry.ID
    idempotency_key: str
    credit_type: CreditType
    amount: decimal.Decimal
    effective_on: dt.date


@strawberry.input
class ContactInput:
    external_id: str
    display_name: str | None = None


@strawberry.input
class ConversationInput:
    external_id: str
    channel: Channel
    type: ConversationType
    contact: ContactInput
    playground: bool = strawberry.field(
        default=False, description="Playground traffic is stored but never counted in usage."
    )
    ended_at: dt.datetime | None = None


@strawberry.input
class UsageEventInput:
    idempotency_key: str
    occurred_at: dt.datetime
    assistant_id: strawberry.ID
    conversation: ConversationInput
    messages: int = 0
    credits: decimal.Decimal = decimal.Decimal("0")
    text_queries: int = 0
    voice_minutes: decimal.Decimal = decimal.Decimal("0")


@strawberry.input
class RecordUsageInput:
    workspace_id: strawberry.ID
    events: list[UsageEventInput]


def _event_from_input(
    cls: type[UsageEventInput], value: Mapping[str, Any], context: InputContext
) -> UsageEventInput:
    """Build one event straight from graphql-core's coerced value (scalars parsed, enums
    resolved, published defaults filled in). Strawberry's generic conversion re-resolves
    every field's type per value, 59 % of recordUsage's time at 1,000 events a call
    (docs/benchmarks.md); this does the same work once per value."""
    conversation = value["conversation"]
    contact = conversation["contact"]
    return cls(
        idempotency_key=value["idempotencyKey"],
        occurred_at=value["occurredAt"],
        assistant_id=value["assistantId"],
        conversation=ConversationInput(
            external_id=conversation["externalId"],
            channel=conversation["channel"],
            type=conversation["type"],
            contact=ContactInput(
                external_id=contact["externalId"], display_name=contact.get("displayName")
            ),
            playground=conversation.get("playground", False),
            ended_at=conversation.get("endedAt"),
        ),
        messages=value.get("messages", 0),
        credits=value.get("credits", decimal.Decimal(0)),
        text_queries=value.get("textQueries", 0),
        voice_minutes=value.get("voiceMinutes", decimal.Decimal(0)),
    )


UsageEventInput.__strawberry_definition__.from_input = _event_from_input  # type: ignore[attr-defined]

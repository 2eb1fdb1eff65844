"""GraphQL documents and builders shared by the tests."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from typing import Any, TypeVar

from tests.api import Api

T = TypeVar("T")

UPSERT_PLAN = """
mutation($input: PlanInput!) {
  upsertPlan(input: $input) { code name grants { creditType perPeriod } }
}"""

CREATE_WORKSPACE = """
mutation($input: CreateWorkspaceInput!) {
  createWorkspace(input: $input) {
    id name timezone billingAnchorDay plan { code }
  }
}"""

UPDATE_WORKSPACE = """
mutation($input: UpdateWorkspaceInput!) {
  updateWorkspace(input: $input) { id name timezone billingAnchorDay plan { code } }
}"""

UPSERT_ASSISTANT = """
mutation($input: AssistantInput!) {
  upsertAssistant(input: $input) { id externalId name archived createdAt archivedAt }
}"""

UPSERT_TEAM_MEMBER = """
mutation($input: TeamMemberInput!) {
  upsertTeamMember(input: $input) {
    id externalId displayName agentSeat joinedAt removedAt
  }
}"""

UPSERT_PHONE_NUMBER = """
mutation($input: PhoneNumberInput!) {
  upsertPhoneNumber(input: $input) { id number activatedAt releasedAt }
}"""

GRANT_TOP_UP = """
mutation($input: TopUpInput!) {
  grantTopUp(input: $input) { id creditType amount effectiveOn }
}"""

RECORD_USAGE = """
mutation($input: RecordUsageInput!) {
  recordUsage(input: $input) { accepted duplicates }
}"""

NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Workspace { name }
    ... on Assistant { name }
    ... on Conversation { externalId messages }
    ... on Contact { externalId }
    ... on TeamMember { externalId }
    ... on PhoneNumber { number }
    ... on TopUp { amount }
  }
}"""

STARTER_GRANTS = [
    {"creditType": "CREDITS", "perPeriod": "1000"},
    {"creditType": "TEXT_QUERIES", "perPeriod": "500"},
    {"creditType": "VOICE_MINUTES", "perPeriod": "120.5"},
    {"creditType": "CHATBOTS", "perPeriod": "3"},
]


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


async def plan(api: Api, code: str = "starter", grants: list[dict[str, str]] | None = None) -> None:
    await api.ok(
        UPSERT_PLAN,
        {"input": {"code": code, "name": code.title(), "grants": grants or STARTER_GRANTS}},
    )


async def workspace(
    api: Api,
    name: str = "Acme",
    timezone: str = "America/New_York",
    plan_code: str = "starter",
    anchor: int = 1,
) -> str:
    await plan(api, plan_code)
    data = await api.ok(
        CREATE_WORKSPACE,
        {
            "input": {
                "name": name,
                "timezone": timezone,
                "planCode": plan_code,
                "billingAnchorDay": anchor,
            }
        },
    )
    return str(data["createWorkspace"]["id"])


async def assistant(
    api: Api, workspace_id: str, external_id: str = "bot-1", name: str | None = None
) -> str:
    data = await api.ok(
        UPSERT_ASSISTANT,
        {
            "input": {
                "workspaceId": workspace_id,
                "externalId": external_id,
                "name": name or f"Assistant {external_id}",
                "createdAt": "2026-01-01T00:00:00+00:00",
            }
        },
    )
    return str(data["upsertAssistant"]["id"])


def event(
    key: str,
    occurred_at: str,
    assistant_id: str,
    conversation: str = "conv-1",
    *,
    channel: str = "WEB_CHAT",
    type: str = "INBOUND",
    contact: str = "contact-1",
    playground: bool = False,
    messages: int = 1,
    credits: str = "1",
    text_queries: int = 0,
    voice_minutes: str = "0",
    ended_at: str | None = None,
) -> dict[str, Any]:
    return {
        "idempotencyKey": key,
        "occurredAt": occurred_at,
        "assistantId": assistant_id,
        "conversation": {
            "externalId": conversation,
            "channel": channel,
            "type": type,
            "contact": {"externalId": contact, "displayName": f"Person {contact}"},
            "playground": playground,
            "endedAt": ended_at,
        },
        "messages": messages,
        "credits": credits,
        "textQueries": text_queries,
        "voiceMinutes": voice_minutes,
    }


async def record(api: Api, workspace_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    data = await api.ok(RECORD_USAGE, {"input": {"workspaceId": workspace_id, "events": events}})
    result: dict[str, Any] = data["recordUsage"]
    return result


def as_retries(batches: list[list[T]], key: Callable[[T], Hashable]) -> list[list[T]]:
    """A key names one event forever: an event drawn under a key already drawn (in any
    batch) is sent as a retry of the first one, with its content."""
    first: dict[Hashable, T] = {}
    return [[first.setdefault(key(e), e) for e in batch] for batch in batches]

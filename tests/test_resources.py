"""Assistants, team members, phone numbers and top-ups."""

from __future__ import annotations

from typing import Any

import pytest

from models import Assistant, PhoneNumber, TeamMember, TopUp
from models.rules.enums import Scope
from tests import world
from tests.api import Api


async def test_upsert_assistant_is_keyed_by_external_id(api: Api) -> None:
    ws = await world.workspace(api)
    writer = await api.workspace_key(ws, Scope.USAGE_WRITE)
    given = {"workspaceId": ws, "externalId": "sales", "name": "Sales bot"}
    created = (
        await writer.ok(
            world.UPSERT_ASSISTANT, {"input": given | {"createdAt": "2026-03-01T08:00:00Z"}}
        )
    )["upsertAssistant"]
    assert created["externalId"] == "sales"
    assert created["archived"] is False
    assert created["createdAt"] == "2026-03-01T08:00:00+00:00"

    renamed = (
        await writer.ok(world.UPSERT_ASSISTANT, {"input": given | {"name": "Sales assistant"}})
    )["upsertAssistant"]
    assert renamed["id"] == created["id"]
    assert renamed["name"] == "Sales assistant"
    assert renamed["createdAt"] == "2026-03-01T08:00:00+00:00"  # kept when omitted

    archived = (
        await writer.ok(
            world.UPSERT_ASSISTANT,
            {"input": given | {"archivedAt": "2026-04-01T00:00:00-04:00"}},
        )
    )["upsertAssistant"]
    assert archived["archived"] is True
    assert archived["archivedAt"] == "2026-04-01T04:00:00+00:00"
    assert await Assistant.all().count() == 1


async def test_assistants_list_hides_archived_unless_asked(api: Api) -> None:
    ws = await world.workspace(api)
    await world.assistant(api, ws, "b")
    await world.assistant(api, ws, "a")
    await api.ok(
        world.UPSERT_ASSISTANT,
        {
            "input": {
                "workspaceId": ws,
                "externalId": "old",
                "name": "Assistant old",
                "createdAt": "2026-01-01T00:00:00Z",
                "archivedAt": "2026-02-01T00:00:00Z",
            }
        },
    )
    query = """query($id: ID!, $all: Boolean!, $after: String) { workspace(id: $id) {
      assistants(first: 2, includeArchived: $all, after: $after) {
        totalCount edges { node { externalId } } pageInfo { hasNextPage endCursor } } } }"""
    live = (await api.ok(query, {"id": ws, "all": False}))["workspace"]["assistants"]
    assert [e["node"]["externalId"] for e in live["edges"]] == ["a", "b"]
    assert live["totalCount"] == 2
    assert live["pageInfo"]["hasNextPage"] is False
    every = (await api.ok(query, {"id": ws, "all": True}))["workspace"]["assistants"]
    assert every["totalCount"] == 3
    assert every["pageInfo"]["hasNextPage"] is True
    rest = await api.ok(query, {"id": ws, "all": True, "after": every["pageInfo"]["endCursor"]})
    assert [e["node"]["externalId"] for e in rest["workspace"]["assistants"]["edges"]] == ["old"]


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"createdAt": "2026-03-01T08:00:00"}, "offset"),
        ({"createdAt": "yesterday"}, "ISO 8601"),
        ({"createdAt": "2099-01-01T00:00:00Z"}, "future"),
        ({"createdAt": "2999-01-01T00:00:00Z"}, "2100-12-31"),
        ({"archivedAt": "2025-01-01T00:00:00Z"}, "archivedAt"),
        ({"externalId": ""}, "empty"),
        ({"name": "n" * 500}, "at most"),
    ],
)
async def test_upsert_assistant_rejects_bad_input(
    api: Api, change: dict[str, Any], needle: str
) -> None:
    ws = await world.workspace(api)
    given = {
        "workspaceId": ws,
        "externalId": "sales",
        "name": "Sales",
        "createdAt": "2026-01-01T00:00:00Z",
    }
    error = await api.error(world.UPSERT_ASSISTANT, {"input": given | change})
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert needle in error["message"]
    assert await Assistant.all().count() == 0


async def test_upsert_team_member(api: Api) -> None:
    ws = await world.workspace(api)
    given = {
        "workspaceId": ws,
        "externalId": "u-7",
        "displayName": "Ana",
        "agentSeat": True,
        "joinedAt": "2026-05-01T09:00:00+02:00",
    }
    member = (await api.ok(world.UPSERT_TEAM_MEMBER, {"input": given}))["upsertTeamMember"]
    assert member["agentSeat"] is True
    assert member["joinedAt"] == "2026-05-01T07:00:00+00:00"
    assert member["removedAt"] is None
    removed = (
        await api.ok(
            world.UPSERT_TEAM_MEMBER,
            {"input": given | {"agentSeat": False, "removedAt": "2026-06-01T00:00:00Z"}},
        )
    )["upsertTeamMember"]
    assert removed["id"] == member["id"]
    assert (removed["agentSeat"], removed["removedAt"]) == (False, "2026-06-01T00:00:00+00:00")
    bad = given | {"removedAt": "2026-04-01T00:00:00Z"}
    assert await api.code(world.UPSERT_TEAM_MEMBER, {"input": bad}) == "BAD_USER_INPUT"
    assert await TeamMember.all().count() == 1


async def test_upsert_phone_number(api: Api) -> None:
    ws = await world.workspace(api)
    given = {"workspaceId": ws, "number": "+14155550123", "activatedAt": "2026-02-01T00:00:00Z"}
    phone = (await api.ok(world.UPSERT_PHONE_NUMBER, {"input": given}))["upsertPhoneNumber"]
    assert phone["number"] == "+14155550123"
    released = (
        await api.ok(
            world.UPSERT_PHONE_NUMBER,
            {"input": given | {"releasedAt": "2026-03-01T00:00:00Z"}},
        )
    )["upsertPhoneNumber"]
    assert released["id"] == phone["id"]
    assert released["releasedAt"] == "2026-03-01T00:00:00+00:00"
    for number in ("4155550123", "+0155550123", "+1 415 555 0123", "+1"):
        error = await api.error(world.UPSERT_PHONE_NUMBER, {"input": given | {"number": number}})
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "E.164" in error["message"]
    assert await PhoneNumber.all().count() == 1


async def test_grant_top_up_is_idempotent_by_key(api: Api) -> None:
    ws = await world.workspace(api)
    given = {
        "workspaceId": ws,
        "idempotencyKey": "invoice-42",
        "creditType": "CREDITS",
        "amount": "250.5",
        "effectiveOn": "2026-11-05",
    }
    first = (await api.ok(world.GRANT_TOP_UP, {"input": given}))["grantTopUp"]
    assert (first["creditType"], first["amount"], first["effectiveOn"]) == (
        "CREDITS",
        "250.5",
        "2026-11-05",
    )
    again = (await api.ok(world.GRANT_TOP_UP, {"input": given}))["grantTopUp"]
    assert again == first
    different = await api.error(world.GRANT_TOP_UP, {"input": given | {"amount": "300"}})
    assert different["extensions"]["code"] == "BAD_USER_INPUT"
    assert "already used" in different["message"]
    assert await TopUp.all().count() == 1


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"amount": "-5"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "NaN"}, "finite"),
        ({"amount": "1.23456"}, "amount"),
        ({"creditType": "CHATBOTS"}, "metered"),
        ({"creditType": "TEXT_QUERIES", "amount": "1.5"}, "whole"),
        ({"effectiveOn": "2026-02-30"}, "date"),
    ],
)
async def test_grant_top_up_rejects_bad_input(
    api: Api, change: dict[str, str], needle: str
) -> None:
    ws = await world.workspace(api)
    given = {
        "workspaceId": ws,
        "idempotencyKey": "k",
        "creditType": "CREDITS",
        "amount": "10",
        "effectiveOn": "2026-11-05",
    }
    error = await api.error(world.GRANT_TOP_UP, {"input": given | change})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert needle in error["message"]
    assert await TopUp.all().count() == 0

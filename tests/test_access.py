"""Keys, scopes and tenant isolation, for writes and for `node`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models import ApiKey, Assistant, Conversation, UsageEvent
from models.rules.enums import Scope
from resolvers.ids import to_global_id
from server.auth import create_key
from tests import world
from tests.api import Api

T0 = "2026-11-10T15:00:00+00:00"
CONVERSATIONS = """query($id: ID!) { node(id: $id) { ... on Assistant {
  conversations(range: {start: "2026-11-01", end: "2026-11-20"}) {
    edges { node { id externalId contact { id externalId } } } } } } }"""


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer br_not-a-real-key", "br_x"],
)
async def test_requests_without_a_valid_key_are_unauthenticated(
    api: Api, header: str | None
) -> None:
    anonymous = api.as_key(None)
    if header is not None:
        anonymous.headers["Authorization"] = header
    for query in ("{ viewer { name } }", "{ workspaces { totalCount } }"):
        error = await anonymous.error(query)
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert "Authorization: Bearer" in error["message"]


async def test_a_revoked_key_is_refused(api: Api) -> None:
    ws = await world.workspace(api)
    reader = await api.workspace_key(ws, Scope.USAGE_READ)
    await ApiKey.filter(workspace_id__not_isnull=True).update(revoked_at=datetime.now(UTC))
    assert await reader.code("{ viewer { name } }") == "UNAUTHENTICATED"


async def test_only_a_hash_of_the_secret_is_stored(api: Api) -> None:
    key = await create_key("k", frozenset({Scope.USAGE_READ}), None)
    stored = await ApiKey.get(id=key.id)
    assert key.secret not in stored.secret_hash
    assert len(stored.secret_hash) == 64


async def test_scopes_are_enforced(api: Api) -> None:
    ws = await world.workspace(api)
    bot = await world.assistant(api, ws)
    reader = await api.workspace_key(ws, Scope.USAGE_READ)
    writer = await api.workspace_key(ws, Scope.USAGE_WRITE)
    event = world.event("e", T0, bot)
    record = {"input": {"workspaceId": ws, "events": [event]}}
    assert await reader.code(world.RECORD_USAGE, record) == "FORBIDDEN"
    assistant = {"input": {"workspaceId": ws, "externalId": "x", "name": "X"}}
    assert await reader.code(world.UPSERT_ASSISTANT, assistant) == "FORBIDDEN"
    phone = {"input": {"workspaceId": ws, "number": "+14155550100"}}
    assert await reader.code(world.UPSERT_PHONE_NUMBER, phone) == "FORBIDDEN"
    member = {"input": {"workspaceId": ws, "externalId": "m"}}
    assert await reader.code(world.UPSERT_TEAM_MEMBER, member) == "FORBIDDEN"
    top_up = {
        "input": {
            "workspaceId": ws,
            "idempotencyKey": "t",
            "creditType": "CREDITS",
            "amount": "5",
            "effectiveOn": "2026-11-01",
        }
    }
    assert await writer.code(world.GRANT_TOP_UP, top_up) == "FORBIDDEN"
    update = {"input": {"id": ws, "name": "Mine now"}}
    assert await writer.code(world.UPDATE_WORKSPACE, update) == "FORBIDDEN"
    read = ("query($id: ID!) { workspace(id: $id) { name } }", {"id": ws})
    assert await writer.code(*read) == "FORBIDDEN"
    assert await reader.ok(*read) == {"workspace": {"name": "Acme"}}
    assert await writer.ok(world.RECORD_USAGE, record) == {
        "recordUsage": {"accepted": 1, "duplicates": 0}
    }
    assert await UsageEvent.all().count() == 1


async def test_writes_into_another_workspace_look_like_missing_ones(api: Api) -> None:
    mine = await world.workspace(api, "Mine")
    theirs = await world.workspace(api, "Theirs")
    their_bot = await world.assistant(api, theirs, "their-bot")
    my_bot = await world.assistant(api, mine, "my-bot")
    writer = await api.workspace_key(mine, Scope.USAGE_READ, Scope.USAGE_WRITE)
    missing = to_global_id("Workspace", 999_999)

    for target in (theirs, missing):
        event = world.event("e", T0, my_bot)
        answers = [
            await writer.error(
                world.RECORD_USAGE, {"input": {"workspaceId": target, "events": [event]}}
            ),
            await writer.error(
                world.UPSERT_ASSISTANT,
                {"input": {"workspaceId": target, "externalId": "their-bot", "name": "Mine!"}},
            ),
            await writer.error(
                world.UPSERT_PHONE_NUMBER,
                {"input": {"workspaceId": target, "number": "+14155550100"}},
            ),
            await writer.error(
                world.UPSERT_TEAM_MEMBER, {"input": {"workspaceId": target, "externalId": "m"}}
            ),
            await writer.error("query($id: ID!) { workspace(id: $id) { name } }", {"id": target}),
        ]
        assert [a["extensions"]["code"] for a in answers] == ["NOT_FOUND"] * 5
        assert len({a["message"] for a in answers}) == 1  # nothing tells the two apart
    # Their assistant, used in my workspace, is unknown here too.
    error = await writer.error(
        world.RECORD_USAGE,
        {"input": {"workspaceId": mine, "events": [world.event("e", T0, their_bot)]}},
    )
    assert error["extensions"]["invalidEvents"][0]["field"] == "events[0].assistantId"
    assert await UsageEvent.all().count() == 0
    assert (await Assistant.get(external_id="their-bot")).name == "Assistant their-bot"


async def _one_of_each(api: Api, ws: str, suffix: str) -> dict[str, str]:
    """The global id of one object of every node type in the workspace."""
    bot = await world.assistant(api, ws, f"bot-{suffix}")
    await world.record(
        api,
        ws,
        [
            world.event(f"e-{suffix}", T0, bot, f"c-{suffix}", contact=f"p-{suffix}"),
            world.event(f"pg-{suffix}", T0, bot, f"pg-{suffix}", playground=True),
        ],
    )
    conversation = (await api.ok(CONVERSATIONS, {"id": bot}))["node"]["conversations"]["edges"][0][
        "node"
    ]
    member = await api.ok(
        world.UPSERT_TEAM_MEMBER, {"input": {"workspaceId": ws, "externalId": f"m-{suffix}"}}
    )
    phone = await api.ok(
        world.UPSERT_PHONE_NUMBER,
        {"input": {"workspaceId": ws, "number": f"+1415555{len(suffix):04d}"}},
    )
    top_up = await api.ok(
        world.GRANT_TOP_UP,
        {
            "input": {
                "workspaceId": ws,
                "idempotencyKey": f"t-{suffix}",
                "creditType": "CREDITS",
                "amount": "5",
                "effectiveOn": "2026-11-01",
            }
        },
    )
    playground = await Conversation.get(external_id=f"pg-{suffix}")
    return {
        "Workspace": ws,
        "Assistant": bot,
        "Conversation": conversation["id"],
        "Contact": conversation["contact"]["id"],
        "TeamMember": member["upsertTeamMember"]["id"],
        "PhoneNumber": phone["upsertPhoneNumber"]["id"],
        "TopUp": top_up["grantTopUp"]["id"],
        "playground": to_global_id("Conversation", playground.id),
    }


async def test_node_resolves_every_type_within_the_keys_workspace(api: Api) -> None:
    mine = await world.workspace(api, "Mine")
    theirs = await world.workspace(api, "Theirs")
    my_ids = await _one_of_each(api, mine, "a")
    their_ids = await _one_of_each(api, theirs, "bb")
    reader = await api.workspace_key(mine, Scope.USAGE_READ)

    for type_name in ("Workspace", "Assistant", "Conversation", "Contact", "TeamMember"):
        node = (await reader.ok(world.NODE, {"id": my_ids[type_name]}))["node"]
        assert node["__typename"] == type_name
        assert node["id"] == my_ids[type_name]
    for type_name in ("PhoneNumber", "TopUp"):
        node = (await reader.ok(world.NODE, {"id": my_ids[type_name]}))["node"]
        assert node["__typename"] == type_name

    absent = [to_global_id(t, 987_654) for t in ("Workspace", "Assistant", "Conversation")]
    malformed = ["", "nope", to_global_id("ApiKey", 1), to_global_id("UsageEvent", 1)]
    foreign = [their_ids[t] for t in their_ids if t != "playground"]
    hidden = [my_ids["playground"]]
    messages = set()
    for global_id in absent + malformed + foreign + hidden:
        error = await reader.error(world.NODE, {"id": global_id})
        assert error["extensions"]["code"] == "NOT_FOUND", global_id
        messages.add(error["message"])
    assert len(messages) == 1
    # The admin key sees the other workspace's objects.
    node = (await api.ok(world.NODE, {"id": their_ids["Assistant"]}))["node"]
    assert node == {
        "__typename": "Assistant",
        "id": their_ids["Assistant"],
        "name": "Assistant bot-bb",
    }


async def test_every_read_path_stays_inside_the_keys_workspace(api: Api) -> None:
    """A workspace key reads its own figures, and nothing of the other workspace leaks into
    them, whatever it asks for."""
    mine = await world.workspace(api, "Mine")
    theirs = await world.workspace(api, "Theirs")
    my_bot = await world.assistant(api, mine, "mine")
    their_bot = await world.assistant(api, theirs, "theirs")
    await world.record(api, mine, [world.event("m", T0, my_bot, "my-conv", credits="2")])
    await world.record(api, theirs, [world.event("t", T0, their_bot, "their-conv", credits="7")])
    reader = await api.workspace_key(mine, Scope.USAGE_READ)
    query = """query($id: ID!, $agent: ID) { workspace(id: $id) {
      assistants { edges { node { id } } }
      usage(range: {start: "2026-11-01", end: "2026-11-20"}, agent: $agent) {
        summary { creditsUsed conversations }
        topAssistants { assistant { id } }
        recentActivity { edges { node { externalId assistant { id } contact { externalId } } } }
      } } }"""
    own = (await reader.ok(query, {"id": mine}))["workspace"]
    assert own["assistants"]["edges"] == [{"node": {"id": my_bot}}]
    assert own["usage"]["summary"] == {"creditsUsed": "2", "conversations": 1}
    assert own["usage"]["topAssistants"] == [{"assistant": {"id": my_bot}}]
    assert [e["node"]["externalId"] for e in own["usage"]["recentActivity"]["edges"]] == ["my-conv"]
    for variables in ({"id": theirs}, {"id": mine, "agent": their_bot}):
        assert await reader.code(query, variables) == "NOT_FOUND"
    listed = await reader.ok("{ workspaces { edges { node { id } } } }")
    assert listed["workspaces"]["edges"] == [{"node": {"id": mine}}]
    conversations = """query($id: ID!) { node(id: $id) { ... on Assistant {
      conversations(range: {start: "2026-11-01", end: "2026-11-20"}) { totalCount } } } }"""
    assert await reader.code(conversations, {"id": their_bot}) == "NOT_FOUND"

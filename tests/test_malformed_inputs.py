"""Every malformed input gets a code, never INTERNAL_SERVER_ERROR (issue 11, item 6).

Text with NUL, unpaired surrogates or control characters; ids that are not the one
canonical spelling of an object (numbers out of their column's range, non-ASCII digits,
leading zeros, non-canonical base64); cursors that are not one this server wrote; dates and
instants outside 2000-01-01..2100-12-31; odd bytes in the Authorization header. Each goes
through the real API (and the CLI, for `--workspace`)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import pytest

from resolvers.ids import decode_id
from tests import world
from tests.api import Api
from tests.processes import assert_one_line_failure, burnrate
from tests.spellings import b64, cursor, odd_ids, packed

T0 = "2026-11-10T15:00:00+00:00"
BAD_TEXT = {
    "nul": "a\x00b",
    "high surrogate": "a\ud800b",
    "low surrogate": "a\udfffb",
    "bell": "a\x07b",
    "escape": "a\x1bb",
    "delete": "a\x7fb",
    "C1 control": "a\x85b",
    "form feed": "a\x0cb",
}


@dataclass
class Seeded:
    ws: str
    bot: str
    other: str


@pytest.fixture
async def seeded(api: Api) -> Seeded:
    ws = await world.workspace(api)
    bot = await world.assistant(api, ws)
    await world.record(api, ws, [world.event("e1", T0, bot), world.event("e2", T0, bot, "c2")])
    other = await world.workspace(api, "Other")
    return Seeded(ws, bot, other)


# ---- text ----------------------------------------------------------------------------------


def _text_inputs(s: Seeded, bad: str) -> list[tuple[str, dict[str, Any], str]]:
    """(document, variables, the field the error must name) for every text input."""
    event = world.event("k", T0, s.bot)

    def with_event(change: dict[str, Any]) -> dict[str, Any]:
        changed = json.loads(json.dumps(event))
        for path, value in change.items():
            target = changed
            *parents, leaf = path.split(".")
            for parent in parents:
                target = target[parent]
            target[leaf] = value
        return {"input": {"workspaceId": s.ws, "events": [changed]}}

    plan = {"code": "starter", "name": "Starter", "grants": []}
    create = {"name": "N", "timezone": "UTC", "planCode": "starter"}
    return [
        (world.UPSERT_PLAN, {"input": plan | {"code": bad}}, "input.code"),
        (world.UPSERT_PLAN, {"input": plan | {"name": bad}}, "input.name"),
        (world.CREATE_WORKSPACE, {"input": create | {"name": bad}}, "input.name"),
        (world.CREATE_WORKSPACE, {"input": create | {"timezone": bad}}, "input.timezone"),
        (world.CREATE_WORKSPACE, {"input": create | {"planCode": bad}}, "input.planCode"),
        (world.UPDATE_WORKSPACE, {"input": {"id": s.ws, "name": bad}}, "input.name"),
        (world.UPDATE_WORKSPACE, {"input": {"id": s.ws, "timezone": bad}}, "input.timezone"),
        (world.UPDATE_WORKSPACE, {"input": {"id": s.ws, "planCode": bad}}, "input.planCode"),
        (world.UPSERT_ASSISTANT,
         {"input": {"workspaceId": s.ws, "externalId": bad, "name": "N"}}, "input.externalId"),
        (world.UPSERT_ASSISTANT,
         {"input": {"workspaceId": s.ws, "externalId": "x", "name": bad}}, "input.name"),
        (world.UPSERT_TEAM_MEMBER,
         {"input": {"workspaceId": s.ws, "externalId": bad}}, "input.externalId"),
        (world.UPSERT_TEAM_MEMBER,
         {"input": {"workspaceId": s.ws, "externalId": "m", "displayName": bad}},
         "input.displayName"),
        (world.UPSERT_PHONE_NUMBER,
         {"input": {"workspaceId": s.ws, "number": "+1415555" + bad}}, "input.number"),
        (world.GRANT_TOP_UP,
         {"input": {"workspaceId": s.ws, "idempotencyKey": bad, "creditType": "CREDITS",
                    "amount": "1", "effectiveOn": "2026-11-01"}}, "input.idempotencyKey"),
        (world.RECORD_USAGE, with_event({"idempotencyKey": bad}), "events[0].idempotencyKey"),
        (world.RECORD_USAGE, with_event({"conversation.externalId": bad}),
         "events[0].conversation.externalId"),
        (world.RECORD_USAGE, with_event({"conversation.contact.externalId": bad}),
         "events[0].conversation.contact.externalId"),
        (world.RECORD_USAGE, with_event({"conversation.contact.displayName": bad}),
         "events[0].conversation.contact.displayName"),
    ]  # fmt: skip


@pytest.mark.parametrize("kind", list(BAD_TEXT))
async def test_text_with_nul_surrogates_or_controls_is_bad_input(
    api: Api, seeded: Seeded, kind: str
) -> None:
    for document, variables, field in _text_inputs(seeded, BAD_TEXT[kind]):
        error = await api.error(document, variables)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (field, error)
        assert field in error["message"], (field, error)
    await api.ok("{ workspaces { totalCount edges { node { name } } } }")


async def test_tab_line_feed_and_carriage_return_are_text(api: Api, seeded: Seeded) -> None:
    name = "Line one\r\nline\ttwo"
    data = await api.ok(
        world.UPSERT_ASSISTANT,
        {"input": {"workspaceId": seeded.ws, "externalId": "multi\nline", "name": name}},
    )
    assert data["upsertAssistant"]["name"] == name
    assert data["upsertAssistant"]["externalId"] == "multi\nline"


@pytest.mark.parametrize(
    ("document", "field", "value"),
    [
        (world.UPSERT_PLAN, "code", "starter\n"),
        (world.UPSERT_PHONE_NUMBER, "number", "+14155550123\n"),
    ],
)
async def test_patterns_match_the_whole_text(
    api: Api, seeded: Seeded, document: str, field: str, value: str
) -> None:
    """A trailing line feed satisfied `re.match(...$)`; it is not part of a code or a number."""
    base = (
        {"code": "c", "name": "C", "grants": []}
        if document == world.UPSERT_PLAN
        else {"workspaceId": seeded.ws, "number": "+1"}
    )
    error = await api.error(document, {"input": base | {field: value}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert f"input.{field}" in error["message"]


# ---- ids -----------------------------------------------------------------------------------


async def test_odd_ids_are_not_found_everywhere(api: Api, seeded: Seeded) -> None:
    writer = {"externalId": "x", "name": "X"}
    for bad in odd_ids(seeded.ws, "Workspace"):
        calls: list[tuple[str, dict[str, Any]]] = [
            (world.NODE, {"id": bad}),
            ("query($id: ID!) { workspace(id: $id) { id } }", {"id": bad}),
            (world.UPSERT_ASSISTANT, {"input": {"workspaceId": bad, **writer}}),
            (world.UPSERT_TEAM_MEMBER, {"input": {"workspaceId": bad, "externalId": "m"}}),
            (world.UPSERT_PHONE_NUMBER, {"input": {"workspaceId": bad, "number": "+14155550123"}}),
            (world.GRANT_TOP_UP, {"input": {
                "workspaceId": bad, "idempotencyKey": "t", "creditType": "CREDITS",
                "amount": "1", "effectiveOn": "2026-11-01"}}),
            (world.RECORD_USAGE, {"input": {
                "workspaceId": bad, "events": [world.event("k", T0, seeded.bot)]}}),
            (world.UPDATE_WORKSPACE, {"input": {"id": bad, "name": "Renamed"}}),
        ]  # fmt: skip
        for document, variables in calls:
            error = await api.error(document, variables)
            assert error["extensions"]["code"] == "NOT_FOUND", (bad, document, error)
    for bad in odd_ids(seeded.bot, "Assistant"):
        usage = (
            "query($id: ID!, $agent: ID) { workspace(id: $id) { usage(agent: $agent) {"
            " hasData } } }"
        )
        error = await api.error(usage, {"id": seeded.ws, "agent": bad})
        assert error["extensions"]["code"] == "NOT_FOUND", (bad, error)
        error = await api.error(world.NODE, {"id": bad})
        assert error["extensions"]["code"] == "NOT_FOUND", (bad, error)
        event = world.event("k", T0, bad)
        error = await api.error(
            world.RECORD_USAGE, {"input": {"workspaceId": seeded.ws, "events": [event]}}
        )
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (bad, error)
        assert error["extensions"]["invalidEvents"][0]["field"] == "events[0].assistantId"
    # The one canonical spelling still names the object.
    assert (await api.ok(world.NODE, {"id": seeded.ws}))["node"]["id"] == seeded.ws


async def test_odd_conversation_and_contact_ids_are_not_found(api: Api, seeded: Seeded) -> None:
    data = await api.ok(
        "query($id: ID!) { workspace(id: $id) { usage { recentActivity { edges { node {"
        " id contact { id } } } } } } }",
        {"id": seeded.ws},
    )
    node = data["workspace"]["usage"]["recentActivity"]["edges"][0]["node"]
    for global_id, type_name in ((node["id"], "Conversation"), (node["contact"]["id"], "Contact")):
        for bad in odd_ids(global_id, type_name):
            error = await api.error(world.NODE, {"id": bad})
            assert error["extensions"]["code"] == "NOT_FOUND", (bad, error)
        assert (await api.ok(world.NODE, {"id": global_id}))["node"]["id"] == global_id
    for largest in ("Conversation:9223372036854775807", "Workspace:2147483647"):
        error = await api.error(world.NODE, {"id": b64(largest)})
        assert error["extensions"]["code"] == "NOT_FOUND"


# ---- cursors -------------------------------------------------------------------------------


ODD_CURSORS = [
    packed(10**30),
    packed(2**31),
    packed(2**63),
    packed(-1),
    packed(0),
    packed(True),
    packed(1.0),
    packed("1"),
    packed(None),
    packed(1, 2, 3),
    packed("a\x00b", 1),
    packed("\ud800", 1),
    packed("x" * 5000, 1),
    packed("2026-11-22T10:00:00+00:00", 10**30),
    packed("2026-11-22T10:00:00+00:00", 2**63),
    cursor("[1,2]"),
    cursor("[1]\n"),
    cursor(" [1]"),
    cursor(b"\xff\xfe[\x001\x00]\x00"),
    cursor("NaN"),
    cursor("[NaN]"),
    cursor("[1e400]"),
    cursor("[" + "1" * 5000 + "]"),
    cursor("[" * 3000),
    packed(12).rstrip("="),
    packed(12) + "\x00",
    packed(12) + "\ud800",
    packed(12) + "==",
    packed(12).replace("=", "") + "=",
    "%%%",
    "",
    "\x00",
    "A" * 100_000,
]
#: Instants no cursor of the activity lists holds (as names, they are fine assistant keys).
ODD_INSTANTS = [
    packed("9999-12-31T23:59:59+00:00", 1),
    packed("0001-01-01T00:00:00+00:00", 1),
    packed("0001-01-01T00:00:00+05:00", 1),
    packed("2026-W47-7T10:00:00+00:00", 1),
    packed("2026-11-22T10:00:00Z", 1),
    packed("2026-11-22T10:00:00.000000+00:00", 1),
    packed("2026-11-22T15:00:00+05:00", 1),
]

CURSOR_QUERIES = {
    "workspaces": "query($after: String) { workspaces(first: 1, after: $after) { totalCount } }",
    "assistants": (
        "query($id: ID!, $after: String) { workspace(id: $id) {"
        " assistants(first: 1, after: $after) { totalCount } } }"
    ),
    "recentActivity": (
        "query($id: ID!, $after: String) { workspace(id: $id) { usage {"
        " recentActivity(first: 1, after: $after) { totalCount } } } }"
    ),
    "conversations": (
        "query($id: ID!, $after: String) { node(id: $id) { ... on Assistant {"
        " conversations(first: 1, after: $after) { totalCount } } } }"
    ),
}


@pytest.mark.parametrize("list_name", list(CURSOR_QUERIES))
async def test_odd_cursors_are_bad_input(api: Api, seeded: Seeded, list_name: str) -> None:
    document = CURSOR_QUERIES[list_name]
    target = seeded.bot if list_name == "conversations" else seeded.ws
    assert await api.ok(document, {"id": target, "after": None})  # the list itself reads
    instants = ODD_INSTANTS if list_name in ("recentActivity", "conversations") else []
    for bad in ODD_CURSORS + instants:
        error = await api.error(document, {"id": target, "after": bad})
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (bad[:80], error)
        assert "after" in error["message"]


async def test_cursors_the_server_writes_are_canonical(api: Api, seeded: Seeded) -> None:
    """Each cursor of each list pages on, and is the one spelling its keys have."""
    for name in ("b", "c"):
        await world.assistant(api, seeded.ws, name)
    pages = {
        "workspaces": "{ workspaces(first: 1) { edges { cursor } } }",
        "assistants": "query($id: ID!) { workspace(id: $id) { assistants(first: 1) { edges {"
        " cursor } } } }",
        "recentActivity": "query($id: ID!) { workspace(id: $id) { usage { recentActivity("
        "first: 1) { edges { cursor } } } } }",
    }
    for name, document in pages.items():
        data = await api.ok(document, {"id": seeded.ws})
        edges = _find(data, "edges")
        (written,) = [e["cursor"] for e in edges]
        values = json.loads(base64.urlsafe_b64decode(written))
        assert packed(*values) == written, name
        query = CURSOR_QUERIES[name]
        await api.ok(query, {"id": seeded.ws, "after": written})


def _find(data: Any, key: str) -> Any:
    while key not in data:
        (data,) = data.values()
    return data[key]


# ---- dates and instants --------------------------------------------------------------------

USAGE_RANGE = (
    "query($id: ID!, $r: DateRangeInput) { workspace(id: $id) { usage(range: $r) { hasData } } }"
)
CONVERSATIONS_RANGE = (
    "query($id: ID!, $r: DateRangeInput) { node(id: $id) { ... on Assistant {"
    " conversations(range: $r) { totalCount } } } }"
)
FAR_RANGES = [
    {"start": "0001-01-01", "end": "0001-01-02"},
    {"start": "9999-12-30", "end": "9999-12-31"},
    {"start": "1999-12-31", "end": "2000-01-01"},
    {"start": "2100-12-31", "end": "2101-01-01"},
]


async def test_ranges_outside_the_bounds_are_bad_input(api: Api, seeded: Seeded) -> None:
    for far in FAR_RANGES:
        for document, target in ((USAGE_RANGE, seeded.ws), (CONVERSATIONS_RANGE, seeded.bot)):
            for error in await api.errors(document, {"id": target, "r": far}):
                assert error["extensions"]["code"] == "BAD_USER_INPUT", (far, error)
                assert "2000-01-01 to 2100-12-31" in error["message"]
    for edge in ({"start": "2000-01-01", "end": "2000-12-31"},
                 {"start": "2100-01-01", "end": "2100-12-31"}):  # fmt: skip
        await api.ok(USAGE_RANGE, {"id": seeded.ws, "r": edge})
        await api.ok(CONVERSATIONS_RANGE, {"id": seeded.bot, "r": edge})


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"])
async def test_top_ups_outside_the_bounds_are_bad_input(api: Api, seeded: Seeded, day: str) -> None:
    top_up = {"workspaceId": seeded.ws, "idempotencyKey": "t", "creditType": "CREDITS",
              "amount": "1", "effectiveOn": day}  # fmt: skip
    assert await api.code(world.GRANT_TOP_UP, {"input": top_up}) == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("field", "value"),
    [("archivedAt", "2101-01-01T00:00:00Z"), ("archivedAt", "9999-12-31T23:59:59Z"),
     ("createdAt", "0001-01-01T00:00:00+05:00"), ("archivedAt", "9999-12-31T23:59:59-05:00")],
)  # fmt: skip
async def test_instants_outside_the_bounds_are_bad_input(
    api: Api, seeded: Seeded, field: str, value: str
) -> None:
    variables = {"input": {"workspaceId": seeded.ws, "externalId": "x", "name": "X", field: value}}
    error = await api.error(world.UPSERT_ASSISTANT, variables)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert f".{field}:" in error["message"]


# ---- the Authorization header and the CLI --------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [b"Bearer \xff\xfe\xfd", b"Bearer br_\x00\x01", b"\xc3\x28", b"Bearer " + b"\xe9" * 199,
     b"Bearer " + "é".encode() * 100, b"bearer\tbr_x", b"Bearer \x7f"],
)  # fmt: skip
async def test_odd_bytes_in_the_authorization_header_are_unauthenticated(
    api: Api, header: bytes
) -> None:
    response = await api.http.post(
        "/graphql", json={"query": "{ viewer { name } }"}, headers={b"Authorization": header}
    )
    assert response.status_code < 500, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_cli_refuses_odd_workspace_ids(api: Api, database: str) -> None:
    ws = await world.workspace(api)
    pk = decode_id(ws, "Workspace")
    assert pk is not None
    arabic = str(pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for bad in [
        "²",
        arabic,
        f"0{pk}",
        f"+{pk}",
        "99999999999",
        str(2**63),
        f" {pk}",
        *[odd for odd in odd_ids(ws, "Workspace") if odd.isprintable() and odd],
    ]:
        result = burnrate(
            "keys", "create", "--workspace", bad, "--scope", "usage:read", "--name", "x",
            database_url=database,
        )  # fmt: skip
        assert_one_line_failure(result, "--workspace")
    for good in (str(pk), ws):
        result = burnrate(
            "keys", "create", "--workspace", good, "--scope", "usage:read", "--name", "x",
            database_url=database,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr

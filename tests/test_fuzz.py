"""Schema-driven fuzzing (hypothesis-graphql): any valid query or mutation the schema admits,
with any argument values, gets a coded answer: never a 5xx, never INTERNAL_SERVER_ERROR."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema, nodes

from schema.root import sdl
from tests import world
from tests.api import Api

# Custom scalars: well-formed values and near misses alike.
SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "Date": st.sampled_from(
        [
            "2026-11-01",
            "2026-02-29",
            "2024-02-29",
            "1999-12-31",
            "2026-13-01",
            "yesterday",
            "",
            "2026-W47-7",
            "0001-01-01",
            "9999-12-31",
            "2100-12-31",
        ]
    ).map(nodes.String),
    "DateTime": st.sampled_from(
        [
            "2026-11-01T10:00:00Z",
            "2026-11-01T10:00:00+05:30",
            "2026-11-01T10:00:00",
            "nope",
            "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:59:59-05:00",
            "20261122T100000Z",
        ]
    ).map(nodes.String),
    "Decimal": st.sampled_from(
        [
            "0",
            "1.5",
            "-3",
            "1e400",
            "NaN",
            "12345678901234567890.1",
            "x",
            "1_000",
            " 1.5 ",
            "922337203685477.5808",
        ]
    ).map(nodes.String),
}
FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


async def _check(api: Api, document: str) -> None:
    response = await api.http.post(
        "/graphql",
        json={"query": document},
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert response.status_code < 500, (document, response.text)
    body = response.json()
    for error in body.get("errors") or []:
        assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR", (document, error)


@FUZZ
@given(document=from_schema(sdl(), fields=None, custom_scalars=SCALARS))
async def test_any_query_or_mutation_gets_a_coded_answer(api: Api, document: str) -> None:
    await _check(api, document)


# In the second test every ID argument is one of the seeded objects' ids (or a foreign one).
PLACEHOLDERS = ("@WORKSPACE@", "@ASSISTANT@", "@OTHER@")
WITH_IDS = {**SCALARS, "ID": st.sampled_from(PLACEHOLDERS).map(nodes.String)}
T0 = world.iso(datetime.now(UTC).replace(microsecond=0) - timedelta(days=2))


async def _seed(api: Api) -> dict[str, str]:
    ws = await world.workspace(api, "Fuzzed")
    bot = await world.assistant(api, ws, "bot")
    events = [
        world.event(f"e{i}", T0, bot, f"c{i}", channel=channel, messages=i + 1)
        for i, channel in enumerate(("WEB_CHAT", "PHONE", "WHATSAPP", "SMS"))
    ]
    await world.record(api, ws, events)
    other = await world.workspace(api, "Elsewhere")
    return {"@WORKSPACE@": ws, "@ASSISTANT@": bot, "@OTHER@": other}


@FUZZ
@given(data=st.data())
async def test_queries_over_real_data_get_coded_answers(api: Api, data: st.DataObject) -> None:
    seeded = getattr(api, "_fuzz_ids", None)
    if seeded is None:  # once per test: the fixtures are not reset between examples
        seeded = await _seed(api)
        api._fuzz_ids = seeded  # type: ignore[attr-defined]
    document = str(
        data.draw(from_schema(sdl(), fields=["workspace", "node"], custom_scalars=WITH_IDS))
    )
    for placeholder, real in seeded.items():
        document = document.replace(placeholder, real)
    await _check(api, document)


async def test_a_failing_field_does_not_fail_its_siblings_sharing_a_loader(api: Api) -> None:
    """Found by the fuzz test: `assistants(first: 0)` fails, graphql-core cancels the
    workspace's `usage` waiting on the catalog loader, and the other `usage` (through `node`)
    waiting on the same key got CancelledError: the whole request failed."""
    ids = await _seed(api)
    document = """query($ws: ID!) {
      node(id: $ws) { ... on Workspace { usage { byChannel { channel conversations } } } }
      workspace(id: $ws) { usage { hasData } assistants(first: 0) { totalCount } }
    }"""
    body = await api.post(document, {"ws": ids["@WORKSPACE@"]})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert body["errors"][0]["path"] == ["workspace", "assistants"]
    channels = {c["channel"] for c in body["data"]["node"]["usage"]["byChannel"]}
    assert channels == {"WEB_CHAT", "PHONE", "WHATSAPP", "SMS"}

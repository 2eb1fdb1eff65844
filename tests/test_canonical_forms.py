"""One written form for each timestamp, date and decimal, through the API (issue 11, item 9):
Python's `fromisoformat` and `Decimal()` accept more, the API does not. Each refusal names
the input and shows the accepted form; nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest

from models import UsageEvent
from tests import world
from tests.api import Api

T0 = "2026-11-10T15:00:00Z"
ODD_INSTANTS = [
    "2026-W46-2T15:00:00Z",
    "20261110T150000Z",
    "2026-11-10 15:00:00Z",
    "2026-11-10T15:00Z",
    "2026-11-10t15:00:00z",
    "2026-11-10T15:00:00+0000",
    "2026-11-10T15:00:00.1234567Z",
    " 2026-11-10T15:00:00Z",
]
ODD_DECIMALS: list[Any] = ["1_000", " 1.5 ", "1e3", "+1", ".5", "5.", "١", 1.5]
ODD_DATES = ["2026-W45-7", "20261101", "2026-11-1", "2026-11-01 "]


@pytest.fixture
async def ws(api: Api) -> str:
    return await world.workspace(api)


@pytest.fixture
async def bot(api: Api, ws: str) -> str:
    return await world.assistant(api, ws)


async def test_odd_timestamps_are_refused_naming_the_event(api: Api, ws: str, bot: str) -> None:
    events = [world.event(f"k{i}", odd, bot, f"c{i}") for i, odd in enumerate(ODD_INSTANTS)]
    events += [world.event("ended", T0, bot, "e", ended_at="2026-W46-2T16:00:00Z")]
    errors = await api.errors(world.RECORD_USAGE, {"input": {"workspaceId": ws, "events": events}})
    assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}
    messages = "\n".join(e["message"] for e in errors)
    for index in range(len(ODD_INSTANTS)):
        assert f"events[{index}].occurredAt" in messages
    assert f"events[{len(ODD_INSTANTS)}].conversation.endedAt" in messages
    assert "YYYY-MM-DDTHH:MM:SS[.ffffff] then Z or ±HH:MM" in messages
    assert await UsageEvent.all().count() == 0


async def test_odd_decimals_are_refused_naming_the_field(api: Api, ws: str, bot: str) -> None:
    events = [
        world.event(f"k{i}", T0, bot, f"c{i}") | {"credits": odd}
        for i, odd in enumerate(ODD_DECIMALS)
    ]
    events.append(world.event("v", T0, bot, "v") | {"voiceMinutes": "1_0"})
    errors = await api.errors(world.RECORD_USAGE, {"input": {"workspaceId": ws, "events": events}})
    messages = "\n".join(e["message"] for e in errors)
    for index in range(len(ODD_DECIMALS)):
        assert f"events[{index}].credits" in messages
    assert f"events[{len(ODD_DECIMALS)}].voiceMinutes" in messages
    assert 'e.g. "12.5"' in messages
    assert await UsageEvent.all().count() == 0


async def test_a_json_integer_is_a_decimal(api: Api, ws: str, bot: str) -> None:
    event = world.event("k", T0, bot) | {"credits": 3, "voiceMinutes": 0}
    assert await world.record(api, ws, [event]) == {"accepted": 1, "duplicates": 0}
    stored = await UsageEvent.get(idempotency_key="k")
    assert stored.credits == 30_000


@pytest.mark.parametrize("odd", ODD_DATES)
async def test_odd_dates_are_refused_in_ranges_and_top_ups(api: Api, ws: str, odd: str) -> None:
    usage = (
        "query($id: ID!, $r: DateRangeInput) { workspace(id: $id) { usage(range: $r) {"
        " hasData } } }"
    )
    error = await api.error(usage, {"id": ws, "r": {"start": odd, "end": "2026-11-10"}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert ".start" in error["message"] and "YYYY-MM-DD" in error["message"]
    top_up = {"workspaceId": ws, "idempotencyKey": "t", "creditType": "CREDITS",
              "amount": "1", "effectiveOn": odd}  # fmt: skip
    error = await api.error(world.GRANT_TOP_UP, {"input": top_up})
    assert ".effectiveOn" in error["message"] and "YYYY-MM-DD" in error["message"]


async def test_literals_in_the_document_follow_the_same_forms(api: Api, ws: str) -> None:
    """Values written inline (not as variables) are parsed by the same rules."""
    for literal in ('"2026-W45-7"', '"1999-12-31"', "20261101"):
        document = (
            f'{{ workspace(id: "{ws}") {{ usage(range: {{start: {literal}, end: "2026-11-10"}})'
            " { hasData } } }"
        )
        error = await api.error(document)
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "YYYY-MM-DD" in error["message"] or "2000-01-01" in error["message"]
    amounts = [('"1.5"', True), ("2", True), ("1.5", False), ('"1_000"', False)]
    for n, (amount, accepted) in enumerate(amounts):
        document = (
            f'mutation {{ grantTopUp(input: {{workspaceId: "{ws}", idempotencyKey: "k{n}",'
            f' creditType: CREDITS, amount: {amount}, effectiveOn: "2026-11-01"}}) {{ amount }} }}'
        )
        body = await api.post(document)
        assert ("errors" not in body) is accepted, (amount, body)

"""An idempotency key names one event forever (SEMANTICS.md "Writes"): the same key with the
same content is a duplicate that changes nothing; with different content it is bad input
naming the event and the fields that differ, and nothing of the batch is stored. The same
holds within one batch, and under concurrent writers the unique index decides."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from models import Contact, Conversation, DailyUsage, UsageEvent
from models.sql import connection, execute
from tests import world
from tests.api import Api
from tests.conftest import ON_POSTGRES

T0 = "2026-11-10T15:00:00Z"


async def snapshot() -> tuple[Any, ...]:
    """Everything a write could change."""
    return (
        sorted(await UsageEvent.all().values_list("idempotency_key", "credits", "messages")),
        sorted(
            await Conversation.all().values_list(
                "external_id", "messages", "started_at", "last_activity_at", "ended_at"
            )
        ),
        await Contact.all().count(),
        sorted(
            await DailyUsage.all().values_list(
                "local_date", "channel", "credits", "messages", "conversations_started"
            )
        ),
    )


@pytest.fixture
async def ws(api: Api) -> str:
    return await world.workspace(api, timezone="America/New_York")


@pytest.fixture
async def bot(api: Api, ws: str) -> str:
    return await world.assistant(api, ws)


def _record(ws: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"input": {"workspaceId": ws, "events": events}}


async def test_the_same_content_spelled_differently_is_a_duplicate(
    api: Api, ws: str, bot: str
) -> None:
    first = world.event("k", T0, bot, "c1", credits="1.5", ended_at="2026-11-10T15:30:00Z")
    assert await world.record(api, ws, [first]) == {"accepted": 1, "duplicates": 0}
    before = await snapshot()
    # The same instant in another offset, the same amount with more zeros, another display
    # name for the contact (not part of an event's content).
    again = world.event(
        "k", "2026-11-10T10:00:00-05:00", bot, "c1", credits="1.50",
        ended_at="2026-11-10T16:30:00+01:00",
    )  # fmt: skip
    again["conversation"]["contact"]["displayName"] = "Someone"
    assert await world.record(api, ws, [again]) == {"accepted": 0, "duplicates": 1}
    assert await snapshot() == before


def _changes(other_bot: str) -> list[tuple[str, dict[str, Any]]]:
    """(the field that differs, keyword changes to world.event's defaults)."""
    return [
        ("occurredAt", {"occurred_at": "2026-11-10T15:00:01Z"}),
        ("assistantId", {"assistant_id": other_bot}),
        ("conversation.externalId", {"conversation": "c2"}),
        ("conversation.channel", {"channel": "SMS"}),
        ("conversation.type", {"type": "OUTBOUND"}),
        ("conversation.playground", {"playground": True}),
        ("conversation.endedAt", {"ended_at": "2026-11-10T15:10:00Z"}),
        ("conversation.contact.externalId", {"contact": "someone-else"}),
        ("messages", {"messages": 2}),
        ("credits", {"credits": "1.0001"}),
        ("textQueries", {"text_queries": 1}),
        ("voiceMinutes", {"voice_minutes": "0.5"}),
    ]


def _event(key: str, bot: str, **changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"occurred_at": T0, "assistant_id": bot, "conversation": "c1"}
    args.update(changes)
    return world.event(key, args.pop("occurred_at"), args.pop("assistant_id"),
                       args.pop("conversation"), **args)  # fmt: skip


@pytest.mark.parametrize("case", range(12))
async def test_a_reused_key_with_other_content_is_refused_and_nothing_is_stored(
    api: Api, ws: str, bot: str, case: int
) -> None:
    other_bot = await world.assistant(api, ws, "bot-2")
    field, changes = _changes(other_bot)[case]
    await world.record(api, ws, [_event("k", bot)])
    before = await snapshot()
    batch = [_event("fresh", bot, conversation="c3"), _event("k", bot, **changes)]
    error = await api.error(world.RECORD_USAGE, _record(ws, batch))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    [problem] = error["extensions"]["invalidEvents"]
    assert problem["index"] == 1
    assert problem["field"] == "events[1].idempotencyKey"
    assert field in problem["message"]
    assert "events[1].idempotencyKey" in error["message"]
    assert await snapshot() == before


async def test_every_field_that_differs_is_named(api: Api, ws: str, bot: str) -> None:
    await world.record(api, ws, [_event("k", bot)])
    batch = [_event("k", bot, credits="9", messages=5, occurred_at="2026-11-10T16:00:00Z")]
    error = await api.error(world.RECORD_USAGE, _record(ws, batch))
    message = error["extensions"]["invalidEvents"][0]["message"]
    assert "occurredAt" in message and "messages" in message and "credits" in message
    for same in ("assistantId", "channel", "voiceMinutes", "textQueries", "endedAt"):
        assert same not in message


async def test_within_a_batch_a_key_with_other_content_names_the_first(
    api: Api, ws: str, bot: str
) -> None:
    batch = [
        _event("a", bot),
        _event("k", bot),
        _event("k", bot),  # the same event again: a duplicate, as before
        _event("k", bot, credits="2"),
    ]
    error = await api.error(world.RECORD_USAGE, _record(ws, batch))
    [problem] = error["extensions"]["invalidEvents"]
    assert problem["index"] == 3
    assert problem["field"] == "events[3].idempotencyKey"
    assert "events[1]" in problem["message"] and "credits" in problem["message"]
    assert await snapshot() == ([], [], 0, [])
    assert await world.record(api, ws, batch[:3]) == {"accepted": 2, "duplicates": 1}


async def test_an_event_stored_before_endedat_was_kept_matches_any_endedat(
    api: Api, ws: str, bot: str
) -> None:
    """Events stored before migration 0005 have no endedAt of their own: it is not compared
    (docs/decisions.md), every other field still is."""
    await world.record(api, ws, [_event("old", bot, ended_at="2026-11-10T15:20:00Z")])
    await execute(
        connection(),
        'UPDATE "usage_event" SET "ended_at" = NULL, "ended_at_known" = ? '
        'WHERE "idempotency_key" = ?',
        [False, "old"],
    )
    before = await snapshot()
    for ended in (None, "2026-11-10T15:40:00Z"):
        retry = _event("old", bot, ended_at=ended)
        assert await world.record(api, ws, [retry]) == {"accepted": 0, "duplicates": 1}
    assert await snapshot() == before
    error = await api.error(world.RECORD_USAGE, _record(ws, [_event("old", bot, credits="3")]))
    assert "credits" in error["extensions"]["invalidEvents"][0]["message"]


@pytest.mark.skipif(not ON_POSTGRES, reason="real concurrency needs PostgreSQL")
@pytest.mark.parametrize("round_", range(3))
async def test_concurrent_batches_with_one_key_and_different_content(
    api: Api, ws: str, bot: str, round_: int
) -> None:
    """Two writers race with the same key and different amounts (and conversations): the
    unique index decides; exactly one is stored, the other is refused, and the figures are
    exactly the winner's."""
    batches = [
        [_event(f"own-{n}", bot, conversation=f"c{n}"),
         _event("shared", bot, conversation=f"c{n}", credits=str(n + 1))]
        for n in range(2)
    ]  # fmt: skip
    bodies = await asyncio.gather(
        *(api.post(world.RECORD_USAGE, _record(ws, batch)) for batch in batches)
    )
    won = [n for n, body in enumerate(bodies) if not body.get("errors")]
    lost = [n for n, body in enumerate(bodies) if body.get("errors")]
    assert len(won) == 1 and len(lost) == 1, bodies
    [error] = bodies[lost[0]]["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["invalidEvents"][0]["field"] == "events[1].idempotencyKey"
    winner = won[0]
    keys = await UsageEvent.all().values_list("idempotency_key", flat=True)
    assert sorted(str(k) for k in keys) == [f"own-{winner}", "shared"]
    assert [r.credits for r in await DailyUsage.all()] == [10_000 + (winner + 1) * 10_000]
    conversations = await Conversation.all().values_list("external_id", flat=True)
    assert [str(c) for c in conversations] == [f"c{winner}"]


@pytest.mark.skipif(not ON_POSTGRES, reason="real concurrency needs PostgreSQL")
async def test_concurrent_identical_retries_stay_exact_with_calls(
    api: Api, ws: str, bot: str
) -> None:
    """Identical retries racing (calls with an endedAt included) all succeed and count once."""
    batch = [
        _event(f"e{i}", bot, conversation=f"call-{i % 3}", channel="PHONE",
               occurred_at=f"2026-11-10T15:0{i}:00Z", ended_at="2026-11-10T16:00:00Z")
        for i in range(9)
    ]  # fmt: skip
    results = await asyncio.gather(*(world.record(api, ws, batch) for _ in range(5)))
    assert sum(r["accepted"] for r in results) == 9
    assert sum(r["duplicates"] for r in results) == 4 * 9
    assert await UsageEvent.all().count() == 9
    assert [r.credits for r in await DailyUsage.all()] == [9 * 10_000]

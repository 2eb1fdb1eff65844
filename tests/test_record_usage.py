"""recordUsage: validation, atomicity, idempotency (also concurrent), conversations, rollup."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from models import Contact, Conversation, DailyUsage, UsageEvent
from models.rules.enums import Scope
from tests import world
from tests.api import Api

T0 = "2026-11-10T15:00:00+00:00"


async def rollup() -> list[tuple[str, str, int, int, int, int, int]]:
    rows = await DailyUsage.all().order_by("local_date", "channel")
    return [
        (
            r.local_date.isoformat(),
            r.channel,
            r.credits,
            r.messages,
            r.conversations_started,
            r.text_queries,
            r.voice_minutes,
        )
        for r in rows
    ]


async def stored_counts() -> tuple[int, int, int, int]:
    return (
        await UsageEvent.all().count(),
        await Conversation.all().count(),
        await Contact.all().count(),
        await DailyUsage.all().count(),
    )


@pytest.fixture
async def ws(api: Api) -> str:
    return await world.workspace(api, timezone="America/New_York")


@pytest.fixture
async def bot(api: Api, ws: str) -> str:
    return await world.assistant(api, ws)


async def test_records_events_into_ledger_conversations_and_rollup(
    api: Api, ws: str, bot: str
) -> None:
    writer = await api.workspace_key(ws, Scope.USAGE_WRITE)
    result = await world.record(
        writer,
        ws,
        [
            world.event("e1", "2026-11-10T15:00:00Z", bot, "c1", messages=2, credits="1.25"),
            world.event("e2", "2026-11-10T15:05:00Z", bot, "c1", messages=1, credits="0.0001"),
            world.event(
                "e3",
                "2026-11-10T16:00:00Z",
                bot,
                "call-1",
                channel="PHONE",
                contact="+14155550100",
                messages=0,
                credits="3",
                voice_minutes="2.5",
                ended_at="2026-11-10T16:02:30Z",
            ),
            world.event("e4", "2026-11-10T17:00:00Z", bot, "sms-1", channel="SMS", text_queries=3),
        ],
    )
    assert result == {"accepted": 4, "duplicates": 0}
    assert await rollup() == [
        ("2026-11-10", "PHONE", 30_000, 0, 1, 0, 25_000),
        ("2026-11-10", "SMS", 10_000, 1, 1, 3, 0),
        ("2026-11-10", "WEB_CHAT", 12_501, 3, 1, 0, 0),
    ]
    chat = await Conversation.get(external_id="c1")
    assert chat.messages == 3
    assert chat.started_at.isoformat() == "2026-11-10T15:00:00+00:00"
    assert chat.last_activity_at.isoformat() == "2026-11-10T15:05:00+00:00"
    call = await Conversation.get(external_id="call-1")
    assert call.ended_at is not None and call.ended_at.isoformat() == "2026-11-10T16:02:30+00:00"
    assert await Contact.all().count() == 2


async def test_local_day_follows_the_workspace_time_zone(api: Api, ws: str, bot: str) -> None:
    # 03:30 UTC on Nov 10 is 22:30 on Nov 9 in New York.
    await world.record(api, ws, [world.event("e1", "2026-11-10T03:30:00Z", bot)])
    assert [r[0] for r in await rollup()] == ["2026-11-09"]


async def test_retried_batch_counts_once(api: Api, ws: str, bot: str) -> None:
    batch = [world.event(f"e{i}", T0, bot, f"c{i % 2}", credits="1.5") for i in range(5)]
    assert await world.record(api, ws, batch) == {"accepted": 5, "duplicates": 0}
    before = await rollup()
    assert await world.record(api, ws, batch) == {"accepted": 0, "duplicates": 5}
    partly = [*batch[:2], world.event("e9", T0, bot, "c1", credits="1.5")]
    assert await world.record(api, ws, partly) == {"accepted": 1, "duplicates": 2}
    assert before == [("2026-11-10", "WEB_CHAT", 75_000, 5, 2, 0, 0)]
    assert await rollup() == [("2026-11-10", "WEB_CHAT", 90_000, 6, 2, 0, 0)]
    assert await UsageEvent.all().count() == 6


async def test_a_key_repeated_within_a_batch_counts_once(api: Api, ws: str, bot: str) -> None:
    batch = [world.event("same", T0, bot), world.event("same", T0, bot)]
    assert await world.record(api, ws, batch) == {"accepted": 1, "duplicates": 1}
    assert await rollup() == [("2026-11-10", "WEB_CHAT", 10_000, 1, 1, 0, 0)]


async def test_same_batch_sent_concurrently_counts_once(api: Api, ws: str, bot: str) -> None:
    """Several clients retry the same batch at once: the unique key decides, once."""
    batch = [
        world.event(f"e{i}", f"2026-11-{10 + i % 3}T15:00:00Z", bot, f"c{i % 4}") for i in range(40)
    ]
    results = await asyncio.gather(*(world.record(api, ws, batch) for _ in range(6)))
    assert sum(r["accepted"] for r in results) == 40
    assert sum(r["duplicates"] for r in results) == 5 * 40
    assert await UsageEvent.all().count() == 40
    assert sum(r[2] for r in await rollup()) == 40 * 10_000
    assert sum(r[4] for r in await rollup()) == 4


async def test_overlapping_concurrent_batches_on_shared_conversations(
    api: Api, ws: str, bot: str
) -> None:
    """Batches touching the same conversations in opposite orders neither deadlock nor lose."""
    forward = [world.event(f"f{i}", T0, bot, f"c{i % 5}") for i in range(25)]
    backward = [world.event(f"b{i}", T0, bot, f"c{4 - i % 5}") for i in range(25)]
    results = await asyncio.gather(
        *(world.record(api, ws, batch) for batch in (forward, backward, forward, backward))
    )
    assert sum(r["accepted"] for r in results) == 50
    assert await rollup() == [("2026-11-10", "WEB_CHAT", 500_000, 50, 5, 0, 0)]
    assert sum(c.messages for c in await Conversation.all()) == 50


async def test_events_in_any_order_move_the_conversation_start(api: Api, ws: str, bot: str) -> None:
    late = world.event("late", "2026-11-12T15:00:00Z", bot, "c1", credits="2")
    await world.record(api, ws, [late])
    assert await rollup() == [("2026-11-12", "WEB_CHAT", 20_000, 1, 1, 0, 0)]

    early = world.event("early", "2026-11-10T15:00:00Z", bot, "c1", credits="1")
    middle = world.event("middle", "2026-11-11T15:00:00Z", bot, "c1", credits="1")
    await world.record(api, ws, [middle, early])
    assert await rollup() == [
        ("2026-11-10", "WEB_CHAT", 10_000, 1, 1, 0, 0),
        ("2026-11-11", "WEB_CHAT", 10_000, 1, 0, 0, 0),
        ("2026-11-12", "WEB_CHAT", 20_000, 1, 0, 0, 0),
    ]
    conversation = await Conversation.get(external_id="c1")
    assert conversation.started_at.isoformat() == "2026-11-10T15:00:00+00:00"
    assert conversation.last_activity_at.isoformat() == "2026-11-12T15:00:00+00:00"
    assert conversation.messages == 3


async def test_playground_traffic_stays_out_of_the_rollup(api: Api, ws: str, bot: str) -> None:
    result = await world.record(api, ws, [world.event("p1", T0, bot, "pg", playground=True)])
    assert result == {"accepted": 1, "duplicates": 0}
    assert await rollup() == []
    assert await UsageEvent.all().count() == 1


def _bad_events(bot: str, other_bot: str) -> list[tuple[dict[str, Any], str]]:
    """(event, the field its error must name)."""
    ok = world.event
    return [
        (ok("future", "2099-01-01T00:00:00Z", bot), "occurredAt"),
        (ok("neg", T0, bot, credits="-1"), "credits"),
        (ok("tiny", T0, bot, credits="0.00001"), "credits"),
        (ok("negmsg", T0, bot, messages=-1), "messages"),
        (ok("foreign", T0, other_bot), "assistantId"),
        (ok("wrongtype", T0, "V29ya3NwYWNlOjE="), "assistantId"),
        (ok("junk", T0, "%%%"), "assistantId"),
        (ok("", T0, bot), "idempotencyKey"),
        (ok("long", T0, bot, conversation="x" * 201), "conversation.externalId"),
    ]


async def test_every_bad_event_is_named_and_nothing_is_stored(api: Api, ws: str, bot: str) -> None:
    other = await world.workspace(api, "Other")
    other_bot = await world.assistant(api, other, "theirs")
    cases = _bad_events(bot, other_bot)
    good = [world.event(f"good{i}", T0, bot, f"g{i}") for i in range(3)]
    batch = [good[0], *[event for event, _ in cases], *good[1:]]
    error = await api.error(world.RECORD_USAGE, {"input": {"workspaceId": ws, "events": batch}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    invalid = error["extensions"]["invalidEvents"]
    assert [item["index"] for item in invalid] == list(range(1, len(cases) + 1))
    for item, (_, field) in zip(invalid, cases, strict=True):
        assert item["field"] == f"events[{item['index']}].{field}", item
        assert item["message"]
    assert f"{len(cases)} of {len(batch)} events are invalid" in error["message"]
    assert await stored_counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("index", range(9))
async def test_one_bad_event_fails_the_whole_batch(api: Api, ws: str, bot: str, index: int) -> None:
    event, field = _bad_events(bot, bot)[index]
    if field == "assistantId" and event["assistantId"] == bot:
        other = await world.workspace(api, "Other")
        event = event | {"assistantId": await world.assistant(api, other, "theirs")}
    batch = [world.event("a", T0, bot), event, world.event("b", T0, bot)]
    error = await api.error(world.RECORD_USAGE, {"input": {"workspaceId": ws, "events": batch}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert f"events[1].{field}" in error["message"]
    assert await stored_counts() == (0, 0, 0, 0)


async def test_values_the_scalars_refuse_are_named_by_path(api: Api, ws: str, bot: str) -> None:
    """Malformed scalars fail before any resolver runs: one error per value, each naming
    the event by index, and nothing is stored."""
    batch = [
        world.event("ok", T0, bot),
        world.event("naive", "2026-11-10T15:00:00", bot),
        world.event("nan", T0, bot, credits="NaN"),
        world.event("inf", T0, bot, voice_minutes="Infinity"),
        world.event("text", T0, bot, credits="twelve"),
        world.event("notdate", "last tuesday", bot),
    ]
    errors = await api.errors(world.RECORD_USAGE, {"input": {"workspaceId": ws, "events": batch}})
    assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}
    messages = " ".join(e["message"] for e in errors)
    for path in (
        "events[1].occurredAt",
        "events[2].credits",
        "events[3].voiceMinutes",
        "events[4].credits",
        "events[5].occurredAt",
    ):
        assert path in messages
    assert "no UTC offset" in messages
    assert "finite" in messages
    assert await stored_counts() == (0, 0, 0, 0)


async def test_conflicting_conversation_attributes_in_one_batch(
    api: Api, ws: str, bot: str
) -> None:
    second_bot = await world.assistant(api, ws, "bot-2")
    batch = [
        world.event("a", T0, bot, "c1"),
        world.event("b", T0, bot, "c1", channel="SMS"),
        world.event("c", T0, second_bot, "c1"),
        world.event("d", T0, bot, "c1", contact="someone-else"),
        world.event("e", T0, bot, "c1", type="OUTBOUND"),
        world.event("f", T0, bot, "c1", playground=True),
    ]
    error = await api.error(world.RECORD_USAGE, {"input": {"workspaceId": ws, "events": batch}})
    assert [i["field"] for i in error["extensions"]["invalidEvents"]] == [
        "events[1].conversation.channel",
        "events[2].assistantId",
        "events[3].conversation.contact.externalId",
        "events[4].conversation.type",
        "events[5].conversation.playground",
    ]
    assert "events[0]" in error["message"]
    assert await stored_counts() == (0, 0, 0, 0)


async def test_conflicting_conversation_attributes_against_stored(
    api: Api, ws: str, bot: str
) -> None:
    await world.record(api, ws, [world.event("a", T0, bot, "c1")])
    before = (await stored_counts(), await rollup())
    batch = [
        world.event("new-ok", T0, bot, "c2"),
        world.event("new-bad", T0, bot, "c1", channel="WHATSAPP"),
    ]
    error = await api.error(world.RECORD_USAGE, {"input": {"workspaceId": ws, "events": batch}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["invalidEvents"][0]["field"] == "events[1].conversation.channel"
    assert "(WEB_CHAT, this event says WHATSAPP)" in error["message"]
    assert (await stored_counts(), await rollup()) == before


async def test_batch_size_limits(api: Api, ws: str, bot: str) -> None:
    empty = await api.error(world.RECORD_USAGE, {"input": {"workspaceId": ws, "events": []}})
    assert empty["extensions"]["code"] == "BAD_USER_INPUT"
    assert "1 to 1000" in empty["message"] or "at least one" in empty["message"]
    too_many = [world.event(f"e{i}", T0, bot, "c1") for i in range(1001)]
    error = await api.error(world.RECORD_USAGE, {"input": {"workspaceId": ws, "events": too_many}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "1000" in error["message"]
    assert await stored_counts() == (0, 0, 0, 0)
    full = [world.event(f"e{i}", T0, bot, f"c{i % 50}") for i in range(1000)]
    assert await world.record(api, ws, full) == {"accepted": 1000, "duplicates": 0}


async def test_missing_required_field_is_bad_user_input(api: Api, ws: str, bot: str) -> None:
    event = world.event("a", T0, bot)
    del event["occurredAt"]
    code = await api.code(world.RECORD_USAGE, {"input": {"workspaceId": ws, "events": [event]}})
    assert code == "BAD_USER_INPUT"


async def test_a_contact_first_sent_without_a_name_takes_the_first_name_sent(
    api: Api, ws: str, bot: str
) -> None:
    unnamed = world.event("n1", T0, bot, "c-named", contact="shy")
    unnamed["conversation"]["contact"]["displayName"] = None
    await world.record(api, ws, [unnamed])
    assert (await Contact.get(external_id="shy")).display_name is None
    await world.record(api, ws, [world.event("n2", T0, bot, "c-named", contact="shy")])
    assert (await Contact.get(external_id="shy")).display_name == "Person shy"
    renamed = world.event("n3", T0, bot, "c-named", contact="shy")
    renamed["conversation"]["contact"]["displayName"] = "Someone else"
    await world.record(api, ws, [renamed])
    assert (await Contact.get(external_id="shy")).display_name == "Person shy"

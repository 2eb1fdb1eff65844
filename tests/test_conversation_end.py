"""`endedAt` before the conversation's start (the earliest occurredAt of its events, stored or
in the batch) is bad input naming the event that sent it; nothing of the batch is stored."""

from __future__ import annotations

import pytest

from models import Conversation, UsageEvent
from tests import world
from tests.api import Api


@pytest.fixture
async def ws(api: Api) -> str:
    return await world.workspace(api, timezone="UTC")


@pytest.fixture
async def bot(api: Api, ws: str) -> str:
    return await world.assistant(api, ws)


async def _refused_field(api: Api, ws: str, events: list[dict[str, object]]) -> list[str]:
    error = await api.error(world.RECORD_USAGE, {"input": {"workspaceId": ws, "events": events}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    return [item["field"] for item in error["extensions"]["invalidEvents"]]


async def test_an_end_before_the_events_own_time(api: Api, ws: str, bot: str) -> None:
    event = world.event("a", "2026-11-10T15:00:00Z", bot, "c", ended_at="2026-11-10T14:59:59Z")
    assert await _refused_field(api, ws, [event]) == ["events[0].conversation.endedAt"]
    assert await UsageEvent.all().count() == 0


async def test_the_start_is_the_earliest_event_of_the_batch(api: Api, ws: str, bot: str) -> None:
    """An end after the start but before the event's own time is fine (an event after the
    call ended); an end before the earliest event is not."""
    batch = [
        world.event("b", "2026-11-10T15:10:00Z", bot, "c", ended_at="2026-11-10T15:05:00Z"),
        world.event("c", "2026-11-10T15:20:00Z", bot, "c", ended_at="2026-11-10T14:59:00Z"),
        world.event("a", "2026-11-10T15:00:00Z", bot, "c"),
    ]
    assert await _refused_field(api, ws, batch) == ["events[1].conversation.endedAt"]
    assert await Conversation.all().count() == 0
    assert await world.record(api, ws, [batch[0], batch[2]]) == {"accepted": 2, "duplicates": 0}


async def test_an_end_before_the_stored_start(api: Api, ws: str, bot: str) -> None:
    await world.record(api, ws, [world.event("a", "2026-11-10T15:00:00Z", bot, "c")])
    late = world.event("b", "2026-11-10T16:00:00Z", bot, "c", ended_at="2026-11-10T14:30:00Z")
    other = world.event("x", "2026-11-10T16:00:00Z", bot, "other")
    assert await _refused_field(api, ws, [other, late]) == ["events[1].conversation.endedAt"]
    assert await UsageEvent.all().count() == 1


async def test_an_end_at_or_after_the_start_is_accepted(api: Api, ws: str, bot: str) -> None:
    await world.record(api, ws, [world.event("a", "2026-11-10T15:00:00Z", bot, "c")])
    batch = [
        # An earlier event moves the start, so this end is after it.
        world.event("b", "2026-11-10T14:00:00Z", bot, "c", ended_at="2026-11-10T14:30:00Z"),
        world.event("z", "2026-11-10T17:00:00Z", bot, "zero", ended_at="2026-11-10T17:00:00Z"),
    ]
    assert await world.record(api, ws, batch) == {"accepted": 2, "duplicates": 0}


async def test_a_later_batch_may_send_an_end_before_its_own_events(
    api: Api, ws: str, bot: str
) -> None:
    """The start is the stored one when the conversation exists: a later batch's event after
    the call ended repeats the endedAt, which lies before that event but after the start."""
    ended = "2026-11-10T15:15:00Z"
    first = world.event("a", "2026-11-10T15:13:00Z", bot, "c", channel="PHONE", ended_at=ended)
    later = world.event("b", "2026-11-10T15:21:00Z", bot, "c", channel="PHONE", ended_at=ended)
    await world.record(api, ws, [first])
    assert await world.record(api, ws, [later]) == {"accepted": 1, "duplicates": 0}

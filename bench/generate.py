"""Synthetic usage for benchmarks: the same 90 days for every size, only denser.

`events(size)` yields event dicts for the GraphQL write path; `bulk_rows(...)` turns the
same events into ledger rows (contacts, conversations, events) for a COPY-based loader."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

TIMEZONE = "America/New_York"
DAYS = 90
ASSISTANTS = 20
CHANNELS = ["WEB_CHAT", "WHATSAPP", "PHONE", "SMS", "MESSENGER", "INSTAGRAM", "TELEGRAM"]
WEIGHTS = [34, 24, 11, 8, 10, 8, 5]
EVENTS_PER_CONVERSATION = 4


@dataclass(frozen=True)
class Event:
    key: str
    at: datetime
    assistant: int
    conversation: str
    channel: str
    contact: str
    messages: int
    credits_minor: int
    voice_minor: int
    queries: int
    ended_at: datetime | None


def events(size: int, end: datetime, seed: int = 7) -> Iterator[Event]:
    """`size` events over the 90 days ending at `end`, four to a conversation."""
    rng = random.Random(seed)
    tz = ZoneInfo(TIMEZONE)
    start = end - timedelta(days=DAYS)
    conversations = max(1, size // EVENTS_PER_CONVERSATION)
    span = (end - start).total_seconds() - 3600
    made = 0
    for n in range(conversations):
        began = start + timedelta(seconds=span * n / conversations + rng.random() * 60)
        local_hour = began.astimezone(tz).hour
        if local_hour < 7 and rng.random() < 0.5:  # quieter nights
            began += timedelta(hours=8)
        began = min(began, end - timedelta(hours=1))
        channel = rng.choices(CHANNELS, WEIGHTS)[0]
        assistant = rng.randrange(ASSISTANTS)
        contact = f"contact-{rng.randrange(max(10, conversations // 3))}"
        count = EVENTS_PER_CONVERSATION if n < conversations - 1 else size - made
        phone = channel == "PHONE"
        ended = began + timedelta(minutes=rng.randint(2, 20)) if phone else None
        at = began
        for k in range(count):
            yield Event(
                key=f"e-{n}-{k}",
                at=at,
                assistant=assistant,
                conversation=f"c-{n}",
                channel=channel,
                contact=contact,
                messages=0 if phone else rng.randint(1, 3),
                credits_minor=rng.randint(5_000, 30_000),
                voice_minor=rng.randint(10_000, 60_000) if phone else 0,
                queries=rng.choice((0, 0, 1)),
                ended_at=ended,
            )
            at += timedelta(seconds=rng.randint(20, 240))
        made += count


def as_input(event: Event, assistant_ids: list[str]) -> dict[str, object]:
    """The event as `UsageEventInput`."""
    return {
        "idempotencyKey": event.key,
        "occurredAt": event.at.astimezone(UTC).isoformat(),
        "assistantId": assistant_ids[event.assistant],
        "conversation": {
            "externalId": event.conversation,
            "channel": event.channel,
            "type": "INBOUND",
            "contact": {"externalId": event.contact},
            "endedAt": event.ended_at.isoformat() if event.ended_at else None,
        },
        "messages": event.messages,
        "credits": str(event.credits_minor / 10_000),
        "textQueries": event.queries,
        "voiceMinutes": str(event.voice_minor / 10_000),
    }


async def fresh_database(name: str) -> str:
    """Drop and create a PostgreSQL database at 127.0.0.1:5432, migrate it and open it in this
    process; returns its URL."""
    import asyncpg

    from server import db

    server = await asyncpg.connect("postgresql://root@127.0.0.1:5432/postgres")
    try:
        await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await server.execute(f'CREATE DATABASE "{name}"')
    finally:
        await server.close()
    url = f"postgres://root@127.0.0.1:5432/{name}"
    await db.migrate(url)
    await db.init(url)
    return url

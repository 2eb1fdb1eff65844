"""Concurrent writers into one workspace (PostgreSQL): what one write transaction reads and
locks must not grow with what the workspace already holds, and writers whose events share
no day do not wait for each other. (FINDINGS.md "Ingest slows as a workspace grows": the
concurrent-calls upkeep re-read every call of the days a batch touched under one lock per
workspace, until batches passed the statement timeout.)"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models import ledger
from models.ledger import EventRecord
from models.sql import connection, execute, query
from resolvers.ids import decode_id
from tests import world
from tests.api import Api

pytestmark = pytest.mark.postgres_only

DAY = datetime(2026, 11, 3, tzinfo=UTC)


class _Rollback(Exception):
    pass


def _call(index: int, key: str, at: datetime, assistant_pk: int, minutes: int) -> EventRecord:
    return EventRecord(
        index=index, idempotency_key=key, occurred_at=at, assistant_id=assistant_pk,
        conversation_external_id=key, channel="PHONE", type="INBOUND",
        contact_external_id=f"caller-{key}", contact_display_name=None, playground=False,
        ended_at=at + timedelta(minutes=minutes), messages=0, credits=10_000,
        text_queries=0, voice_minutes=10_000,
    )  # fmt: skip


async def _rows_read_by_one_more_call(api: Api, stored_calls: int) -> int:
    """Rows of `conversation` that recording one call reads, in a workspace whose day already
    holds `stored_calls` calls (twenty minutes apart from midnight)."""
    ws = await world.workspace(api, f"W{stored_calls}", timezone="UTC")
    bot = await world.assistant(api, ws)
    events = [
        world.event(f"s{i}", world.iso(DAY + timedelta(minutes=20 * i)), bot, f"call-{i}",
                    channel="PHONE", contact=f"caller-{i}",
                    ended_at=world.iso(DAY + timedelta(minutes=20 * i + 10)))
        for i in range(stored_calls)
    ]  # fmt: skip
    await world.record(api, ws, events)
    ws_pk, bot_pk = decode_id(ws, "Workspace"), decode_id(bot, "Assistant")
    assert ws_pk is not None and bot_pk is not None
    late = _call(0, "late", DAY + timedelta(hours=23, minutes=2), bot_pk, 3)
    # Statistics, as autovacuum keeps them: without, the planner scans tiny tables whole
    # (and filters) whatever the statement needs, and so it would here.
    await execute(connection(), "ANALYZE")
    read = -1
    try:
        async with in_transaction("default") as conn:
            await execute(conn, "SET LOCAL enable_seqscan = off")
            before = await _rows_read(conn)
            await ledger._record(conn, ws_pk, [late])
            read = await _rows_read(conn) - before
            raise _Rollback
    except _Rollback:
        pass
    return read


async def _rows_read(conn: BaseDBAsyncClient) -> int:
    """Rows of `conversation` this connection has read (counts not yet reported to
    PostgreSQL's statistics, which do not move within one transaction)."""
    rows = await query(
        conn,
        "SELECT seq_tup_read + COALESCE(idx_tup_fetch, 0) AS n "
        "FROM pg_stat_xact_user_tables WHERE relname = 'conversation'",
    )
    return int(rows[0]["n"])


async def test_one_more_call_reads_the_same_rows_however_full_the_day_is(api: Api) -> None:
    assert await _rows_read_by_one_more_call(api, 3) == await _rows_read_by_one_more_call(api, 40)


async def test_writers_on_different_days_do_not_wait_for_each_other(api: Api) -> None:
    """A transaction that recorded a call on one day and has not committed yet does not hold
    up a batch with a call on another day (its own rows, its own rollup keys)."""
    ws = await world.workspace(api, timezone="UTC")
    bot = await world.assistant(api, ws)
    ws_pk, bot_pk = decode_id(ws, "Workspace"), decode_id(bot, "Assistant")
    assert ws_pk is not None and bot_pk is not None
    # Both days exist in the rollup and the peaks already: the contended rows are real.
    await world.record(api, ws, [
        world.event("d3", world.iso(DAY), bot, "first", channel="PHONE", contact="a"),
        world.event("d7", world.iso(DAY + timedelta(days=4)), bot, "second", channel="PHONE",
                    contact="b"),
    ])  # fmt: skip
    other_day = [
        world.event(
            "b1",
            world.iso(DAY + timedelta(days=4, hours=2)),
            bot,
            "b-call",
            channel="PHONE",
            contact="caller-b",
            ended_at=world.iso(DAY + timedelta(days=4, hours=2, minutes=5)),
        )
    ]
    recorded, release = asyncio.Event(), asyncio.Event()

    async def hold_a_transaction_open() -> None:
        try:
            async with in_transaction("default") as conn:
                a_call = _call(0, "a1", DAY + timedelta(hours=1), bot_pk, 5)
                await ledger._record(conn, ws_pk, [a_call])
                recorded.set()
                await release.wait()
                raise _Rollback
        except _Rollback:
            pass

    # Its own task: a task started inside the transaction would share its connection.
    holder = asyncio.create_task(hold_a_transaction_open())
    await asyncio.wait_for(recorded.wait(), timeout=30)
    other = asyncio.create_task(world.record(api, ws, other_day))
    done, _ = await asyncio.wait({other}, timeout=8)
    release.set()
    await holder
    assert await other == {"accepted": 1, "duplicates": 0}
    assert other in done, "the second day's batch waited for the first day's transaction"

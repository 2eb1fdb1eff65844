"""Cost budgets shared by every server process through Redis (`BURNRATE_REDIS_URL`), and
what happens when Redis is away: requests are still served, charged to the process' own
bucket, counted in /metrics and logged once per pause, never once per request.

Each test keeps its buckets under a key prefix of its own and deletes them afterwards, so
runs in parallel on one Redis never meet."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from models.rules.enums import Scope
from server.app import create_app
from server.auth import create_key
from tests.conftest import TEST_SETTINGS
from tests.processes import free_port, metric, serving
from tests.proxy import Proxy

REDIS_URL = os.environ.get("BURNRATE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
VIEWER = {"query": "{ viewer { name } }"}  # costs 1 point


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own; its keys are deleted at the end."""
    prefix = f"burnrate-test-{uuid.uuid4().hex[:12]}:"
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()  # Redis is part of the test setup (.ci/run starts it)
        yield prefix
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
async def key(clean: None) -> str:
    return (await create_key("budgeted", frozenset({Scope.ADMIN}), None)).secret


def _headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@asynccontextmanager
async def app_client(**changes: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the in-process app with these settings; its budget store is closed after."""
    app = create_app(replace(TEST_SETTINGS, **changes), manage_database=False)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://burnrate.test") as c:
            yield c
    finally:
        await app.state.graphql.budgets.close()


async def test_one_budget_is_spent_once_across_two_servers(
    database: str, key: str, redis_prefix: str
) -> None:
    """Two `burnrate serve` processes, one Redis, one database: a 10-point budget with no
    refill lets exactly 10 one-point requests through, wherever they land."""
    env = {
        "BURNRATE_REDIS_URL": REDIS_URL,
        "BURNRATE_REDIS_PREFIX": redis_prefix,
        "BURNRATE_RATE_LIMIT_POINTS": "10",
        "BURNRATE_RATE_LIMIT_RESTORE_PER_SECOND": "0",
    }
    with serving(database, env=env) as one, serving(database, env=env) as two:
        async with httpx.AsyncClient(headers=_headers(key)) as client:
            answers = [
                await client.post(f"{server.base}/graphql", json=VIEWER)
                for _ in range(10)
                for server in (one, two)
            ]
            scrapes = [(await client.get(f"{s.base}/metrics")).text for s in (one, two)]
    statuses = Counter(a.status_code for a in answers)
    passed = [a for a in answers if a.status_code == 200]
    remaining = [a.json()["extensions"]["cost"]["remaining"] for a in passed]
    refused = [a for a in answers if a.status_code == 429]
    assert statuses == {200: 10, 429: 10}
    assert remaining == list(range(9, -1, -1))  # one bucket, spent in order across both
    assert all(a.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED" for a in refused)
    assert all(metric(s, "burnrate_budget_store_errors_total") == 0 for s in scrapes)


async def test_each_request_is_one_round_trip_and_a_bucket_expires_when_full(
    key: str, redis_prefix: str
) -> None:
    changes = {"redis_url": REDIS_URL, "redis_prefix": redis_prefix}
    monitor_client = aioredis.Redis.from_url(REDIS_URL)
    async with app_client(rate_limit_points=100, rate_limit_restore_per_second=10, **changes) as c:
        await c.post("/graphql", json=VIEWER, headers=_headers(key))  # connects, loads the script
        commands: list[dict[str, Any]] = []
        async with monitor_client.monitor() as monitor:

            async def listen() -> None:
                async for command in monitor.listen():
                    commands.append(command)

            listening = asyncio.create_task(listen())
            await asyncio.sleep(0.2)
            for _ in range(5):
                answer = await c.post("/graphql", json=VIEWER, headers=_headers(key))
                assert answer.status_code == 200
            await asyncio.sleep(0.3)
            listening.cancel()
    await monitor_client.aclose()
    commands = [c for c in commands if c["client_address"] != "lua"]  # the script's own
    ours = [c for c in commands if redis_prefix in c["command"]]
    assert len(ours) == 5 and all(c["command"].startswith("EVALSHA") for c in ours), commands
    senders = {(c["client_address"], c["client_port"]) for c in ours}
    assert len(senders) == 1
    assert len([c for c in commands if (c["client_address"], c["client_port"]) in senders]) == 5

    store = aioredis.Redis.from_url(REDIS_URL)
    try:
        [bucket] = [k async for k in store.scan_iter(match=f"{redis_prefix}*")]
        # 6 points spent of 100 at 10 a second: full again, and gone, within a second
        assert 0 < await store.pttl(bucket) <= 1000
        await asyncio.sleep(1.1)
        assert await store.exists(bucket) == 0
    finally:
        await store.aclose()


async def test_an_unreachable_store_still_serves_counts_and_logs_once(
    key: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis on a closed port: every request is answered and still limited by the process'
    own bucket; the failure is counted and logged once, without the URL's password."""
    closed = f"redis://:hunter2-redis@127.0.0.1:{free_port()}/0"
    async with app_client(
        redis_url=closed, rate_limit_points=5, rate_limit_restore_per_second=0
    ) as client:
        before = (await client.get("/metrics")).text
        with caplog.at_level(logging.INFO):
            answers = [
                await client.post("/graphql", json=VIEWER, headers=_headers(key)) for _ in range(8)
            ]
        after = (await client.get("/metrics")).text
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 3
    assert answers[0].json()["extensions"]["cost"]["remaining"] == 4

    def delta(name: str) -> float:
        return metric(after, name) - metric(before, name)

    assert delta("burnrate_budget_store_errors_total") == 1  # then it waits before retrying
    assert delta("burnrate_budget_store_fallbacks_total") == 8
    warnings = [r for r in caplog.records if r.name == "burnrate.budgets"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert warnings[0].exc_info is None and "\n" not in warnings[0].getMessage()
    assert "hunter2-redis" not in caplog.text


async def test_a_silent_store_is_tried_again_after_a_pause_and_recovers(
    key: str, redis_prefix: str
) -> None:
    """Redis behind a proxy that accepts connections and never answers (a partition): the
    first request waits for the short timeout, the next ones do not try until the pause is
    over; once Redis answers again, the shared bucket is used again."""
    proxy = Proxy(int(REDIS_URL.rsplit(":", 1)[1].split("/")[0]))
    await proxy.start()
    proxy.stall()
    url = f"redis://127.0.0.1:{proxy.port}/0"
    try:
        async with app_client(
            redis_url=url,
            redis_prefix=redis_prefix,
            redis_timeout_seconds=0.2,
            redis_retry_seconds=0.5,
            rate_limit_points=100,
            rate_limit_restore_per_second=1,
        ) as client:
            before = (await client.get("/metrics")).text
            for _ in range(4):
                answer = await client.post("/graphql", json=VIEWER, headers=_headers(key))
                assert answer.status_code == 200
            during = (await client.get("/metrics")).text
            assert (
                metric(during, "burnrate_budget_store_errors_total")
                - metric(before, "burnrate_budget_store_errors_total")
                == 1
            )
            await proxy.restore()
            await asyncio.sleep(0.6)
            answer = await client.post("/graphql", json=VIEWER, headers=_headers(key))
            assert answer.status_code == 200
            after = (await client.get("/metrics")).text
        assert (
            metric(after, "burnrate_budget_store_fallbacks_total")
            - metric(during, "burnrate_budget_store_fallbacks_total")
            == 0
        )
        store = aioredis.Redis.from_url(REDIS_URL)
        try:
            assert [k async for k in store.scan_iter(match=f"{redis_prefix}*")]
        finally:
            await store.aclose()
    finally:
        await proxy.close()

"""A statement that runs past the statement timeout is not an outage: the answer says the
database was too slow (retryable), /metrics counts it apart from lost connections, nothing is
half-written and the connection keeps working. PostgreSQL only: SQLite has no statement
timeout and no other client to hold a lock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from models.rules.enums import Scope
from resolvers.ids import decode_id
from server.auth import create_key
from tests import world
from tests.api import Api
from tests.processes import metric, serving

pytestmark = pytest.mark.postgres_only

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


async def test_a_statement_past_the_timeout_is_too_slow_not_unreachable(
    api: Api, database: str
) -> None:
    ws = await world.workspace(api)
    bot = await world.assistant(api, ws, "bot")
    key = (await create_key("writer", frozenset({Scope.ADMIN}), None)).secret
    events = [world.event(f"slow-{i}", world.iso(NOW), bot, "c-slow") for i in range(3)]
    variables = {"input": {"workspaceId": ws, "events": events}}
    record = {"query": world.RECORD_USAGE, "variables": variables}
    headers = {"Authorization": f"Bearer {key}"}
    env = {  # one connection: the one the timeout hit must serve the next request
        "BURNRATE_DB_STATEMENT_TIMEOUT_SECONDS": "1",
        "BURNRATE_DB_POOL_MIN": "1",
        "BURNRATE_DB_POOL_MAX": "1",
    }
    with serving(database, env=env) as server:
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
            await client.post("/graphql", json={"query": "{ viewer { name } }"}, headers=headers)
            locker = await asyncpg.connect("postgresql" + database[database.index(":") :])
            try:
                async with locker.transaction():
                    # recordUsage reads the workspace row FOR SHARE: it waits for this lock
                    await locker.execute(
                        "SELECT 1 FROM workspace WHERE id = $1 FOR UPDATE",
                        decode_id(ws, "Workspace"),
                    )
                    slow = (await client.post("/graphql", json=record, headers=headers)).json()
            finally:
                await locker.close()
            again = (await client.post("/graphql", json=record, headers=headers)).json()
            scrape = (await client.get("/metrics")).text
    [error] = slow["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert error["extensions"]["retryable"] is True
    assert "too slow" in error["message"] and "unreachable" not in error["message"]
    # nothing of the first attempt was stored, and the same connection serves the retry
    assert again["data"] == {"recordUsage": {"accepted": 3, "duplicates": 0}}
    assert metric(scrape, "burnrate_database_errors_total", kind="timeout") == 1
    assert metric(scrape, "burnrate_database_errors_total", kind="unreachable") == 0
    logged = [line for line in server.json_lines() if "too slow" in line.get("message", "")]
    assert len(logged) == 1 and logged[0]["level"] == "warning" and "exception" not in logged[0]

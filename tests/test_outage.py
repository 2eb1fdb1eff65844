"""A database outage, for real: `burnrate serve` in its own process, talking to PostgreSQL
through a TCP proxy the test cuts, stalls and restores. PostgreSQL only: SQLite is a file
inside the server's own process and cannot go away from under it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from models import UsageEvent
from models.rules.enums import Scope
from server.auth import create_key
from tests import world
from tests.api import Api
from tests.processes import BURNRATE, free_port
from tests.proxy import Proxy

pytestmark = pytest.mark.postgres_only

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def _through(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username}@127.0.0.1:{port}" if parts.username else f"127.0.0.1:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


async def _answers(client: httpx.AsyncClient, path: str, within: float) -> None:
    """Until `path` answers 200 (`/healthz`: alive, `/readyz`: ready)."""
    deadline = time.monotonic() + within
    while True:
        try:
            if (await client.get(path)).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{path} did not answer 200"
        await asyncio.sleep(0.2)


async def _timed(work: Any) -> tuple[Any, float]:
    began = time.monotonic()
    result = await work
    return result, time.monotonic() - began


def _events(prefix: str, bot: str, n: int = 5) -> list[dict[str, Any]]:
    return [world.event(f"{prefix}-{i}", world.iso(NOW), bot, f"c-{prefix}") for i in range(n)]


async def test_an_outage_is_coded_stores_nothing_and_heals_by_itself(
    database: str, clean: None
) -> None:
    proxy = Proxy(urlsplit(database).port or 5432)  # not listening yet: the database is down
    key = (await create_key("ops", frozenset({Scope.ADMIN}), None)).secret
    port = free_port()
    server = subprocess.Popen(  # noqa: ASYNC220 (started once; the proxy shares this loop)
        [BURNRATE, "serve", "--port", str(port)],
        env=dict(
            os.environ,
            DATABASE_URL=_through(database, proxy.port),
            BURNRATE_DB_CONNECT_TIMEOUT_SECONDS="2",
            BURNRATE_DB_STATEMENT_TIMEOUT_SECONDS="2",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            # 0. Started while the database is down: alive, not ready; ready once it is back.
            await _answers(client, "/healthz", 30)
            assert (await client.get("/readyz")).status_code == 503
            await proxy.start()
            await _answers(client, "/readyz", 15)
            api = Api(client, key)
            ws = await world.workspace(api)
            bot = await world.assistant(api, ws, "bot")
            assert (await world.record(api, ws, _events("before", bot)))["accepted"] == 5
            record = {"input": {"workspaceId": ws, "events": _events("cut", bot)}}

            # 1. The connection dies as the write commits: coded, retryable, nothing stored.
            proxy.cut_on = b"COMMIT"
            error, took = await _timed(api.error(world.RECORD_USAGE, record))
            assert proxy.cuts == 1, "the write never reached COMMIT"
            assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
            assert error["extensions"]["retryable"] is True
            assert took < 5

            # 2. While the database is gone: fast coded answers, not ready, still alive.
            answer, took = await _timed(
                client.post("/graphql", json={"query": "{ viewer { name } }"},
                            headers={"Authorization": f"Bearer {key}"})
            )  # fmt: skip
            assert answer.status_code == 503 and took < 5
            assert answer.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
            assert answer.headers["retry-after"] == "1"
            ready, took = await _timed(client.get("/readyz"))
            assert ready.status_code == 503 and took < 5
            assert (await client.get("/healthz")).status_code == 200

            # 3. The database returns: the same server recovers, no restart.
            await proxy.restore()
            await _answers(client, "/readyz", 15)
            again = await world.record(api, ws, _events("cut", bot))
            assert again == {"accepted": 5, "duplicates": 0}  # the cut write left nothing

            # 4. A partition (packets vanish, connections stay open): answered within the
            #    statement timeout, then healed the same way.
            proxy.stall()
            answer, took = await _timed(
                client.post("/graphql", json={"query": "{ viewer { name } }"},
                            headers={"Authorization": f"Bearer {key}"})
            )  # fmt: skip
            assert took < 8
            assert answer.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            await proxy.restore()
            await _answers(client, "/readyz", 15)
            assert (await world.record(api, ws, _events("after", bot)))["accepted"] == 5
        stored = await UsageEvent.filter(workspace_id=int(_pk(ws))).count()
        assert stored == 15
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
        await proxy.close()
    # the server's log tells operators what happened, one JSON object a line with request ids
    warnings = [json.loads(line) for line in output.splitlines() if "database unreachable" in line]
    assert warnings and all(w["level"] == "warning" and w["request_id"] for w in warnings)


def _pk(global_id: str) -> int:
    from resolvers.ids import decode_id

    pk = decode_id(global_id, "Workspace")
    assert pk is not None
    return pk

"""In-process ingest: `recordUsage` through `schema.execute` (no HTTP, no JSON), 20,000 events
in 1,000-event batches from 4 concurrent clients, on a fresh PostgreSQL database
`burnrate_bench_ingest`. It isolates the API's own cost from the transport's.

    .venv/bin/python bench/ingest.py
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import as_input, events, fresh_database
from models.rules.enums import Scope
from resolvers.access import Principal
from resolvers.context import Context
from schema.root import schema
from server import db
from server.settings import settings

DATABASE = "burnrate_bench_ingest"
ADMIN = Principal(0, "bench", frozenset({Scope.ADMIN}), None)


async def _admin() -> Principal:
    return ADMIN


async def run(document: str, variables: dict[str, Any]) -> dict[str, Any]:
    result = await schema.execute(
        document, variable_values=variables,
        context_value=Context(request_id="bench", authenticate=_admin, settings=settings),
    )  # fmt: skip
    if result.errors or result.data is None:
        raise RuntimeError(str(result.errors))
    return result.data


async def main() -> None:
    await fresh_database(DATABASE)
    try:
        await run('mutation { upsertPlan(input: {code: "p", name: "P", grants: []}) { code } }', {})
        created = await run(
            'mutation { createWorkspace(input: {name: "w", timezone: "America/New_York", '
            'planCode: "p"}) { id } }',
            {},
        )
        ws = created["createWorkspace"]["id"]
        bots = []
        for n in range(20):
            data = await run(
                "mutation($w: ID!, $x: String!) { upsertAssistant(input: {workspaceId: $w, "
                'externalId: $x, name: $x, createdAt: "2025-01-01T00:00:00Z"}) { id } }',
                {"w": ws, "x": f"bot-{n}"},
            )
            bots.append(data["upsertAssistant"]["id"])
        evs = list(events(20_000, datetime.now(UTC) - timedelta(minutes=5)))
        batches = [[as_input(e, bots) for e in evs[i : i + 1000]] for i in range(0, 20_000, 1000)]
        query = "mutation($i: RecordUsageInput!) { recordUsage(input: $i) { accepted } }"

        async def client(k: int) -> None:
            for batch in batches[k::4]:
                await run(query, {"i": {"workspaceId": ws, "events": batch}})

        began = time.perf_counter()
        await asyncio.gather(*(client(k) for k in range(4)))
        took = time.perf_counter() - began
        print(f"in-process ingest: 20,000 events in {took:.2f} s = {20_000 / took:,.0f} events/s")
    finally:
        await db.close()


if __name__ == "__main__":
    asyncio.run(main())

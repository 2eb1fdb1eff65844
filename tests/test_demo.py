"""`burnrate demo`: the newcomer's path. The demo is loaded once per test session, by a real
`burnrate demo` process (tests/demo_site.py), and every check here reads that load: what it
printed, what it stored, what it serves."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from models.rollup import LEDGER_ROLLUP_SELECT
from models.rules.enums import Channel
from models.sql import as_date
from server.demo import DEMO_NAME
from tests.demo_site import DemoSite
from tests.processes import free_port, start_demo

TILES = """query($id: ID!) { workspace(id: $id) { name timezone usage {
  hasData tiles { creditType status } byChannel { channel } dailyBurn { conversations } } } }"""
ROLLUP_COLUMNS = (
    "local_date, assistant_id, channel, credits, messages, conversations_started, "
    "text_queries, voice_minutes, conversations_last_active"
)


def _rows(rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {
        (as_date(r["local_date"]), int(r["assistant_id"]), str(r["channel"]),
         *(int(r[c]) for c in ROLLUP_COLUMNS.split(", ")[3:]))
        for r in rows
    }  # fmt: skip


async def _count(site: DemoSite, table: str, where: str = "1 = 1") -> int:
    (row,) = await site.sql(f'SELECT COUNT(*) AS "n" FROM "{table}" WHERE {where}')
    return int(row["n"])


async def test_the_demo_prints_progress_a_read_key_and_the_page(demo_site: DemoSite) -> None:
    printed = demo_site.printed
    assert "loading demo data [" in printed
    loaded = re.search(r"loaded the demo workspace: ([\d,]+) events", printed)
    assert loaded is not None and int(loaded.group(1).replace(",", "")) > 30_000
    assert f"Dashboard: {demo_site.link}" in printed
    assert f"{demo_site.base}/graphql" in printed
    assert (await demo_site.ask("{ viewer { scopes } }"))["viewer"] == {"scopes": ["USAGE_READ"]}
    async with httpx.AsyncClient() as client:
        page = await client.get(f"{demo_site.base}/")
    assert page.status_code == 200 and 'data-widget="tiles"' in page.text


async def test_the_demo_is_a_realistic_workspace_in_every_band(demo_site: DemoSite) -> None:
    loaded = re.search(r"loaded the demo workspace: ([\d,]+) events", demo_site.printed)
    assert loaded is not None
    assert await _count(demo_site, "usage_event") == int(loaded.group(1).replace(",", ""))
    assert await _count(demo_site, "workspace") == 1
    assert await _count(demo_site, "assistant") == 6
    assert await _count(demo_site, "assistant", '"archived_at" IS NOT NULL') == 1
    assert await _count(demo_site, "team_member") == 5
    assert await _count(demo_site, "phone_number") == 3
    assert await _count(demo_site, "top_up") == 2
    assert await _count(demo_site, "conversation", '"playground" = TRUE') > 0
    channels = {
        r["channel"] for r in await demo_site.sql('SELECT DISTINCT "channel" FROM "conversation"')
    }
    assert channels == {c.value for c in Channel}
    days = {
        as_date(r["local_date"])
        for r in await demo_site.sql('SELECT DISTINCT "local_date" FROM "daily_usage"')
    }
    today = datetime.now(ZoneInfo("America/New_York")).date()
    # 90 local days ending today; just after midnight, today may have no traffic yet.
    assert min(days) == today - timedelta(days=89)
    assert len(days) >= 89 and max(days) >= today - timedelta(days=1)
    (workspace,) = await demo_site.sql('SELECT "id" FROM "workspace"')
    stored = await demo_site.sql(
        f'SELECT {ROLLUP_COLUMNS} FROM "daily_usage" WHERE "workspace_id" = ?', [workspace["id"]]
    )
    recomputed = await demo_site.sql(LEDGER_ROLLUP_SELECT, [False, False, workspace["id"], False])
    assert _rows(stored) == _rows(recomputed)

    answer = (await demo_site.ask(TILES, {"id": demo_site.workspace}))["workspace"]
    assert (answer["name"], answer["timezone"]) == (DEMO_NAME, "America/New_York")
    usage = answer["usage"]
    assert usage["hasData"] is True
    assert {t["creditType"]: t["status"] for t in usage["tiles"]} == {
        "CREDITS": "CRITICAL",
        "TEXT_QUERIES": "WARNING",
        "VOICE_MINUTES": "OK",
        "CONCURRENT_CALLS": "OK",
        "PHONE_NUMBERS": "EXCEEDED",
        "HUMAN_AGENT_SEATS": "OK",
        "CHATBOTS": "CRITICAL",
        "TEAM_MEMBERS": "WARNING",
    }
    assert len(usage["byChannel"]) == 7
    assert all(point["conversations"] > 0 for point in usage["dailyBurn"][:-1])


async def test_a_second_run_loads_nothing_and_prints_a_new_key(demo_site: DemoSite) -> None:
    events = await _count(demo_site, "usage_event")
    demo, lines = start_demo(demo_site.database_url, free_port())
    demo.terminate()
    demo.communicate(timeout=30)
    assert "the database already has a workspace: nothing loaded" in lines
    key = next(line for line in lines if line.startswith("API key: br_")).split(": ", 1)[1]
    assert key != demo_site.key
    assert await _count(demo_site, "usage_event") == events
    assert await _count(demo_site, "workspace") == 1

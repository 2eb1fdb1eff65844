"""The usage core (resolvers/dashboard.py) outside a request, and the tile rules of
SEMANTICS.md v2: the reference day, the shared pool with the agent's part, EXCEEDED."""

from __future__ import annotations

import asyncio
import contextvars
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from loaders.lookups import Lookups
from models import Workspace
from models.rollup import RollupDelta, add_to_rollup
from models.rules.days import billing_period, today_in
from models.rules.enums import CreditType
from models.rules.health import TileStatus
from models.sql import transaction
from resolvers import dashboard
from resolvers.ids import decode_id
from server.settings import settings
from tests import world
from tests.api import Api
from tests.conftest import ON_POSTGRES
from tests.dashboard import DASHBOARD

CREDITS_ONLY = [{"creditType": "CREDITS", "perPeriod": "10"}]


def _now() -> datetime:
    return datetime.now(UTC)


async def _credits_workspace(api: Api) -> tuple[str, str, int]:
    ws = await world.workspace(api, "Pool", timezone="UTC", plan_code="credits")
    await world.plan(api, "credits", CREDITS_ONLY)  # replaces the starter grants
    bot = await world.assistant(api, ws)
    pk = decode_id(ws, "Workspace")
    assert pk is not None
    return ws, bot, pk


async def _credit_tile(lookups: Lookups, workspace_pk: int) -> dashboard.Tile:
    workspace = await Workspace.filter(id=workspace_pk).using_db(lookups.conn).get()
    scope = await dashboard.open_scope(lookups, settings, workspace, None, None, None, _now())
    (tile,) = await dashboard.tiles(lookups, scope)
    return tile


async def test_the_core_reads_inside_a_write_transaction(api: Api) -> None:
    """Alerts are evaluated before COMMIT: the core, given the transaction's connection, sees
    what the transaction wrote and nobody else does yet; a rollback leaves no trace."""
    _, _, pk = await _credits_workspace(api)
    bot = (await dashboard.open_scope(
        Lookups(), settings, await Workspace.get(id=pk), None, None, None, _now()
    )).catalog.assistants[0]  # fmt: skip
    today = today_in("UTC", _now())

    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack):
        async with transaction() as conn:
            delta = RollupDelta(credits=95_000)  # 9.5 credits, in minor units
            await add_to_rollup(conn, pk, {(today, bot.id, "WEB_CHAT"): delta})
            inside = await _credit_tile(Lookups(conn), pk)
            assert (inside.used, inside.status) == (Fraction(95, 10), TileStatus.CRITICAL)
            if ON_POSTGRES:  # SQLite has one connection: outside reads wait for the writer
                # Another request: a task with a context of its own (inside this one,
                # Tortoise routes the default connection to the open transaction).
                other = asyncio.create_task(
                    _credit_tile(Lookups(), pk), context=contextvars.Context()
                )
                assert (await other).used == 0
            raise RolledBack
    after = await _credit_tile(Lookups(), pk)
    assert (after.used, after.status) == (Fraction(0), TileStatus.OK)


async def test_a_range_ending_in_the_future_shows_the_current_period(api: Api) -> None:
    """The tiles' period contains the reference day, the earlier of today and range.end: a
    range reaching into next month must not show next month's empty period."""
    ws, bot, _ = await _credits_workspace(api)
    now = _now()
    await world.record(
        api, ws, [world.event("e1", world.iso(now - timedelta(minutes=5)), bot, credits="4")]
    )
    today = now.date()
    period = billing_period(today, 1)
    later = {"start": str(today - timedelta(days=3)), "end": str(today + timedelta(days=40))}
    (tile,) = (await api.ok(DASHBOARD, {"id": ws, "range": later}))["workspace"]["usage"]["tiles"]
    assert tile["period"] == {"start": str(period[0]), "end": str(period[1])}
    assert tile["used"] == "4"
    assert tile["forecast"] is not None  # the period contains today
    past = {"start": "2026-01-01", "end": "2026-01-31"}
    (old,) = (await api.ok(DASHBOARD, {"id": ws, "range": past}))["workspace"]["usage"]["tiles"]
    assert old["period"] == {"start": "2026-01-01", "end": "2026-01-31"}
    assert (old["used"], old["forecast"]) == ("0", None)


async def test_over_the_allotment_is_exceeded_with_the_real_ratio(api: Api) -> None:
    ws, bot, _ = await _credits_workspace(api)
    at = world.iso(_now() - timedelta(minutes=5))
    await world.record(api, ws, [world.event("e1", at, bot, credits="32.2")])
    (tile,) = (await api.ok(DASHBOARD, {"id": ws}))["workspace"]["usage"]["tiles"]
    assert (tile["status"], tile["used"], tile["remaining"]) == ("EXCEEDED", "32.2", "0")
    assert tile["ratio"] == pytest.approx(3.22)
    assert tile["forecast"]["depletesOn"] == str(today_in("UTC", _now()))


async def test_the_pool_keeps_its_band_when_one_agent_is_chosen(api: Api) -> None:
    """A pool that runs out soon stays CRITICAL with its forecast when filtered to a quiet
    agent (before: that agent's 0 read as OK, lasting the period)."""
    ws, busy, _ = await _credits_workspace(api)
    quiet = await world.assistant(api, ws, "quiet", "Quiet")
    at = world.iso(_now() - timedelta(minutes=5))
    await world.record(
        api,
        ws,
        [world.event("e1", at, busy, "c1", credits="9.6"),
         world.event("e2", at, quiet, "c2", credits="0.1")],
    )  # fmt: skip
    pool = (await api.ok(DASHBOARD, {"id": ws}))["workspace"]["usage"]["tiles"][0]
    (mine,) = (await api.ok(DASHBOARD, {"id": ws, "agent": quiet}))["workspace"]["usage"]["tiles"]
    assert (mine["used"], mine["status"], mine["agentUsed"]) == ("9.7", "CRITICAL", "0.1")
    assert mine["forecast"] == pool["forecast"]
    assert pool["agentUsed"] is None


async def test_tiles_of_every_grant_type_name_the_agent_part_only_where_it_exists(
    api: Api,
) -> None:
    ws = await world.workspace(api, "All", timezone="UTC", plan_code="all")
    await world.plan(api, "all", [{"creditType": t.value, "perPeriod": "5"} for t in CreditType])
    bot = await world.assistant(api, ws)
    page = await api.ok(DASHBOARD, {"id": ws, "agent": bot})
    parts = {t["creditType"]: t["agentUsed"] for t in page["workspace"]["usage"]["tiles"]}
    assert parts == {
        "CREDITS": "0", "TEXT_QUERIES": "0", "VOICE_MINUTES": "0", "CONCURRENT_CALLS": "0",
        "PHONE_NUMBERS": None, "HUMAN_AGENT_SEATS": None, "CHATBOTS": None, "TEAM_MEMBERS": None,
    }  # fmt: skip

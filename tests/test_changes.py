"""Every write that changes a workspace's figures bumps its version, in its own transaction
(the signal live updates and the response cache read); reads and no-op writes do not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.changes import versions
from models.sql import connection
from resolvers.ids import decode_id
from tests import world
from tests.api import Api
from tests.dashboard import DASHBOARD


async def _version(workspace: str) -> int:
    pk = decode_id(workspace, "Workspace")
    assert pk is not None
    return (await versions(connection(), [pk]))[pk]


async def test_each_kind_of_write_bumps_the_version_once(api: Api) -> None:
    ws = await world.workspace(api, timezone="UTC")
    other = await world.workspace(api, "Other", timezone="UTC", plan_code="other")
    assert await _version(ws) == 0
    bot = await world.assistant(api, ws)
    assert await _version(ws) == 1
    at = world.iso(datetime.now(UTC) - timedelta(minutes=5))
    await world.record(api, ws, [world.event("e1", at, bot)])
    assert await _version(ws) == 2
    await world.record(api, ws, [world.event("e1", at, bot)])  # a retry: changes nothing
    assert await _version(ws) == 2
    await api.ok(world.UPSERT_TEAM_MEMBER, {"input": {"workspaceId": ws, "externalId": "m"}})
    await api.ok(world.UPSERT_PHONE_NUMBER, {"input": {"workspaceId": ws, "number": "+4930123456"}})
    await api.ok(world.GRANT_TOP_UP, {"input": {
        "workspaceId": ws, "idempotencyKey": "t", "creditType": "CREDITS", "amount": "5",
        "effectiveOn": str(datetime.now(UTC).date())}})  # fmt: skip
    await api.ok(world.UPDATE_WORKSPACE, {"input": {"id": ws, "timezone": "Europe/Berlin"}})
    assert await _version(ws) == 6
    await world.plan(api, "starter")  # the plan's grants: every workspace on it changes
    assert (await _version(ws), await _version(other)) == (7, 0)
    await api.ok(DASHBOARD, {"id": ws})  # a read
    assert await _version(ws) == 7


async def test_a_refused_write_leaves_the_version(api: Api) -> None:
    ws = await world.workspace(api, timezone="UTC")
    bot = await world.assistant(api, ws)
    before = await _version(ws)
    future = world.iso(datetime.now(UTC) + timedelta(days=1))
    await api.errors(world.RECORD_USAGE, {"input": {"workspaceId": ws, "events": [
        world.event("e1", future, bot)]}})  # fmt: skip
    assert await _version(ws) == before

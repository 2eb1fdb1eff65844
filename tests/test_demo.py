"""`burnrate demo`'s data: loaded once through the write path, realistic, in every band."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from models import (
    Assistant,
    Conversation,
    DailyUsage,
    PhoneNumber,
    TeamMember,
    TopUp,
    UsageEvent,
    Workspace,
)
from models.rules.enums import Channel, Scope
from server.demo import DEMO_NAME, load_demo
from server.settings import settings
from tests.api import Api
from tests.rollups import ledger_rollup, stored_rollup

TILES = """query($id: ID!) { workspace(id: $id) { usage {
  hasData tiles { creditType status } byChannel { channel } dailyBurn { conversations } } } }"""


async def test_demo_loads_once_a_realistic_workspace_in_every_band(api: Api) -> None:
    steps: list[tuple[int, int]] = []
    result = await load_demo(settings, progress=lambda done, total: steps.append((done, total)))
    assert result.loaded
    assert steps[-1][0] == steps[-1][1] == result.events > 30_000

    workspace = await Workspace.get()
    assert (workspace.name, workspace.timezone) == (DEMO_NAME, "America/New_York")
    assistants = await Assistant.filter(workspace_id=workspace.id)
    assert len(assistants) == 6
    assert sum(a.archived_at is not None for a in assistants) == 1
    assert await TeamMember.all().count() == 5
    assert await PhoneNumber.all().count() == 3
    assert await TopUp.all().count() == 2
    assert await UsageEvent.all().count() == result.events
    channels = {c.channel for c in await Conversation.all().only("id", "channel")}
    assert channels == {c.value for c in Channel}
    assert await Conversation.filter(playground=True).count() > 0
    ny = ZoneInfo("America/New_York")
    days = {row.local_date for row in await DailyUsage.all().only("id", "local_date")}
    today = datetime.now(ny).date()
    # 90 local days ending today; just after midnight, today may have no traffic yet.
    assert min(days) == today - timedelta(days=89)
    assert len(days) >= 89 and max(days) >= today - timedelta(days=1)
    assert await stored_rollup(workspace.id) == await ledger_rollup(workspace.id)

    reader = await api.workspace_key(result.global_id, Scope.USAGE_READ)
    usage = (await reader.ok(TILES, {"id": result.global_id}))["workspace"]["usage"]
    assert usage["hasData"] is True
    status = {t["creditType"]: t["status"] for t in usage["tiles"]}
    assert status == {
        "CREDITS": "CRITICAL",
        "TEXT_QUERIES": "WARNING",
        "VOICE_MINUTES": "OK",
        "CONCURRENT_CALLS": "OK",
        "PHONE_NUMBERS": "OK",
        "HUMAN_AGENT_SEATS": "OK",
        "CHATBOTS": "CRITICAL",
        "TEAM_MEMBERS": "WARNING",
    }
    assert len(usage["byChannel"]) == 7
    assert all(point["conversations"] > 0 for point in usage["dailyBurn"][:-1])

    again = await load_demo(settings)
    assert (again.loaded, again.workspace_id) == (False, workspace.id)
    assert await UsageEvent.all().count() == result.events
    assert await Workspace.all().count() == 1

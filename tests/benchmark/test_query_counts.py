"""SQL statements per request are a constant: they do not grow with assistants, workspaces
or events. (Timings live in bench/, never in tests.)"""

from __future__ import annotations

from typing import Any

import pytest

from models.rules.enums import CreditType
from tests import world
from tests.api import Api
from tests.conftest import StatementLog
from tests.dashboard import CONSOLE, DASHBOARD

MAX_STATEMENTS = 7
RANGE = {"start": "2026-10-01", "end": "2026-11-15"}
ALL_GRANTS = [{"creditType": t.value, "perPeriod": "100"} for t in CreditType]


async def populated_workspace(api: Api, name: str, assistants: int) -> tuple[str, list[str]]:
    """A workspace on a plan with every credit type, with traffic on each assistant."""
    await world.plan(api, "everything", ALL_GRANTS)
    data = await api.ok(
        world.CREATE_WORKSPACE,
        {"input": {"name": name, "timezone": "Europe/Berlin", "planCode": "everything"}},
    )
    ws = str(data["createWorkspace"]["id"])
    bots = [await world.assistant(api, ws, f"{name}-bot-{i}") for i in range(assistants)]
    events: list[dict[str, Any]] = []
    for i, bot in enumerate(bots):
        for j, channel in enumerate(("WEB_CHAT", "PHONE", "SMS")):
            events.append(
                world.event(
                    f"{name}-{i}-{j}",
                    f"2026-11-{1 + (i + j) % 14:02d}T10:{j:02d}:00+00:00",
                    bot,
                    f"{name}-conv-{i}-{j}",
                    channel=channel,
                    contact=f"{name}-contact-{i}-{j}",
                    ended_at="2026-11-15T11:00:00+00:00" if channel == "PHONE" else None,
                )
            )
    await world.record(api, ws, events)
    await api.ok(
        world.UPSERT_TEAM_MEMBER,
        {"input": {"workspaceId": ws, "externalId": "m", "agentSeat": True}},
    )
    await api.ok(world.UPSERT_PHONE_NUMBER, {"input": {"workspaceId": ws, "number": "+4930123456"}})
    return ws, bots


async def count(api: Api, statements: StatementLog, query: str, variables: dict[str, Any]) -> int:
    statements.clear()
    await api.ok(query, variables)
    return len(statements)


@pytest.mark.parametrize("filtered", [False, True], ids=["all-agents", "one-agent"])
async def test_dashboard_statements_do_not_grow_with_assistants(
    api: Api, statements: StatementLog, filtered: bool
) -> None:
    small, small_bots = await populated_workspace(api, "small", 1)
    large, large_bots = await populated_workspace(api, "large", 40)
    counts = []
    for ws, bots in ((small, small_bots), (large, large_bots)):
        variables = {"id": ws, "range": RANGE, "agent": bots[0] if filtered else None}
        counts.append(await count(api, statements, DASHBOARD, variables))
    assert counts[0] == counts[1], statements.statements
    assert counts[0] <= MAX_STATEMENTS, statements.statements


async def test_dashboard_answer_is_complete(api: Api) -> None:
    """The counted query really computes every figure (so the count means something)."""
    ws, _ = await populated_workspace(api, "full", 3)
    usage = (await api.ok(DASHBOARD, {"id": ws, "range": RANGE}))["workspace"]["usage"]
    assert usage["hasData"] is True
    assert [t["creditType"] for t in usage["tiles"]] == [g["creditType"] for g in ALL_GRANTS]
    assert usage["summary"]["conversations"] == 9
    assert len(usage["topAssistants"]) == 3
    assert len(usage["recentActivity"]["edges"]) == 9
    calls = next(t for t in usage["tiles"] if t["creditType"] == "CONCURRENT_CALLS")
    assert calls["used"] == "3"


async def test_admin_console_statements_do_not_grow_with_workspaces(
    api: Api, statements: StatementLog
) -> None:
    for i in range(2):
        await populated_workspace(api, f"w{i}", 2)
    two = await count(api, statements, CONSOLE, {"first": 50})
    for i in range(2, 10):
        await populated_workspace(api, f"w{i}", 2)
    ten = await count(api, statements, CONSOLE, {"first": 50})
    assert two == ten, statements.statements
    assert ten <= MAX_STATEMENTS, statements.statements

"""Plans and workspaces: upsertPlan, createWorkspace, updateWorkspace, viewer, workspace(s)."""

from __future__ import annotations

import pytest

from models import DailyUsage, Plan, UsageEvent, Workspace
from models.rules.enums import Scope
from tests import world
from tests.api import Api


async def test_upsert_plan_creates_then_replaces_grants(api: Api) -> None:
    data = await api.ok(
        world.UPSERT_PLAN,
        {"input": {"code": "pro", "name": "Pro", "grants": world.STARTER_GRANTS}},
    )
    plan = data["upsertPlan"]
    assert plan["code"] == "pro"
    assert plan["grants"] == [
        {"creditType": "CREDITS", "perPeriod": "1000"},
        {"creditType": "TEXT_QUERIES", "perPeriod": "500"},
        {"creditType": "VOICE_MINUTES", "perPeriod": "120.5"},
        {"creditType": "CHATBOTS", "perPeriod": "3"},
    ]
    again = await api.ok(
        world.UPSERT_PLAN,
        {
            "input": {
                "code": "pro",
                "name": "Pro 2",
                "grants": [{"creditType": "CREDITS", "perPeriod": "2500.25"}],
            }
        },
    )
    assert again["upsertPlan"] == {
        "code": "pro",
        "name": "Pro 2",
        "grants": [{"creditType": "CREDITS", "perPeriod": "2500.25"}],
    }


@pytest.mark.parametrize(
    ("grants", "needle"),
    [
        ([{"creditType": "CREDITS", "perPeriod": "-1"}], "perPeriod"),
        ([{"creditType": "CREDITS", "perPeriod": "NaN"}], "finite"),
        ([{"creditType": "CREDITS", "perPeriod": "Infinity"}], "finite"),
        ([{"creditType": "CREDITS", "perPeriod": "1.00001"}], "perPeriod"),
        ([{"creditType": "CHATBOTS", "perPeriod": "2.5"}], "perPeriod"),
        (
            [
                {"creditType": "CREDITS", "perPeriod": "1"},
                {"creditType": "CREDITS", "perPeriod": "2"},
            ],
            "CREDITS",
        ),
    ],
)
async def test_upsert_plan_rejects_bad_grants(
    api: Api, grants: list[dict[str, str]], needle: str
) -> None:
    error = await api.error(
        world.UPSERT_PLAN, {"input": {"code": "bad", "name": "Bad", "grants": grants}}
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert needle in error["message"]
    assert not await Plan.filter(code="bad").exists()


async def test_upsert_plan_needs_admin(api: Api) -> None:
    ws = await world.workspace(api)
    writer = await api.workspace_key(ws, Scope.USAGE_READ, Scope.USAGE_WRITE)
    error = await writer.error(
        world.UPSERT_PLAN, {"input": {"code": "x", "name": "X", "grants": []}}
    )
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_create_workspace(api: Api) -> None:
    await world.plan(api)
    data = await api.ok(
        world.CREATE_WORKSPACE,
        {
            "input": {
                "name": "Acme",
                "timezone": "Asia/Kolkata",
                "planCode": "starter",
                "billingAnchorDay": 31,
            }
        },
    )
    ws = data["createWorkspace"]
    assert ws["name"] == "Acme"
    assert ws["timezone"] == "Asia/Kolkata"
    assert ws["billingAnchorDay"] == 31
    assert ws["plan"] == {"code": "starter"}
    fetched = await api.ok("query($id: ID!) { workspace(id: $id) { name } }", {"id": ws["id"]})
    assert fetched == {"workspace": {"name": "Acme"}}


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"timezone": "Mars/Olympus"}, "time zone"),
        ({"timezone": "EST5EDT-ish"}, "time zone"),
        ({"billingAnchorDay": 0}, "between 1 and 31"),
        ({"billingAnchorDay": 32}, "between 1 and 31"),
        ({"planCode": "no-such-plan"}, "no-such-plan"),
        ({"name": "   "}, "empty"),
        ({"name": "x" * 201}, "at most"),
    ],
)
async def test_create_workspace_rejects_bad_input(
    api: Api, change: dict[str, object], needle: str
) -> None:
    await world.plan(api)
    given = {"name": "Acme", "timezone": "UTC", "planCode": "starter", "billingAnchorDay": 1}
    error = await api.error(world.CREATE_WORKSPACE, {"input": given | change})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert needle in error["message"]
    assert await Workspace.all().count() == 0


async def test_workspace_key_cannot_create_workspaces(api: Api) -> None:
    ws = await world.workspace(api)
    writer = await api.workspace_key(ws, Scope.USAGE_WRITE)
    given = {"name": "Other", "timezone": "UTC", "planCode": "starter"}
    assert await writer.code(world.CREATE_WORKSPACE, {"input": given}) == "FORBIDDEN"


async def test_update_workspace_changes_only_given_fields(api: Api) -> None:
    ws = await world.workspace(api, anchor=15)
    await world.plan(api, "pro")
    data = await api.ok(world.UPDATE_WORKSPACE, {"input": {"id": ws, "planCode": "pro"}})
    assert data["updateWorkspace"] == {
        "id": ws,
        "name": "Acme",
        "timezone": "America/New_York",
        "billingAnchorDay": 15,
        "plan": {"code": "pro"},
    }
    data = await api.ok(
        world.UPDATE_WORKSPACE, {"input": {"id": ws, "name": "Acme Inc", "billingAnchorDay": 28}}
    )
    assert data["updateWorkspace"]["name"] == "Acme Inc"
    assert data["updateWorkspace"]["billingAnchorDay"] == 28
    assert data["updateWorkspace"]["plan"] == {"code": "pro"}


async def test_update_workspace_bad_input_changes_nothing(api: Api) -> None:
    ws = await world.workspace(api)
    for change in ({"timezone": "Nowhere/City"}, {"billingAnchorDay": 32}, {"planCode": "nope"}):
        error = await api.error(
            world.UPDATE_WORKSPACE, {"input": {"id": ws, "name": "Renamed"} | change}
        )
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
    row = await Workspace.get()
    assert (row.name, row.timezone, row.billing_anchor_day) == ("Acme", "America/New_York", 1)


async def test_update_workspace_unknown_id_is_not_found(api: Api) -> None:
    await world.workspace(api)
    for bad in ("V29ya3NwYWNlOjk5OTk=", "not-an-id", "QXNzaXN0YW50OjE="):  # 9999, junk, Assistant:1
        assert (
            await api.code(world.UPDATE_WORKSPACE, {"input": {"id": bad, "name": "x"}})
            == "NOT_FOUND"
        )


async def test_timezone_change_redates_ledger_and_rebuilds_rollup(api: Api) -> None:
    ws = await world.workspace(api, timezone="UTC")
    bot = await world.assistant(api, ws)
    # 02:30 UTC on Nov 2 is still Nov 1 in New York (UTC-5 after the DST change).
    await world.record(
        api,
        ws,
        [
            world.event("a", "2026-11-02T02:30:00+00:00", bot, "c1", credits="2.5"),
            world.event("b", "2026-11-02T15:00:00+00:00", bot, "c2", credits="1"),
        ],
    )
    rows = await DailyUsage.all().order_by("local_date").values_list("local_date", "credits")
    assert [(d.isoformat(), c) for d, c in rows] == [("2026-11-02", 35_000)]

    await api.ok(world.UPDATE_WORKSPACE, {"input": {"id": ws, "timezone": "America/New_York"}})
    rows = (
        await DailyUsage.all()
        .order_by("local_date")
        .values_list("local_date", "credits", "conversations_started")
    )
    assert [(d.isoformat(), c, s) for d, c, s in rows] == [
        ("2026-11-01", 25_000, 1),
        ("2026-11-02", 10_000, 1),
    ]
    events = await UsageEvent.all().order_by("idempotency_key")
    assert [e.local_date.isoformat() for e in events] == ["2026-11-01", "2026-11-02"]


async def test_viewer_for_admin_and_workspace_keys(api: Api) -> None:
    ws = await world.workspace(api)
    admin = await api.ok("{ viewer { name scopes workspace { id } } }")
    assert admin == {"viewer": {"name": "test admin", "scopes": ["ADMIN"], "workspace": None}}
    reader = await api.workspace_key(ws, Scope.USAGE_READ, Scope.USAGE_WRITE)
    seen = await reader.ok("{ viewer { scopes workspace { id name } } }")
    assert seen == {
        "viewer": {"scopes": ["USAGE_READ", "USAGE_WRITE"], "workspace": {"id": ws, "name": "Acme"}}
    }


async def test_workspaces_lists_what_the_key_may_read(api: Api) -> None:
    first = await world.workspace(api, "First")
    await world.workspace(api, "Second")
    query = "{ workspaces { totalCount edges { node { name } } } }"
    everything = await api.ok(query)
    assert everything["workspaces"]["totalCount"] == 2
    reader = await api.workspace_key(first, Scope.USAGE_READ)
    own = await reader.ok(query)
    assert own == {"workspaces": {"totalCount": 1, "edges": [{"node": {"name": "First"}}]}}

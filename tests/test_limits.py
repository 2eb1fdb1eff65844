"""Limits (depth, aliases, tokens, body size, cost), query cost, and rate limiting by cost."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from models.rules.enums import Scope
from schema.root import schema
from server.auth import create_key
from server.budgets import Budgets
from server.cost import query_cost
from server.settings import Settings
from tests import world
from tests.api import Api
from tests.conftest import Served
from tests.dashboard import CONSOLE, DASHBOARD


def cost(document: str, variables: dict[str, object] | None = None) -> int:
    parsed = parse(document)
    operation = next(d for d in parsed.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return query_cost(schema._schema, operation, fragments, variables or {})


WORKSPACES = "{ workspaces(first: 10) { totalCount edges { node { name plan { code } } } } }"


def test_cost_counts_objects_and_multiplies_pages() -> None:
    assert cost("{ viewer { name } }") == 1
    assert cost("{ __typename }") == 0
    # workspaces 1 + 10 × (edges 1 + node 1 + plan 1)
    assert cost(WORKSPACES) == 31
    # the page size may come from a variable, or the argument's default (20)
    query = "query($n: Int!) { workspaces(first: $n) { edges { node { name } } } }"
    assert cost(query, {"n": 5}) == 11
    assert cost("{ workspaces { edges { node { name } } } }") == 41


def test_cost_follows_fragments_and_type_conditions() -> None:
    spread = """
      query { workspaces(first: 10) { edges { node { ...W } } } }
      fragment W on Workspace { name plan { code } }"""
    assert cost(spread) == 31
    node = '{ node(id: "x") { ... on Workspace { plan { code } } ... on Assistant { name } } }'
    assert cost(node) == 2  # node 1 + plan 1; scalars are free


def test_mutations_cost_more_and_record_usage_grows_with_its_batch() -> None:
    plan = 'mutation { upsertPlan(input: {code: "a", name: "A", grants: []}) { code } }'
    assert cost(plan) == 11  # 10 for the mutation, 1 for the plan it returns
    record = "mutation($i: RecordUsageInput!) { recordUsage(input: $i) { accepted } }"
    events = [{"idempotencyKey": str(n)} for n in range(1000)]
    assert cost(record, {"i": {"workspaceId": "w", "events": events}}) == 10 + 1 + 10


def test_a_dashboard_refreshing_every_minute_never_hits_the_default_budget() -> None:
    defaults = Settings()
    page = cost(DASHBOARD)
    assert page == 119  # docs/operations.md quotes it
    assert page <= defaults.max_query_cost
    budgets = Budgets(defaults.rate_limit_points, defaults.rate_limit_restore_per_second)
    # a day of one refresh a minute, and ten open tabs refreshing together
    for minute in range(24 * 60):
        for _ in range(10):
            assert budgets.charge(1, page, now=minute * 60.0).allowed
    assert cost(CONSOLE, {"first": 50}) <= defaults.max_query_cost


def test_a_budget_refills_at_its_rate() -> None:
    budgets = Budgets(100, 10.0)
    assert budgets.charge(7, 60, now=0).remaining == 40
    refused = budgets.charge(7, 60, now=1)  # 40 + 10 = 50 < 60
    assert not refused.allowed
    assert refused.remaining == 50
    assert refused.retry_after_seconds == 1.0
    assert budgets.charge(7, 60, now=2).allowed  # 50 + 10 = 60: charged nothing when refused
    assert budgets.charge(8, 100, now=2).allowed  # another key has its own bucket
    assert budgets.charge(7, 1, now=1000).remaining == 99  # never above the limit


@pytest.fixture
async def key(clean: None) -> str:
    return (await create_key("limited", frozenset({Scope.ADMIN}), None)).secret


def _headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_every_answer_reports_its_cost(api: Api) -> None:
    response = await api.post(WORKSPACES)
    assert response["extensions"]["cost"]["requested"] == 31
    assert response["extensions"]["cost"]["limit"] > 0


async def test_over_budget_is_rate_limited_and_runs_nothing(served: Served, key: str) -> None:
    mutation = 'mutation { upsertPlan(input: {code: "rl", name: "RL", grants: []}) { code } }'
    async with served(rate_limit_points=25, rate_limit_restore_per_second=0.5) as client:
        first = await client.post("/graphql", json={"query": mutation}, headers=_headers(key))
        assert first.status_code == 200 and first.json()["extensions"]["cost"]["remaining"] == 14
        await client.post("/graphql", json={"query": mutation}, headers=_headers(key))
        renamed = mutation.replace('"RL"', '"changed"')
        refused = await client.post("/graphql", json={"query": renamed}, headers=_headers(key))
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 10
        [error] = refused.json()["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert error["extensions"]["retryAfterSeconds"] >= 9
        assert "data" not in refused.json()
        # it ran nothing: the plan keeps its name
        plans = await client.post(
            "/graphql", json={"query": "{ viewer { name } }"}, headers=_headers(key)
        )
        assert plans.json()["data"] == {"viewer": {"name": "limited"}}
        other = (await create_key("other", frozenset({Scope.ADMIN}), None)).secret
        answer = await client.post("/graphql", json={"query": renamed}, headers=_headers(other))
        assert answer.json()["data"] == {"upsertPlan": {"code": "rl"}}


async def test_a_query_above_the_cost_ceiling_is_refused(served: Served, key: str) -> None:
    async with served(max_query_cost=30) as client:
        answer = await client.post("/graphql", json={"query": WORKSPACES}, headers=_headers(key))
        assert answer.status_code == 400
        [error] = answer.json()["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["cost"] == {"requested": 31, "maxQueryCost": 30}


@pytest.mark.parametrize(
    ("changes", "query", "needle"),
    [
        ({"max_query_depth": 3}, WORKSPACES, "exceeds maximum operation depth"),
        (
            {"max_aliases": 2},
            "{ a: viewer { name } b: viewer { name } c: viewer { name } }",
            "aliases",
        ),
        ({"max_tokens": 20}, WORKSPACES, "more than 20 tokens"),
    ],
)
async def test_document_limits(
    served: Served, key: str, changes: dict[str, int], query: str, needle: str
) -> None:
    async with served(**changes) as client:
        answer = await client.post("/graphql", json={"query": query}, headers=_headers(key))
        assert answer.status_code == 400
        [error] = answer.json()["errors"]
        assert needle in error["message"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
    async with served() as client:  # the defaults let the same document through
        answer = await client.post("/graphql", json={"query": query}, headers=_headers(key))
        assert answer.status_code == 200 and "errors" not in answer.json()


async def test_the_pages_queries_are_within_the_default_limits(api: Api) -> None:
    ws = await world.workspace(api)
    body = await api.post(DASHBOARD, {"id": ws})
    assert "errors" not in body
    assert "errors" not in await api.post(CONSOLE, {"first": 50})


async def test_a_body_over_the_limit_is_413(served: Served, key: str) -> None:
    big = json.dumps({"query": "{ viewer { name } }", "variables": {"pad": "x" * 2000}})
    async with served(max_body_bytes=1000) as client:
        declared = await client.post(
            "/graphql", content=big, headers={**_headers(key), "Content-Type": "application/json"}
        )
        assert declared.status_code == 413
        assert declared.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it streams
            for start in range(0, len(big), 500):
                yield big[start : start + 500].encode()

        streamed = await client.post(
            "/graphql",
            content=chunks(),
            headers={**_headers(key), "Content-Type": "application/json"},
        )
        assert streamed.status_code == 413


async def test_a_key_longer_than_any_key_is_unauthenticated(api: Api) -> None:
    error = await api.as_key("br_" + "x" * 500).error("{ viewer { name } }")
    assert error["extensions"]["code"] == "UNAUTHENTICATED"

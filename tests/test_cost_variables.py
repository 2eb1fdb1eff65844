"""The cost can't be dodged (issue 11, item 4): a page size is costed at the value the field
will run with, by graphql-core's rules for arguments and variables."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from schema.root import schema
from server.cost import query_cost
from tests import world
from tests.api import Api

#: The issue's document: every page size an omitted nullable variable. It was costed 11
#: points and ran with the fields' defaults (20 workspaces × 50 assistants × 20
#: conversations): 83,061 points.
ATTACK = """
query($w: Int, $a: Int, $c: Int) {
  workspaces(first: $w) { edges { node {
    assistants(first: $a) { edges { node {
      conversations(first: $c) { edges { node { contact { externalId } assistant { name } } } }
    } } }
  } } }
}"""
AT_DEFAULTS = 1 + 20 * (2 + 1 + 50 * (2 + 1 + 20 * 4))


def cost(document: str, variables: dict[str, Any] | None = None) -> int:
    parsed = parse(document)
    operation = next(d for d in parsed.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return query_cost(schema._schema, operation, fragments, variables or {})


def page(declared: str, argument: str = "$n") -> str:
    """`workspaces` (first: Int! = 20) with one name each: 1 + first × 2."""
    return (
        f"query({declared}) {{ workspaces(first: {argument}) {{ edges {{ node {{ name }} }} }} }}"
    )


@pytest.mark.parametrize(
    ("document", "variables", "runs_with"),
    [
        (page("$n: Int"), {}, 20),  # omitted: the argument's default
        (page("$n: Int"), {"n": 5}, 5),
        (page("$n: Int = 3"), {}, 3),  # omitted: the operation's default
        (page("$n: Int = 3"), {"n": 5}, 5),
        (page("$n: Int!"), {"n": 4}, 4),
        (page("$n: Int"), {"n": 5.0}, 5),  # Int coerces an integral float
        (page("$n: Int", "7"), {}, 7),  # a literal
        # these fail before the field runs: explicit null for a non-null argument, a value
        # that does not coerce. They cost no less than what could run.
        (page("$n: Int = 3"), {"n": None}, 1),
        (page("$n: Int"), {"n": "7"}, 20),
        (page("$n: Int"), {"n": 10**12}, 20),
        (page("$n: Int"), {"n": True}, 20),
        (page("$n: Int"), {"n": [5]}, 20),
        (page("$n: Int"), {"n": {"a": 1}}, 20),
    ],
)
def test_a_page_is_costed_at_the_size_it_runs_with(
    document: str, variables: dict[str, Any], runs_with: int
) -> None:
    assert cost(document, variables) == 1 + runs_with * 2


def test_the_issues_document_costs_what_it_runs() -> None:
    assert cost(ATTACK) == AT_DEFAULTS == 83_061
    assert cost(ATTACK, {"w": 1, "a": 1, "c": 1}) == 11
    inline = ATTACK.replace("$w", "1").replace("$a", "1").replace("$c", "1")
    assert cost(inline.replace("query(1: Int, 1: Int, 1: Int)", "query")) == 11


RECORD = "mutation($i: RecordUsageInput!) { recordUsage(input: $i) { accepted } }"


@pytest.mark.parametrize(
    ("document", "variables", "events"),
    [
        (RECORD, {"i": {"workspaceId": "w", "events": [{}] * 250}}, 250),
        (RECORD, {"i": {"workspaceId": "w", "events": {}}}, 1),  # coerced as a list of one
        (RECORD, {"i": [1, 2]}, 0),  # does not coerce: nothing runs
        (RECORD, {"i": "x"}, 0),
        (RECORD, {}, 0),
        (
            'mutation { recordUsage(input: {workspaceId: "w", events: [{}, {}, {}]}) '
            "{ accepted } }",
            {},
            3,
        ),
        (
            "mutation($e: [UsageEventInput!]!) { recordUsage(input: "
            '{workspaceId: "w", events: $e}) { accepted } }',
            {"e": [{}] * 101},
            101,
        ),
    ],
)
def test_record_usage_is_costed_by_the_events_it_is_sent(
    document: str, variables: dict[str, Any], events: int
) -> None:
    assert cost(document, variables) == 10 + 1 + -(-events // 100)


async def test_omitted_page_sizes_cannot_dodge_the_ceiling(api: Api) -> None:
    await world.workspace(api)
    refused = await api.http.post(
        "/graphql", json={"query": ATTACK}, headers={"Authorization": f"Bearer {api.key}"}
    )
    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["cost"] == {"requested": AT_DEFAULTS, "maxQueryCost": 2000}
    # the same document with small pages runs, and is charged what it costs
    body = await api.post(ATTACK, {"w": 1, "a": 1, "c": 1})
    assert "errors" not in body
    assert body["extensions"]["cost"]["requested"] == 11


@pytest.mark.parametrize(
    ("variables", "needle"),
    [
        ({"w": 1, "a": 1, "c": None}, "must not be null"),
        ({"w": 1, "a": 1, "c": "20"}, "Int cannot represent"),
        ({"w": 1, "a": 1, "c": 10**12}, "Int cannot represent"),
        ({"w": 1, "a": 1, "c": [20]}, "Int cannot represent"),
    ],
)
async def test_page_sizes_that_cannot_run_are_bad_input(
    api: Api, variables: dict[str, Any], needle: str
) -> None:
    ws = await world.workspace(api)
    await world.assistant(api, ws)
    errors = await api.errors(ATTACK, variables)
    assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}
    assert any(needle in e["message"] for e in errors), errors


@pytest.mark.parametrize("value", [[1, 2], "x", 7, None])
async def test_a_batch_that_is_no_object_is_bad_input(api: Api, value: Any) -> None:
    errors = await api.errors(RECORD, {"i": value})
    assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}

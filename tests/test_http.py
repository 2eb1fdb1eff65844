"""GraphQL over HTTP: media types, status codes, methods and malformed requests."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests import world
from tests.api import Api
from tests.conftest import Served

GRAPHQL_RESPONSE = "application/graphql-response+json; charset=utf-8"
JSON = "application/json; charset=utf-8"


def _auth(api: Api, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.key}", **headers}


async def _post(api: Api, body: Any, **headers: str) -> httpx.Response:
    return await api.http.post("/graphql", content=json.dumps(body), headers={
        "Content-Type": "application/json", **_auth(api, **headers)})  # fmt: skip


def _codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json()["errors"]]


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, GRAPHQL_RESPONSE),  # no Accept: the spec's default since 2025
        ("*/*", GRAPHQL_RESPONSE),
        ("application/*", GRAPHQL_RESPONSE),
        ("application/graphql-response+json", GRAPHQL_RESPONSE),
        ("application/json", JSON),
        ("application/json, application/graphql-response+json", JSON),
        ("application/json;q=0.5, application/graphql-response+json", GRAPHQL_RESPONSE),
        ("text/html, application/json;q=0.9", JSON),
    ],
)
async def test_the_media_type_follows_accept(api: Api, accept: str | None, media: str) -> None:
    headers = _auth(api) if accept is None else _auth(api, Accept=accept)
    request = api.http.build_request(
        "POST", "/graphql", json={"query": "{ viewer { name } }"}, headers=headers
    )
    if accept is None:
        del request.headers["accept"]
    response = await api.http.send(request)
    assert response.status_code == 200
    assert response.headers["content-type"] == media
    assert response.json()["data"] == {"viewer": {"name": "test admin"}}


async def test_an_unacceptable_accept_is_406(api: Api) -> None:
    response = await _post(api, {"query": "{ viewer { name } }"}, Accept="text/csv")
    assert response.status_code == 406
    assert response.headers["content-type"] == JSON
    assert _codes(response) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    "query",
    [
        "{ viewer { name ",  # syntax
        "{ viewer { password } }",  # validation
        "query($n: Int!) { viewer { name } }",  # a required variable is missing
    ],
)
async def test_request_errors_are_400_without_data_in_graphql_response_json(
    api: Api, query: str
) -> None:
    strict = await _post(api, {"query": query}, Accept="application/graphql-response+json")
    assert strict.status_code == 400
    assert "data" not in strict.json()
    assert _codes(strict) == ["BAD_USER_INPUT"]
    legacy = await _post(api, {"query": query}, Accept="application/json")
    assert legacy.status_code == 200  # application/json: 200 for every well-formed request
    assert "data" not in legacy.json()
    assert _codes(legacy) == ["BAD_USER_INPUT"]


async def test_a_field_error_after_execution_started_is_200_with_data(api: Api) -> None:
    query = '{ workspace(id: "V29ya3NwYWNlOjk5OTk=") { name } }'
    response = await _post(api, {"query": query}, Accept="application/graphql-response+json")
    assert response.status_code == 200
    assert response.json()["data"] == {"workspace": None}
    assert _codes(response) == ["NOT_FOUND"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('"a string"', "JSON object"),
        ("{}", "no query"),
        ('{"query": 5}', "no query"),
        ('{"query": "{ viewer { name } }", "variables": [1]}', "variables"),
        ('{"query": "{ viewer { name } }", "operationName": 3}', "operationName"),
        ('{"query": "{ viewer { name } }", "extensions": "x"}', "extensions"),
    ],
)
async def test_malformed_requests_are_400(api: Api, body: str, message: str) -> None:
    for accept in ("application/json", "application/graphql-response+json"):
        response = await api.http.post(
            "/graphql",
            content=body,
            headers=_auth(api, Accept=accept, **{"Content-Type": "application/json"}),
        )
        assert response.status_code == 400, (accept, body)
        assert message in response.json()["errors"][0]["message"]
        assert _codes(response) == ["BAD_USER_INPUT"]


async def test_a_body_that_is_not_json_is_415(api: Api) -> None:
    response = await api.http.post(
        "/graphql",
        content="{ viewer { name } }",
        headers=_auth(api, **{"Content-Type": "text/plain"}),
    )
    assert response.status_code == 415
    assert _codes(response) == ["BAD_USER_INPUT"]


async def test_queries_run_by_get(api: Api) -> None:
    ws = await world.workspace(api)
    response = await api.http.get(
        "/graphql",
        params={
            "query": "query Q($id: ID!) { workspace(id: $id) { name } }",
            "variables": json.dumps({"id": ws}),
            "operationName": "Q",
        },
        headers=_auth(api),
    )
    assert response.status_code == 200
    assert response.json()["data"]["workspace"]["name"]


async def test_mutations_by_get_are_405(api: Api) -> None:
    query = 'mutation { upsertPlan(input: {code: "g", name: "G", grants: []}) { code } }'
    response = await api.http.get("/graphql", params={"query": query}, headers=_auth(api))
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert _codes(response) == ["BAD_USER_INPUT"]
    # nothing was written
    plans = await api.ok("{ viewer { name } }")
    assert plans == {"viewer": {"name": "test admin"}}


async def test_get_with_bad_variables_is_400(api: Api) -> None:
    response = await api.http.get(
        "/graphql",
        params={"query": "{ viewer { name } }", "variables": "{nope"},
        headers=_auth(api),
    )
    assert response.status_code == 400


async def test_other_methods_are_405(api: Api) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        response = await api.http.request(method, "/graphql", headers=_auth(api))
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, POST"


async def test_operation_name_picks_one_operation(api: Api) -> None:
    document = "query A { viewer { name } } query B { viewer { scopes } }"
    picked = await _post(api, {"query": document, "operationName": "B"})
    assert picked.json()["data"] == {"viewer": {"scopes": ["ADMIN"]}}
    missing = await _post(api, {"query": document})
    assert missing.status_code == 400
    assert "operationName" in missing.json()["errors"][0]["message"]
    unknown = await _post(api, {"query": document, "operationName": "C"})
    assert unknown.status_code == 400


async def test_graphiql_and_introspection_follow_their_settings(
    served: Served, admin_key: str
) -> None:
    introspect = {"query": "{ __schema { queryType { name } } }"}
    keyed = {"Authorization": f"Bearer {admin_key}"}
    async with served() as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        answer = await client.post("/graphql", json=introspect, headers=keyed)
        assert answer.json()["data"] == {"__schema": {"queryType": {"name": "Query"}}}
        assert (await client.post("/graphql", json=introspect)).status_code == 401
    async with served(graphiql=False, introspection=False) as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 406 and "text/html" not in page.headers["content-type"]
        answer = await client.post("/graphql", json=introspect, headers=keyed)
        assert answer.status_code == 400
        assert "introspection" in answer.json()["errors"][0]["message"].lower()
        assert set(_codes(answer)) == {"BAD_USER_INPUT"}
        typename = await client.post("/graphql", json={"query": "{ __typename }"}, headers=keyed)
        assert typename.json()["data"] == {"__typename": "Query"}


async def test_cors_origins_are_a_setting(served: Served) -> None:
    preflight = {
        "Origin": "https://console.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    async with served() as client:
        answer = await client.options("/graphql", headers=preflight)
        assert "access-control-allow-origin" not in answer.headers
    async with served(cors_origins=("https://console.example",)) as client:
        answer = await client.options("/graphql", headers=preflight)
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == "https://console.example"
        other = await client.options(
            "/graphql", headers={**preflight, "Origin": "https://x.example"}
        )
        assert other.headers.get("access-control-allow-origin") != "https://x.example"


async def test_request_ids_are_echoed_or_made(api: Api) -> None:
    given = await _post(api, {"query": "{ viewer { name } }"}, **{"X-Request-ID": "abc-1"})
    assert given.headers["x-request-id"] == "abc-1"
    made = await _post(api, {"query": "{ viewer { name } }"}, **{"X-Request-ID": "bad id!\n"})
    assert made.headers["x-request-id"] != "bad id!\n" and len(made.headers["x-request-id"]) == 32

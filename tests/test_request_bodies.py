"""Malformed request bodies (issue 11, item 6): every one gets a coded 4xx, never a 500, with
or without a key; without a key the body is not even decoded (401)."""

from __future__ import annotations

import json
import sys

import httpx
import pytest

from tests.api import Api

LIMIT = sys.getrecursionlimit()
DEPTHS = [100, 500, LIMIT - 100, LIMIT - 10, LIMIT, LIMIT + 10, 5 * LIMIT, 100_000]


def _arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


def _objects(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def _bodies(depth: int) -> dict[str, str]:
    query = '"{ viewer { name } }"'
    declared = '"query($v: ID!) { node(id: $v) { id } }"'
    return {
        "unused variable, arrays": f'{{"query": {query}, "variables": {{"x": {_arrays(depth)}}}}}',
        "declared variable": f'{{"query": {declared}, "variables": {{"v": {_arrays(depth)}}}}}',
        "variables, objects": f'{{"query": {query}, "variables": {{"x": {_objects(depth)}}}}}',
        "extensions": f'{{"query": {query}, "extensions": {{"x": {_objects(depth)}}}}}',
        "query": f'{{"query": {_arrays(depth)}}}',
        "the body": _arrays(depth),
    }


CASES = [(depth, where) for depth in DEPTHS for where in _bodies(depth)]


async def _post(http: httpx.AsyncClient, body: str, key: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return await http.post("/graphql", content=body, headers=headers)


def _codes(response: httpx.Response) -> set[str]:
    return {e["extensions"]["code"] for e in response.json()["errors"]}


@pytest.mark.parametrize(("depth", "where"), CASES)
async def test_deeply_nested_json_is_never_a_500(api: Api, depth: int, where: str) -> None:
    body = _bodies(depth)[where]
    anonymous = await _post(api.http, body, None)
    assert anonymous.status_code == 401
    assert _codes(anonymous) == {"UNAUTHENTICATED"}
    keyed = await _post(api.http, body, api.key)
    assert keyed.status_code in (200, 400), keyed.text[:300]
    assert "INTERNAL_SERVER_ERROR" not in keyed.text
    if keyed.status_code == 400:
        assert _codes(keyed) == {"BAD_USER_INPUT"}
    if depth >= LIMIT:  # deeper than the interpreter can decode
        assert keyed.status_code == 400
        message = keyed.json()["errors"][0]["message"]
        assert "nested too deeply" in message or "JSON values" in message


async def test_deeply_nested_variables_by_get_are_bad_input(api: Api) -> None:
    response = await api.http.get(
        "/graphql",
        params={"query": "{ viewer { name } }", "variables": '{"x": ' + _arrays(LIMIT) + "}"},
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert response.status_code == 400
    assert _codes(response) == {"BAD_USER_INPUT"}


QUERY = '"query": "{ viewer { name } }"'


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("{" + QUERY + ', "variables": {"x": NaN}}', "NaN"),
        ("{" + QUERY + ', "variables": {"x": -Infinity}}', "Infinity"),
        ("{" + QUERY + ', "variables": {"x": ' + "9" * 5000 + "}}", "longer than"),
        ("{" + QUERY + ', "variables": {"x": 1.' + "5" * 60 + "e-300}}", "longer than"),
        ("{" + QUERY + ', "variables": {"x": [' + "0," * 70_000 + "0]}}", "JSON values"),
        ("{" + QUERY + ', "variables": {"x": [' + "4.9e-324," * 1_000 + "1.0]}}", "fraction"),
        ("\ufeff{" + QUERY + "}", "not valid JSON"),
        ("", "not valid JSON"),
        ("{" + QUERY + ', "variables": {"x": 1}', "not valid JSON"),
    ],
)
async def test_malformed_bodies_are_coded_400(api: Api, body: str, needle: str) -> None:
    anonymous = await _post(api.http, body, None)
    assert anonymous.status_code == 401
    keyed = await _post(api.http, body, api.key)
    assert keyed.status_code == 400, keyed.text[:300]
    assert _codes(keyed) == {"BAD_USER_INPUT"}
    assert needle in keyed.json()["errors"][0]["message"]


async def test_bytes_that_are_not_utf8_are_bad_input(api: Api) -> None:
    body = b'{"query": "{ viewer { name \xff\xfe } }"}'
    response = await api.http.post(
        "/graphql",
        content=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {api.key}"},
    )
    assert response.status_code == 400
    assert _codes(response) == {"BAD_USER_INPUT"}


async def test_a_normal_body_still_decodes(api: Api) -> None:
    extensions = {"n": 12345, "f": -1.5e3, "list": [1, 2, [3]], "s": "a,b:[c]{d}"}
    body = json.dumps({"query": "{ viewer { name } }", "variables": {}, "extensions": extensions})
    response = await _post(api.http, body, api.key)
    assert response.json()["data"] == {"viewer": {"name": "test admin"}}, response.text

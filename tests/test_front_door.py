"""The front door (issue 11, item 2): a request without a valid key is refused from its
headers alone (no body read, no parse, no database for a missing or malformed key)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.gate import Refusal, authenticated
from tests import world
from tests.api import Api
from tests.conftest import StatementLog

T0 = world.iso(datetime.now(UTC).replace(microsecond=0) - timedelta(days=1))
UNKNOWN_KEY = "br_" + "A" * 43  # shaped like a key, stored nowhere
NO_VALID_KEY = [
    None,
    "",
    "Bearer",
    "Basic dXNlcjpwYXNz",
    "Bearer br_not-a-real-key",
    "Bearer br_" + "x" * 500,
    f"Bearer {UNKNOWN_KEY}",
]
#: The issue's anonymous attacks: 59,000 selections (3.4 s of one worker's loop), a 3.9 MB
#: string literal (1.5 s), a body nested 1,000 deep (HTTP 500), and a body that is no JSON.
ATTACKS = {
    "59,000 selections": json.dumps({"query": "{" + " __typename" * 59_000 + " }"}),
    "3.9 MB string": json.dumps({"query": '{ viewer(x: "' + "a" * 3_900_000 + '") { name } }'}),
    "deep JSON": '{"query": "{ viewer { name } }", "variables": {"v": '
    + "[" * 1000
    + "]" * 1000
    + "}}",
    "not JSON": "{ viewer { name } }",
}


def _chunks(body: str, read: list[int]) -> AsyncIterator[bytes]:
    async def stream() -> AsyncIterator[bytes]:
        data = body.encode()
        for start in range(0, len(data), 65_536):
            read.append(start)
            yield data[start : start + 65_536]

    return stream()


def _error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    return dict(error)


@pytest.mark.parametrize("header", NO_VALID_KEY)
@pytest.mark.parametrize("attack", ATTACKS)
async def test_without_a_valid_key_nothing_of_the_body_is_read(
    http: httpx.AsyncClient, header: str | None, attack: str
) -> None:
    read: list[int] = []
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Authorization"] = header
    response = await http.post("/graphql", content=_chunks(ATTACKS[attack], read), headers=headers)
    assert response.status_code == 401
    assert read == []  # refused from the headers: not one chunk of the body was read
    assert response.headers["www-authenticate"].startswith('Bearer realm="burnrate"')
    invalid = header is not None and header.startswith("Bearer ") and header != "Bearer"
    assert ('error="invalid_token"' in response.headers["www-authenticate"]) == invalid
    error = _error(response)
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert "Authorization: Bearer" in error["message"]


@pytest.mark.parametrize(
    ("header", "lookups"),
    [(None, 0), ("Basic dXNlcjpwYXNz", 0), ("Bearer br_not-a-real-key", 0),
     ("Bearer " + "x" * 500, 0), (f"Bearer {UNKNOWN_KEY}", 1)],
)  # fmt: skip
async def test_only_a_well_formed_key_costs_a_database_lookup(
    http: httpx.AsyncClient, statements: StatementLog, header: str | None, lookups: int
) -> None:
    headers = {} if header is None else {"Authorization": header}
    statements.clear()
    response = await http.post("/graphql", json={"query": "{ viewer { name } }"}, headers=headers)
    assert response.status_code == 401
    assert len(statements) == lookups


async def test_get_without_a_key_is_401_too(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": "{ viewer { name } }"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="burnrate"'
    assert _error(response)["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_gate_is_the_same_for_any_endpoint(api: Api) -> None:
    """How a later endpoint (CSV export, websocket) authenticates: `authenticated(request)`
    first, `Refusal.body()` with its status and headers."""

    async def whoami(request: Request) -> Response:
        try:
            principal = await authenticated(request)
        except Refusal as refused:
            return JSONResponse(refused.body(), refused.status, refused.headers)
        return JSONResponse({"name": principal.name})

    app = Starlette(routes=[Route("/whoami", whoami)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://burnrate.test") as client:
        refused = await client.get("/whoami")
        assert refused.status_code == 401 and "www-authenticate" in refused.headers
        assert _error(refused)["extensions"]["code"] == "UNAUTHENTICATED"
        allowed = await client.get("/whoami", headers={"Authorization": f"Bearer {api.key}"})
        assert allowed.json() == {"name": "test admin"}

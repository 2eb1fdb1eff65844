"""The ASGI app: health endpoints, request errors, and what unexpected failures look like."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests import world
from tests.api import Api


async def test_healthz_and_readyz(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "reachable"}


async def test_syntax_and_unknown_fields_are_bad_user_input(api: Api) -> None:
    for query in ("{ viewer { name ", "{ viewer { password } }", "mutation { nothing }"):
        error = await api.error(query)
        assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_wrong_variable_types_are_bad_user_input(api: Api) -> None:
    ws = await world.workspace(api)
    error = await api.error(
        world.UPDATE_WORKSPACE, {"input": {"id": ws, "billingAnchorDay": "first"}}
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "billingAnchorDay" in error["message"]


async def test_an_unexpected_failure_in_a_resolver_is_masked_and_logged(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("secret internals: SELECT * FROM workspace")

    monkeypatch.setattr("resolvers.workspace.workspaces_page", broken)
    api.headers["X-Request-Id"] = "req-123"
    with caplog.at_level(logging.ERROR, logger="burnrate.errors"):
        response = await api.http.post(
            "/graphql",
            json={"query": "{ workspaces(first: 5) { totalCount } }"},
            headers={"Authorization": f"Bearer {api.key}", "X-Request-Id": "req-123"},
        )
    assert response.status_code == 200  # it executed: data is null, the error is masked
    assert response.headers["x-request-id"] == "req-123"
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-123"}
    assert "secret internals" not in response.text and "SELECT" not in response.text
    assert "req-123" in caplog.text and "secret internals" in caplog.text


async def test_an_unexpected_failure_before_execution_is_masked_and_logged(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(secret: str) -> str:
        raise RuntimeError("secret internals: SELECT * FROM api_key")

    monkeypatch.setattr("server.auth.hash_secret", broken)
    with caplog.at_level(logging.ERROR, logger="burnrate.http"):
        response = await api.http.post(
            "/graphql",
            json={"query": "{ viewer { name } }"},
            headers={"Authorization": f"Bearer {api.key}", "X-Request-Id": "req-456"},
        )
    assert response.status_code == 500
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-456"}
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert "req-456" in caplog.text and "secret internals" in caplog.text


async def test_a_lost_database_is_service_unavailable(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(secret: str) -> str:
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr("server.auth.hash_secret", unreachable)
    response = await api.http.post(
        "/graphql",
        json={"query": "{ viewer { name } }"},
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert error["extensions"]["retryable"] is True

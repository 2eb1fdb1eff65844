"""What the server logs for each kind of error, through the real app: an expected error is
one INFO line without a traceback, a masked one is logged once with its traceback, a lost
database one WARNING line. Under abuse (a flood of bad requests) the log stays readable."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

import httpx
import pytest

from models.rules.enums import Scope
from resolvers.ids import to_global_id
from server.app import create_app
from server.observe import JsonFormatter
from tests import world
from tests.api import Api
from tests.conftest import TEST_SETTINGS

VIEWER = "{ viewer { name } }"
WORKSPACE = "query($id: ID!) { workspace(id: $id) { name } }"


async def _unauthenticated(api: Api) -> str:
    return await api.as_key(None).code(VIEWER)


async def _forbidden(api: Api) -> str:
    ws = await world.workspace(api)
    reader = await api.workspace_key(ws, Scope.USAGE_READ)
    return await reader.code(world.UPDATE_WORKSPACE, {"input": {"id": ws, "name": "x"}})


async def _not_found(api: Api) -> str:
    return await api.code(WORKSPACE, {"id": to_global_id("Workspace", 987654)})


async def _bad_input_in_a_resolver(api: Api) -> str:
    ws = await world.workspace(api)
    return await api.code(world.UPDATE_WORKSPACE, {"input": {"id": ws, "timezone": "Mars/Base"}})


async def _bad_variables(api: Api) -> str:
    return await api.code(WORKSPACE, {"id": {"not": "an id"}})


async def _bad_document(api: Api) -> str:
    return await api.code("{ viewer { nope } }")


async def _rate_limited(api: Api) -> str:
    app = create_app(
        replace(TEST_SETTINGS, rate_limit_points=1, rate_limit_restore_per_second=0),
        manage_database=False,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://burnrate.test") as c:
        headers = {"Authorization": f"Bearer {api.key}"}
        assert (await c.post("/graphql", json={"query": VIEWER}, headers=headers)).is_success
        refused = await c.post("/graphql", json={"query": VIEWER}, headers=headers)
    assert refused.status_code == 429
    return str(refused.json()["errors"][0]["extensions"]["code"])


CASES: dict[str, Callable[[Api], Awaitable[str]]] = {
    "UNAUTHENTICATED": _unauthenticated,
    "FORBIDDEN": _forbidden,
    "NOT_FOUND": _not_found,
    "BAD_USER_INPUT (resolver)": _bad_input_in_a_resolver,
    "BAD_USER_INPUT (variables)": _bad_variables,
    "BAD_USER_INPUT (document)": _bad_document,
    "RATE_LIMITED": _rate_limited,
}


@pytest.mark.parametrize("case", list(CASES))
async def test_an_expected_error_is_one_info_line_without_traceback(
    api: Api, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        caplog.clear()
        code = await CASES[case](api)
    assert code == case.split()[0]
    records = [r for r in caplog.records if not r.name.startswith(("tortoise", "aiosqlite"))]
    assert not [r for r in records if r.levelno >= logging.WARNING], _show(records)
    assert not [r for r in records if r.exc_info], _show(records)
    mentioning = [r for r in records if code in _line(r)]
    assert mentioning and all(r.levelno == logging.INFO for r in mentioning), _show(records)
    assert all("\n" not in _line(r) for r in records), _show(records)


async def test_a_masked_error_is_logged_once_with_its_traceback(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("resolvers.workspace.workspaces_page", broken)
    with caplog.at_level(logging.DEBUG):
        caplog.clear()
        error = await api.error("{ workspaces(first: 5) { totalCount } }")
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    with_traceback = [r for r in caplog.records if r.exc_info]
    assert len(with_traceback) == 1, _show(caplog.records)
    [record] = with_traceback
    assert record.levelno == logging.ERROR and record.name == "burnrate.errors"
    assert error["extensions"]["requestId"] in record.getMessage()
    assert "secret internals" in caplog.text


async def test_a_lost_database_is_one_warning_line(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def unreachable(*_: object, **__: object) -> None:
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr("resolvers.workspace.workspaces_page", unreachable)
    with caplog.at_level(logging.DEBUG):
        caplog.clear()
        error = await api.error("{ workspaces(first: 5) { totalCount } }")
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert not [r for r in caplog.records if r.exc_info], _show(caplog.records)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "database unreachable" in warnings[0].getMessage()


async def test_a_hostile_path_or_method_cannot_forge_log_lines(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="burnrate.access"):
        await http.get("/graphql%0a%7B%22level%22%3A%22error%22%7D")
        await http.request("X" * 5000, "/healthz")
    access = [r for r in caplog.records if r.name == "burnrate.access"]
    assert len(access) == 2
    for record in access:
        message = record.getMessage()
        assert "\n" not in message and len(message) < 400
        assert "\n" not in logging.Formatter("%(message)s").format(record)
        assert "\n" not in JsonFormatter().format(record)


def _line(record: logging.LogRecord) -> str:
    return f"{record.getMessage()} {getattr(record, 'codes', '')}"


def _show(records: list[logging.LogRecord]) -> str:
    return "\n".join(f"{r.levelname} {r.name}: {r.getMessage()[:200]}" for r in records)

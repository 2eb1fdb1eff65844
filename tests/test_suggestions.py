"""With introspection off, no error suggests names (issue 11, item 9): "Did you mean …"
would show the schema that introspection hides. Validation (fields, arguments, types, enum
values and input fields written inline) and execution (enum values and input fields in
variables) both make suggestions; with introspection on, they still do."""

from __future__ import annotations

from typing import Any

import pytest

from tests import world
from tests.api import Api
from tests.conftest import Served

USAGE = "query($id: ID!{declared}) {{ workspace(id: $id) {{ usage{arguments} {{ {select} }} }} }}"
TOP = "topAssistants(by: {by}) {{ messages }}"


def _usage(select: str, arguments: str = "", declared: str = "") -> str:
    return USAGE.format(declared=declared, arguments=arguments, select=select)


#: A misspelt name in each place graphql-core suggests one, and the variables it needs
#: (`@ID@` stands for a workspace's id).
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "field": ("{ viewer { nme } }", {}),
    "argument": ("{ workspaces(frist: 1) { totalCount } }", {}),
    "type": ("query($r: DateRangeInpt) { viewer { name } }", {}),
    "type condition": ("{ node(id: 1) { ... on Workspce { name } } }", {}),
    "enum literal": (_usage(TOP.format(by="CONVERSATION")), {"id": "@ID@"}),
    "input field literal": (
        _usage("hasData", arguments='(range: {strat: "2026-11-01", end: "2026-11-02"})'),
        {"id": "@ID@"},
    ),
    "enum variable": (
        _usage(TOP.format(by="$by"), declared=", $by: VolumeMetric!"),
        {"id": "@ID@", "by": "CONVERSATION"},
    ),
    "input field variable": (
        _usage("hasData", arguments="(range: $r)", declared=", $r: DateRangeInput"),
        {"id": "@ID@", "r": {"strat": "2026-11-01", "end": "2026-11-02"}},
    ),
}


async def _errors(
    served: Served, admin_key: str, introspection: bool, case: str
) -> list[dict[str, Any]]:
    document, variables = CASES[case]
    async with served(introspection=introspection) as client:
        api = Api(client, admin_key)
        ws = await world.workspace(api, f"Suggestions {introspection}")
        given = {k: ws if v == "@ID@" else v for k, v in variables.items()}
        return await api.errors(document, given)


@pytest.mark.parametrize("case", CASES)
async def test_no_suggestions_without_introspection(
    served: Served, admin_key: str, case: str
) -> None:
    errors = await _errors(served, admin_key, False, case)
    assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}
    assert not [e["message"] for e in errors if "Did you mean" in e["message"]]


@pytest.mark.parametrize("case", CASES)
async def test_suggestions_with_introspection(served: Served, admin_key: str, case: str) -> None:
    errors = await _errors(served, admin_key, True, case)
    assert any("Did you mean" in e["message"] for e in errors), errors

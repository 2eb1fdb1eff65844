"""The layer rule, read from the imports (docs/decisions.md, "Layers"): a request flows
down server → schema → resolvers → loaders → models → models.rules and never back up."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("server", "schema", "resolvers", "loaders", "models", "migrations")
#: The only resolvers that know a principal; every other resolver module is the usage core.
ACCESS_MODULES = {"resolvers.access", "resolvers.context"}
#: Calls that send SQL: none of them may appear in schema/.
QUERY_CALLS = {"filter", "using_db", "execute_query", "execute_query_dict", "bulk_create",
               "create", "raw", "select_for_update", "get_or_create"}  # fmt: skip


def modules(package: str) -> list[tuple[str, Path]]:
    found = []
    for path in sorted((ROOT / package.replace(".", "/")).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append((name, path))
    return found


def imports(path: Path) -> set[str]:
    """Every module a file imports (also inside functions and TYPE_CHECKING blocks)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def project_imports(path: Path) -> set[str]:
    return {n for n in imports(path) if n.split(".")[0] in PROJECT}


def under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in packages)


@pytest.mark.parametrize(("name", "path"), modules("models.rules"), ids=lambda v: str(v))
def test_the_rules_import_nothing_of_the_project(name: str, path: Path) -> None:
    outside = {n for n in project_imports(path) if not under(n, "models.rules")}
    assert not outside, f"{name} imports {outside}"


@pytest.mark.parametrize(("name", "path"), modules("models"), ids=lambda v: str(v))
def test_models_import_no_layer_above(name: str, path: Path) -> None:
    above = {
        n for n in project_imports(path) if under(n, "resolvers", "loaders", "schema", "server")
    }
    assert not above, f"{name} imports {above}"


@pytest.mark.parametrize(("name", "path"), modules("loaders"), ids=lambda v: str(v))
def test_loaders_import_no_layer_above(name: str, path: Path) -> None:
    above = {n for n in project_imports(path) if under(n, "resolvers", "schema", "server")}
    assert not above, f"{name} imports {above}"


@pytest.mark.parametrize(("name", "path"), modules("resolvers"), ids=lambda v: str(v))
def test_the_core_knows_no_graphql_and_no_principal(name: str, path: Path) -> None:
    found = imports(path)
    assert not {n for n in found if under(n, "schema", "strawberry", "graphql")}, name
    assert not {n for n in found if under(n, "server") and n != "server.settings.Settings"
                and n != "server.settings"}, name  # fmt: skip
    if name not in ACCESS_MODULES:
        assert not {n for n in found if under(n, *ACCESS_MODULES)}, f"{name} knows principals"


@pytest.mark.parametrize(("name", "path"), modules("schema"), ids=lambda v: str(v))
def test_schema_runs_no_sql(name: str, path: Path) -> None:
    found = project_imports(path) | {n for n in imports(path) if under(n, "tortoise")}
    direct = {n for n in found if under(n, "models.sql", "models.ledger", "server.db", "loaders")}
    assert not direct, f"{name} imports {direct}"
    assert not {n for n in found if under(n, "tortoise") and not under(n, "tortoise.models")}
    calls = {
        node.func.attr
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert not calls & QUERY_CALLS, f"{name} calls {calls & QUERY_CALLS}"


def test_the_rule_is_checked_on_real_modules() -> None:
    """The walk finds the modules it checks (an empty walk would pass everything)."""
    assert {"models.rules.days", "models.ledger", "loaders.dashboard", "resolvers.dashboard",
            "schema.dashboard"} <= {n for p in PROJECT for n, _ in modules(p)}  # fmt: skip
    assert "models.rules.tz" in project_imports(ROOT / "models/rules/days.py")

"""What `burnrate migrate` says: created, upgraded or up to date (server/migration_report.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tortoise.migrations.executor import PlanStep
from tortoise.migrations.migration import Migration

from server.migration_report import describe
from tests.processes import ROOT, burnrate


class Initial(Migration):
    initial = True


def _step(name: str, initial: bool = False, backward: bool = False) -> PlanStep:
    kind = Initial if initial else Migration
    return PlanStep(kind(name, "models"), backward)


@pytest.mark.parametrize(
    ("steps", "said"),
    [
        ([], "database is up to date: DB"),
        (
            [_step("0001_initial", True), _step("0002_x")],
            "created the database schema (2 migrations): DB",
        ),
        ([_step("0003_a"), _step("0004_b")], "upgraded the database schema (0003_a, 0004_b): DB"),
        ([_step("0004_b", backward=True)], "database is up to date: DB"),
    ],
)
def test_what_migrate_says(steps: list[PlanStep], said: str) -> None:
    assert describe(steps, "DB") == said


def test_the_first_migrate_of_a_new_database_says_it_created_the_schema(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'new.sqlite3'}"
    migrations = len(list((ROOT / "migrations").glob("0*.py")))
    first = burnrate("migrate", database_url=url)
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"created the database schema ({migrations} migrations): {url}\n"
    again = burnrate("migrate", database_url=url)
    assert again.stdout == f"database is up to date: {url}\n"

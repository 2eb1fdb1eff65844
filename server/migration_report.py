"""What `burnrate migrate` (and `demo`) says about the schema: created on a new database,
upgraded by some migrations, or already up to date."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.migrations.executor import PlanStep

from server import db
from server.masking import mask_url


def describe(steps: Sequence[PlanStep], where: str) -> str:
    """One line for the migrations that were applied (`steps`, Tortoise's plan)."""
    applied = [s.migration for s in steps if not s.backward]
    if not applied:
        return f"database is up to date: {where}"
    if any(m.initial for m in applied):
        return f"created the database schema ({len(applied)} migrations): {where}"
    names = ", ".join(m.name for m in applied)
    return f"upgraded the database schema ({names}): {where}"


async def migrate(database_url: str) -> str:
    """Applies the migrations and says what that did."""
    planned: list[PlanStep] = []

    def report(_connection: str, plan: list[PlanStep], _fake: bool, _dry_run: bool) -> None:
        planned.extend(plan)

    await db.migrate(database_url, reporter=report)
    return describe(planned, mask_url(database_url))

"""Each workspace's version: a counter bumped by every write that changes its figures, in
that write's transaction and as its last statement (so the row lock serializes only the
short tail of concurrent writers of one workspace, after their contended rollup rows).

What reads it: live updates (a subscriber's figures are stale when the version moved) and
the response cache (an answer is keyed by the version it was computed at)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from models.sql import in_list, query
from models.workspace import Workspace


class WorkspaceVersion(Model):
    """A table of its own, not a column of `workspace`: writers hold `workspace` FOR SHARE
    from their first statement, and an UPDATE of that row would deadlock two of them."""

    workspace: fields.OneToOneRelation[Workspace] = fields.OneToOneField(
        "models.Workspace", related_name="version", on_delete=fields.CASCADE, primary_key=True
    )
    version = fields.BigIntField(default=0)

    workspace_id: int

    class Meta:
        table = "workspace_version"


async def bump(conn: BaseDBAsyncClient, workspace_ids: Iterable[int]) -> dict[int, int]:
    """Add one to each workspace's version (creating it at 1); their new versions. Rows are
    written in id order, so writers of several workspaces (a plan's change) never deadlock."""
    ids = sorted(set(workspace_ids))
    if not ids:
        return {}
    rows: list[dict[str, Any]] = []
    for pk in ids:  # one statement per workspace: writes of one workspace are the rule
        rows += await query(
            conn,
            'INSERT INTO "workspace_version" ("workspace_id", "version") VALUES (?, 1) '
            'ON CONFLICT ("workspace_id") DO UPDATE SET "version" = '
            '"workspace_version"."version" + 1 RETURNING "workspace_id", "version"',
            [pk],
        )
    return {int(r["workspace_id"]): int(r["version"]) for r in rows}


async def versions(conn: BaseDBAsyncClient, workspace_ids: Iterable[int]) -> dict[int, int]:
    """The current versions (0 for a workspace never written)."""
    ids = sorted(set(workspace_ids))
    if not ids:
        return {}
    condition, values = in_list(conn, '"workspace_id"', ids, "int")
    rows = await query(
        conn, f'SELECT "workspace_id", "version" FROM "workspace_version" WHERE {condition}', values
    )
    found = {int(r["workspace_id"]): int(r["version"]) for r in rows}
    return {pk: found.get(pk, 0) for pk in ids}

"""The last step of every write that changes a workspace's figures, inside its transaction:
`after_write`. Writes call it after their own statements (after the rollup rows many
writers share), so the per-workspace serialization it implies covers only this tail."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.backends.base.client import BaseDBAsyncClient

from models.changes import bump


async def after_write(conn: BaseDBAsyncClient, workspace_ids: Iterable[int]) -> dict[int, int]:
    """Bump each workspace's version (the signal live updates and the response cache read);
    returns the new versions."""
    return await bump(conn, workspace_ids)

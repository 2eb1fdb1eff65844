"""Loaders for a workspace's assistants (rows of the activity table and rankings point at
them)."""

from __future__ import annotations

from collections.abc import Sequence

from loaders.base import Loader, in_key_order
from models import Assistant


class AssistantByIdLoader(Loader[int, Assistant | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Assistant | None]:
        rows = await Assistant.filter(id__in=list(keys)).using_db(self.conn)
        return in_key_order(keys, rows)

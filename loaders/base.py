"""A small typed base for loaders, bound to the connection they read through."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

from aiodataloader import DataLoader
from tortoise.backends.base.client import BaseDBAsyncClient

from models.sql import connection

K = TypeVar("K")
V = TypeVar("V")


class Loader(DataLoader, Generic[K, V]):  # type: ignore[type-arg]
    """DataLoader with typed lookups; subclasses implement `batch_load_fn` and read through
    `self.conn`: the transaction's connection when one was given (a write reading what it
    has not committed yet), else the pool's.

    A key's future is shared by every field that asks for it, so each waits through
    `asyncio.shield`: when graphql-core cancels one field (a sibling failed), the shared
    future must not be cancelled with it, or every other field waiting on the same key fails
    with CancelledError (found by the schema fuzz test: one bad argument next to two `usage`
    selections failed the whole request)."""

    def __init__(self, conn: BaseDBAsyncClient | None = None) -> None:
        super().__init__()
        self._conn = conn

    @property
    def conn(self) -> BaseDBAsyncClient:
        return self._conn or connection()

    async def get(self, key: K) -> V:
        result: V = await asyncio.shield(self.load(key))
        return result

    async def get_many(self, keys: Iterable[K]) -> list[V]:
        result: list[V] = await asyncio.shield(self.load_many(keys))
        return result


def in_key_order(keys: Sequence[K], rows: Iterable[Any], key_attr: str = "id") -> list[Any]:
    by_key = {getattr(row, key_attr): row for row in rows}
    return [by_key.get(key) for key in keys]

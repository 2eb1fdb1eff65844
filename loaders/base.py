"""A small typed base for loaders keyed by primary key."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

from aiodataloader import DataLoader

K = TypeVar("K")
V = TypeVar("V")


class Loader(DataLoader, Generic[K, V]):  # type: ignore[type-arg]
    """DataLoader with typed lookups; subclasses implement `batch_load_fn`."""

    async def get(self, key: K) -> V:
        result: V = await self.load(key)
        return result

    async def get_many(self, keys: Iterable[K]) -> list[V]:
        result: list[V] = await self.load_many(keys)
        return result


def in_key_order(keys: Sequence[K], rows: Iterable[Any], key_attr: str = "id") -> list[Any]:
    by_key = {getattr(row, key_attr): row for row in rows}
    return [by_key.get(key) for key in keys]

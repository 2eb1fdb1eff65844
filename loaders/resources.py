"""Loaders for assistants and contacts (rows of activity tables point at them)."""

from __future__ import annotations

from collections.abc import Sequence

from loaders.base import Loader, in_key_order
from models import Assistant, Contact


class AssistantByIdLoader(Loader[int, Assistant | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Assistant | None]:
        return in_key_order(keys, await Assistant.filter(id__in=list(keys)))


class ContactByIdLoader(Loader[int, Contact | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Contact | None]:
        return in_key_order(keys, await Contact.filter(id__in=list(keys)))

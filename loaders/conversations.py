"""Loaders for the people conversations were with."""

from __future__ import annotations

from collections.abc import Sequence

from loaders.base import Loader, in_key_order
from models import Contact


class ContactByIdLoader(Loader[int, Contact | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Contact | None]:
        rows = await Contact.filter(id__in=list(keys)).using_db(self.conn)
        return in_key_order(keys, rows)

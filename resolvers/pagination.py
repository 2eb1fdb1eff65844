"""Opaque keyset cursors and page-size checks."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from resolvers.errors import BadUserInput
from server.settings import settings

T = TypeVar("T")


def check_first(first: int, limit: int | None = None) -> None:
    limit = settings.max_page_size if limit is None else limit
    if not 1 <= first <= limit:
        raise BadUserInput(f"first must be between 1 and {limit}, got {first}.")


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode("ascii")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """The key values inside a cursor of this list; BAD_USER_INPUT for anything else."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (binascii.Error, UnicodeError, ValueError):
        values = None
    if not isinstance(values, list) or len(values) != arity:
        raise BadUserInput("after is not a cursor of this list.")
    return values


@dataclass
class Page(Generic[T]):
    """One page of a keyset-paginated list, before it becomes a GraphQL connection."""

    items: list[T]
    cursors: list[str]
    has_next_page: bool
    had_cursor: bool
    count: Callable[[], Awaitable[int]]

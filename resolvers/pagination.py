"""Opaque keyset cursors and page-size checks.

A cursor is URL-safe base64 (with padding) of the JSON list of its row's keys, as
`json.dumps` writes it. Each row has one cursor: anything that does not decode to keys of
the list's types, or that is not exactly how this server writes them, is BAD_USER_INPUT."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from models.rules.forms import FormError, parse_datetime
from resolvers import validation as v
from resolvers.errors import BadUserInput
from resolvers.ids import key_max

T = TypeVar("T")
#: Longer than any cursor this server writes (a 200-character name, JSON-escaped).
MAX_CURSOR_LENGTH = 4096
#: One key of a cursor: whether a decoded JSON value is a valid key of that kind.
CursorPart = Callable[[Any], bool]


def check_first(first: int, limit: int) -> None:
    if not 1 <= first <= limit:
        raise BadUserInput(f"first must be between 1 and {limit}, got {first}.")


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode("ascii")


def decode_cursor(cursor: str, *parts: CursorPart) -> list[Any]:
    """The keys inside a cursor of this list, one per part; BAD_USER_INPUT for anything
    else, including other spellings of a cursor this server wrote."""
    values: Any = None
    if len(cursor) <= MAX_CURSOR_LENGTH:
        try:
            values = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        except (binascii.Error, UnicodeError, ValueError, RecursionError):
            values = None
    if (
        not isinstance(values, list)
        or len(values) != len(parts)
        or not all(part(value) for part, value in zip(parts, values, strict=True))
        or encode_cursor(*values) != cursor
    ):
        raise BadUserInput("after is not a cursor of this list.", field="after")
    return values


def key_part(type_name: str) -> CursorPart:
    """A primary key of this type, within its column's range."""
    return lambda value: (
        isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= key_max(type_name)
    )


#: The longest name a column holds (the `name` columns are 200 characters).
NAME_COLUMN_LENGTH = 200


def text_part(value: Any) -> bool:
    """A name as stored: text the inputs accept, no longer than its column."""
    return isinstance(value, str) and v.is_text(value, NAME_COLUMN_LENGTH)


def instant_part(value: Any) -> bool:
    """An instant as the server writes it: UTC, `datetime.isoformat()`."""
    if not isinstance(value, str):
        return False
    try:
        return parse_datetime(value).isoformat() == value
    except FormError:
        return False


@dataclass
class Page(Generic[T]):
    """One page of a keyset-paginated list, before it becomes a GraphQL connection."""

    items: list[T]
    cursors: list[str]
    has_next_page: bool
    had_cursor: bool
    count: Callable[[], Awaitable[int]]


def keyset_page(
    rows: Sequence[T],
    first: int,
    cursor_of: Callable[[T], Sequence[Any]],
    after: str | None,
    count: Callable[[], Awaitable[int]],
) -> Page[T]:
    """The page of a keyset query that asked for `first + 1` rows (the extra one only says
    whether a next page exists); `cursor_of` gives a row's keys in the list's order."""
    items = list(rows[:first])
    return Page(
        items=items,
        cursors=[encode_cursor(*cursor_of(row)) for row in items],
        has_next_page=len(rows) > first,
        had_cursor=after is not None,
        count=count,
    )

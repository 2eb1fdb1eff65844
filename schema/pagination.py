"""Relay-style connections: WorkspaceConnection, AssistantConnection, ConversationConnection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry

from resolvers.pagination import Page

T = TypeVar("T")
R = TypeVar("R")
V = TypeVar("V")


def given(value: V | None) -> V | None:
    """An optional argument the client left out (UNSET) reads as None."""
    return None if value is strawberry.UNSET else value


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items the whole list holds, across all pages.")
    async def total_count(self) -> int:
        return await self.count()


def build_connection(page: Page[R], convert: Callable[[R], T]) -> Connection[T]:
    """The GraphQL connection of one page of rows, each converted to its object type."""
    edges = [Edge(cursor=c, node=convert(r)) for r, c in zip(page.items, page.cursors, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.had_cursor,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        count=page.count,
    )

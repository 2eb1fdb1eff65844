"""Relay-style connections: WorkspaceConnection, AssistantConnection, ConversationConnection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry

T = TypeVar("T")
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


def build_connection(
    nodes: list[T],
    cursors: list[str],
    has_next_page: bool,
    had_cursor: bool,
    count: Callable[[], Awaitable[int]],
) -> Connection[T]:
    edges = [Edge(cursor=c, node=n) for n, c in zip(nodes, cursors, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next_page,
            has_previous_page=had_cursor,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        count=count,
    )

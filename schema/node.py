"""The Node interface: every object with a global id."""

from __future__ import annotations

import strawberry


@strawberry.interface(description="An object with a global id, resolvable by Query.node.")
class Node:
    id: strawberry.ID

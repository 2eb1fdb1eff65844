"""The root Query and Mutation, composed per domain, and the schema (built once)."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from resolvers.node import resolve_node
from schema import coercion, nesting
from schema.context import Info
from schema.errors import CodedErrors, log_errors
from schema.node import Node
from schema.prepared import PreparedDocument, PreparedExecutor
from schema.resources import Assistant, PhoneNumber, ResourceMutation, TeamMember, TopUp
from schema.scalars import SCALAR_OVERRIDES
from schema.usage import Contact, Conversation, UsageMutation
from schema.workspace import Workspace, WorkspaceMutation, WorkspaceQuery

NODE_TYPES: dict[str, Any] = {
    "Workspace": Workspace,
    "Assistant": Assistant,
    "Contact": Contact,
    "Conversation": Conversation,
    "TeamMember": TeamMember,
    "PhoneNumber": PhoneNumber,
    "TopUp": TopUp,
}


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global id.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        type_name, row = await resolve_node(info.context, id)
        return NODE_TYPES[type_name].from_row(row)  # type: ignore[no-any-return]


Query = merge_types("Query", (NodeQuery, WorkspaceQuery))
Mutation = merge_types("Mutation", (WorkspaceMutation, ResourceMutation, UsageMutation))


class Schema(strawberry.Schema):
    """Logs each error once, by kind (schema/errors.py), instead of Strawberry's traceback
    at ERROR for every error, expected ones included."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context = execution_context.context if execution_context else None
        log_errors(errors, getattr(context, "request_id", None))


schema = Schema(
    query=Query,
    mutation=Mutation,
    types=list(NODE_TYPES.values()),
    scalar_overrides=SCALAR_OVERRIDES,
    # Documents are parsed, validated and cached (bounded in bytes) by the HTTP endpoint,
    # once per request: server/documents.py.
    extensions=[PreparedDocument, CodedErrors],
    execution_context_class=PreparedExecutor,
)


nesting.install()
coercion.install()


def sdl() -> str:
    return schema.as_str() + "\n"

"""The root Query and Mutation, composed per domain, and the schema (built once)."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from tortoise.models import Model

import models
from resolvers import access
from schema import coercion, nesting
from schema.context import Info
from schema.conversations import Contact, Conversation
from schema.errors import CodedErrors, log_errors
from schema.ingest import IngestMutation
from schema.node import Node
from schema.prepared import PreparedDocument, PreparedExecutor
from schema.resources import Assistant, PhoneNumber, ResourceMutation, TeamMember, TopUp
from schema.scalars import SCALAR_OVERRIDES
from schema.workspace import Workspace, WorkspaceMutation, WorkspaceQuery

#: Every type with a global id, by name, with the table behind it: the one node registry.
NODES: dict[str, tuple[type[Model], Any]] = {
    "Workspace": (models.Workspace, Workspace),
    "Assistant": (models.Assistant, Assistant),
    "Contact": (models.Contact, Contact),
    "Conversation": (models.Conversation, Conversation),
    "TeamMember": (models.TeamMember, TeamMember),
    "PhoneNumber": (models.PhoneNumber, PhoneNumber),
    "TopUp": (models.TopUp, TopUp),
}
_MODELS = {name: model for name, (model, _) in NODES.items()}
_TYPE_OF_MODEL = {model: type_ for model, type_ in NODES.values()}


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global id.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        row = await access.visible_node(info.context, id, _MODELS)
        return _TYPE_OF_MODEL[type(row)].from_row(row)  # type: ignore[no-any-return]


Query = merge_types("Query", (NodeQuery, WorkspaceQuery))
Mutation = merge_types("Mutation", (WorkspaceMutation, ResourceMutation, IngestMutation))


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
    types=[type_ for _, type_ in NODES.values()],
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

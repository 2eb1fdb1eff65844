"""Query.node: any object by its global id, within what the key may see."""

from __future__ import annotations

from tortoise.models import Model

from models import Assistant, Contact, Conversation, PhoneNumber, TeamMember, TopUp, Workspace
from resolvers.context import Context
from resolvers.errors import not_found
from resolvers.ids import from_global_id

NODE_MODELS: dict[str, type[Model]] = {
    "Workspace": Workspace,
    "Assistant": Assistant,
    "Contact": Contact,
    "Conversation": Conversation,
    "TeamMember": TeamMember,
    "PhoneNumber": PhoneNumber,
    "TopUp": TopUp,
}


async def resolve_node(ctx: Context, global_id: str) -> tuple[str, Model]:
    """The type name and row; NOT_FOUND alike for malformed, absent and foreign ids."""
    principal = await ctx.principal()
    principal.require_read()
    decoded = from_global_id(global_id)
    model = NODE_MODELS.get(decoded[0]) if decoded else None
    if decoded is None or model is None:
        raise not_found()
    type_name, pk = decoded
    row = await model.filter(id=pk).first()
    owner = getattr(row, "workspace_id", pk) if row is not None else None
    if row is None or conversation_is_hidden(row) or not principal.may_see(int(owner or 0)):
        raise not_found()
    return type_name, row


def conversation_is_hidden(row: Model) -> bool:
    """Playground conversations appear in no list and no lookup."""
    return isinstance(row, Conversation) and bool(row.playground)

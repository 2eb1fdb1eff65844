"""Who is asking (the principal behind an API key) and what it may see and do.

The one place that knows principals: every surface (GraphQL fields, and the HTTP endpoints
that come later) checks access here, then calls the usage core, which knows none. A
workspace key asking for another workspace's object by any id gets the same NOT_FOUND as
for an id that does not exist."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tortoise.models import Model

from models import Conversation, Workspace
from models.rules.enums import Scope
from resolvers.errors import Forbidden, not_found
from resolvers.ids import decode_id, from_global_id

if TYPE_CHECKING:
    from resolvers.context import Context


@dataclass(frozen=True)
class Principal:
    key_id: int
    name: str
    scopes: frozenset[Scope]
    #: The key's own workspace; None for an admin key.
    workspace_id: int | None

    @property
    def is_admin(self) -> bool:
        return Scope.ADMIN in self.scopes

    def may_see(self, workspace_id: int) -> bool:
        """Whether objects of this workspace exist for this key at all."""
        return self.is_admin or workspace_id == self.workspace_id

    def require_read(self) -> None:
        if not (self.is_admin or Scope.USAGE_READ in self.scopes):
            raise Forbidden("This API key lacks the USAGE_READ scope.")

    def require_write(self) -> None:
        if not (self.is_admin or Scope.USAGE_WRITE in self.scopes):
            raise Forbidden("This API key lacks the USAGE_WRITE scope.")

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("This operation needs an ADMIN API key.")


async def reader(ctx: Context) -> Principal:
    """The caller, who must hold USAGE_READ (or ADMIN)."""
    principal = await ctx.principal()
    principal.require_read()
    return principal


async def admin(ctx: Context) -> Principal:
    principal = await ctx.principal()
    principal.require_admin()
    return principal


async def visible_workspace(ctx: Context, workspace_id: int | None) -> Workspace:
    """The workspace if this key may see it; NOT_FOUND for absent and foreign alike."""
    principal = await ctx.principal()
    if workspace_id is None or not principal.may_see(workspace_id):
        raise not_found("workspace")
    workspace = await ctx.lookups.workspace_by_id.get(workspace_id)
    if workspace is None:
        raise not_found("workspace")
    return workspace


async def readable_workspace(ctx: Context, global_id: str) -> Workspace:
    await reader(ctx)
    return await visible_workspace(ctx, decode_id(global_id, "Workspace"))


async def writable_workspace(ctx: Context, global_id: str) -> Workspace:
    (await ctx.principal()).require_write()
    return await visible_workspace(ctx, decode_id(global_id, "Workspace"))


async def admin_workspace(ctx: Context, global_id: str) -> Workspace:
    await admin(ctx)
    return await visible_workspace(ctx, decode_id(global_id, "Workspace"))


async def readable_workspace_pk(ctx: Context, workspace_id: int) -> None:
    """Reading something of this workspace (an object reached from another): the key must
    hold USAGE_READ and see the workspace."""
    principal = await reader(ctx)
    if not principal.may_see(workspace_id):
        raise not_found()


async def own_workspace(ctx: Context) -> Workspace | None:
    """The key's own workspace (None for an admin key)."""
    principal = await ctx.principal()
    if principal.workspace_id is None:
        return None
    return await ctx.lookups.workspace_by_id.get(principal.workspace_id)


async def visible_node(ctx: Context, global_id: str, models: Mapping[str, type[Model]]) -> Model:
    """The row an id names, among these types, if this key may read it; NOT_FOUND alike for
    malformed, absent and foreign ids, and for playground conversations (they appear in no
    list and no lookup)."""
    principal = await reader(ctx)
    decoded = from_global_id(global_id)
    model = models.get(decoded[0]) if decoded else None
    if decoded is None or model is None:
        raise not_found()
    row = await model.filter(id=decoded[1]).using_db(ctx.lookups.conn).first()
    owner = getattr(row, "workspace_id", decoded[1]) if row is not None else None
    hidden = isinstance(row, Conversation) and bool(row.playground)
    if row is None or hidden or not principal.may_see(int(owner or 0)):
        raise not_found()
    return row

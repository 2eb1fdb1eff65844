"""Who is asking (the principal behind an API key) and what it may do."""

from __future__ import annotations

from dataclasses import dataclass

from models.enums import Scope
from resolvers.errors import Forbidden


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

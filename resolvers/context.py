"""The typed per-request context: who is asking, and the request's loaders."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property

from loaders.resources import AssistantByIdLoader, ContactByIdLoader
from loaders.usage import CatalogLoader, ConcurrencyLoader, RollupLoader
from loaders.workspace import GrantsByPlanIdLoader, PlanByIdLoader, WorkspaceByIdLoader
from resolvers.access import Principal
from resolvers.errors import Unauthenticated


class Loaders:
    """Created per request, each loader on first use (they capture the running loop)."""

    @cached_property
    def workspace_by_id(self) -> WorkspaceByIdLoader:
        return WorkspaceByIdLoader()

    @cached_property
    def plan_by_id(self) -> PlanByIdLoader:
        return PlanByIdLoader()

    @cached_property
    def grants_by_plan_id(self) -> GrantsByPlanIdLoader:
        return GrantsByPlanIdLoader()

    @cached_property
    def assistant_by_id(self) -> AssistantByIdLoader:
        return AssistantByIdLoader()

    @cached_property
    def contact_by_id(self) -> ContactByIdLoader:
        return ContactByIdLoader()

    @cached_property
    def catalog(self) -> CatalogLoader:
        return CatalogLoader(self.assistant_by_id)

    @cached_property
    def rollup(self) -> RollupLoader:
        return RollupLoader()

    @cached_property
    def concurrency(self) -> ConcurrencyLoader:
        return ConcurrencyLoader()


@dataclass
class Context:
    request_id: str
    #: Resolves the request's API key; None when it carries no valid key.
    authenticate: Callable[[], Awaitable[Principal | None]]
    loaders: Loaders = field(default_factory=Loaders)
    _lookup: asyncio.Future[Principal | None] | None = None

    async def principal(self) -> Principal:
        """The caller, resolved once per request (also when fields ask at the same time);
        UNAUTHENTICATED without a valid key."""
        if self._lookup is None:
            self._lookup = asyncio.ensure_future(self.authenticate())
        principal = await self._lookup
        if principal is None:
            raise Unauthenticated(
                "A valid API key is required: send 'Authorization: Bearer <key>'."
            )
        return principal

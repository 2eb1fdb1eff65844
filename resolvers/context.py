"""The typed per-request context: who is asking, the surface's settings, and the request's
lookups."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from loaders.lookups import Lookups
from resolvers.access import Principal
from resolvers.errors import Unauthenticated
from server.settings import Settings


@dataclass
class Context:
    request_id: str
    #: Resolves the request's API key; None when it carries no valid key.
    authenticate: Callable[[], Awaitable[Principal | None]]
    #: The settings of the surface serving the request: the resolvers' limits come from here.
    settings: Settings
    lookups: Lookups = field(default_factory=Lookups)
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

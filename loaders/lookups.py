"""`Lookups`: every batched lookup the figures use, created lazily, all reading through one
connection.

A GraphQL request makes one (on its Context) and reads through the pool; a write makes one
on its transaction's connection, so the figures it computes before COMMIT (alerts) include
what it has just written. Loaders capture the running event loop when created (STACK.md),
so each is made on first use and a `Lookups` never outlives the task that made it."""

from __future__ import annotations

from functools import cached_property

from tortoise.backends.base.client import BaseDBAsyncClient

from loaders.conversations import ContactByIdLoader
from loaders.dashboard import CatalogLoader, ConcurrencyLoader, RollupLoader
from loaders.resources import AssistantByIdLoader
from loaders.workspace import GrantsByPlanIdLoader, PlanByIdLoader, WorkspaceByIdLoader
from models.sql import connection


class Lookups:
    def __init__(self, conn: BaseDBAsyncClient | None = None) -> None:
        self._conn = conn

    @property
    def conn(self) -> BaseDBAsyncClient:
        """The connection these lookups read through (for the few queries that are pages,
        not batches)."""
        return self._conn or connection()

    @cached_property
    def workspace_by_id(self) -> WorkspaceByIdLoader:
        return WorkspaceByIdLoader(self._conn)

    @cached_property
    def plan_by_id(self) -> PlanByIdLoader:
        return PlanByIdLoader(self._conn)

    @cached_property
    def grants_by_plan_id(self) -> GrantsByPlanIdLoader:
        return GrantsByPlanIdLoader(self._conn)

    @cached_property
    def assistant_by_id(self) -> AssistantByIdLoader:
        return AssistantByIdLoader(self._conn)

    @cached_property
    def contact_by_id(self) -> ContactByIdLoader:
        return ContactByIdLoader(self._conn)

    @cached_property
    def catalog(self) -> CatalogLoader:
        return CatalogLoader(self.assistant_by_id, self._conn)

    @cached_property
    def rollup(self) -> RollupLoader:
        return RollupLoader(self._conn)

    @cached_property
    def concurrency(self) -> ConcurrencyLoader:
        return ConcurrencyLoader(self._conn)

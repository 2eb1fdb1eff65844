"""Loaders for workspaces, plans and grants."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from loaders.base import Loader, in_key_order
from models import Plan, PlanGrant, Workspace
from models.rules.enums import CreditType

_CREDIT_ORDER = {t.value: i for i, t in enumerate(CreditType)}


class WorkspaceByIdLoader(Loader[int, Workspace | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Workspace | None]:
        return in_key_order(keys, await Workspace.filter(id__in=list(keys)).using_db(self.conn))


class PlanByIdLoader(Loader[int, Plan | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Plan | None]:
        return in_key_order(keys, await Plan.filter(id__in=list(keys)).using_db(self.conn))


class GrantsByPlanIdLoader(Loader[int, list[PlanGrant]]):
    """A plan's grants in the enum order of CreditType."""

    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[PlanGrant]]:
        grouped: dict[int, list[PlanGrant]] = defaultdict(list)
        for grant in await PlanGrant.filter(plan_id__in=list(keys)).using_db(self.conn):
            grouped[grant.plan_id].append(grant)
        for grants in grouped.values():
            grants.sort(key=lambda g: _CREDIT_ORDER.get(g.credit_type, len(_CREDIT_ORDER)))
        return [grouped.get(key, []) for key in keys]

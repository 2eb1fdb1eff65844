"""Recording usage: `recordUsage`."""

from __future__ import annotations

import strawberry

from resolvers import access, ingest
from schema.context import Info
from schema.inputs import RecordUsageInput


@strawberry.type
class RecordUsagePayload:
    accepted: int = strawberry.field(description="Events stored by this call.")
    duplicates: int = strawberry.field(
        description=(
            "Events whose idempotency key was already stored; acknowledged, not counted again."
        )
    )


@strawberry.type
class IngestMutation:
    @strawberry.mutation(
        description="Record 1 to 1,000 usage events atomically; known idempotency keys count once."
    )
    async def record_usage(self, info: Info, input: RecordUsageInput) -> RecordUsagePayload:
        workspace = await access.writable_workspace(info.context, input.workspace_id)
        outcome = await ingest.record_usage(info.context.settings, workspace, input.events)
        return RecordUsagePayload(accepted=outcome.accepted, duplicates=outcome.duplicates)

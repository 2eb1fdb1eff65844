"""Contacts and conversations (the rows of the activity table)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from models import Contact as ContactRow
from models import Conversation as ConversationRow
from models.rules.enums import Channel, ConversationType
from resolvers.errors import not_found
from resolvers.ids import to_global_id
from schema.context import Info
from schema.node import Node
from schema.scalars import BigInt

if TYPE_CHECKING:
    from schema.resources import Assistant


@strawberry.type
class Contact(Node):
    id: strawberry.ID
    external_id: str
    display_name: str | None

    @classmethod
    def from_row(cls, row: ContactRow) -> Contact:
        return cls(
            id=strawberry.ID(to_global_id("Contact", row.id)),
            external_id=row.external_id,
            display_name=row.display_name,
        )


@strawberry.type
class Conversation(Node):
    id: strawberry.ID
    external_id: str
    when: dt.datetime = strawberry.field(
        description="The conversation's last activity: the When column."
    )
    type: ConversationType
    channel: Channel
    messages: BigInt
    started_at: dt.datetime
    last_activity_at: dt.datetime
    ended_at: dt.datetime | None
    assistant_id: strawberry.Private[int]
    contact_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: ConversationRow) -> Conversation:
        return cls(
            id=strawberry.ID(to_global_id("Conversation", row.id)),
            external_id=row.external_id,
            when=row.last_activity_at,
            type=ConversationType(row.type),
            channel=Channel(row.channel),
            messages=BigInt(row.messages),
            started_at=row.started_at,
            last_activity_at=row.last_activity_at,
            ended_at=row.ended_at,
            assistant_id=row.assistant_id,
            contact_id=row.contact_id,
        )

    @strawberry.field
    async def assistant(
        self, info: Info
    ) -> Annotated[Assistant, strawberry.lazy("schema.resources")]:
        from schema.resources import Assistant

        row = await info.context.lookups.assistant_by_id.get(self.assistant_id)
        if row is None:
            raise not_found("assistant")
        return Assistant.from_row(row)

    @strawberry.field
    async def contact(self, info: Info) -> Contact:
        row = await info.context.lookups.contact_by_id.get(self.contact_id)
        if row is None:
            raise not_found("contact")
        return Contact.from_row(row)

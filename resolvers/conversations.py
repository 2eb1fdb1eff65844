"""Conversation lists: live conversations whose last activity falls in a range, newest
first (ties: newest id), by keyset pagination on (last_activity_at, id). The Usage page's
recent activity and `Assistant.conversations` are the same list."""

from __future__ import annotations

from datetime import date, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from models import Conversation
from models.rules.days import days_bounds
from models.rules.forms import parse_datetime
from resolvers import validation as v
from resolvers.pagination import (
    Page,
    check_first,
    decode_cursor,
    instant_part,
    key_part,
    keyset_page,
)


async def conversations_page(
    conn: BaseDBAsyncClient,
    workspace_id: int,
    assistant_id: int | None,
    days: tuple[date, date],
    tz: str,
    first: int,
    after: str | None,
    max_page_size: int,
) -> Page[Conversation]:
    check_first(first, max_page_size)
    lower, upper = days_bounds(days[0], days[1], tz)
    base = Conversation.filter(
        workspace_id=workspace_id,
        playground=False,
        last_activity_at__gte=lower,
        last_activity_at__lt=upper,
    ).using_db(conn)
    if assistant_id is not None:
        base = base.filter(assistant_id=assistant_id)
    page = base
    if after is not None:
        when, pk = _activity_cursor(after)
        page = page.filter(Q(last_activity_at__lt=when) | Q(last_activity_at=when, id__lt=pk))
    rows = await page.order_by("-last_activity_at", "-id").limit(first + 1)
    return keyset_page(
        rows, first, lambda r: (v.utc_of(r.last_activity_at).isoformat(), r.id), after, base.count
    )


def _activity_cursor(cursor: str) -> tuple[datetime, int]:
    when, pk = decode_cursor(cursor, instant_part, key_part("Conversation"))
    return parse_datetime(when), pk

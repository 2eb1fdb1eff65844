"""Loaders behind `Workspace.usage`. Each batches every lookup of its kind made while one
request resolves, across all the workspaces it reads, into one SQL statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from loaders.base import Loader
from models import Assistant
from models.calls import ALL_ASSISTANTS
from models.rules.enums import Channel, CreditType
from models.sql import as_date, as_datetime, is_postgres, query


@dataclass(frozen=True)
class Span:
    """An in-use interval of a team member or phone number."""

    start: datetime
    end: datetime | None
    agent_seat: bool = False


@dataclass(frozen=True)
class TopUpGrant:
    credit_type: str
    amount: int
    effective_on: date


@dataclass
class Catalog:
    """What a workspace has: assistants, team members, phone numbers and top-ups."""

    assistants: list[Assistant] = field(default_factory=list)
    team_members: list[Span] = field(default_factory=list)
    phone_numbers: list[Span] = field(default_factory=list)
    top_ups: list[TopUpGrant] = field(default_factory=list)
    #: The plan's allotment per credit type, in minor units.
    grants: dict[CreditType, int] = field(default_factory=dict)

    def assistant(self, pk: int) -> Assistant | None:
        return next((a for a in self.assistants if a.id == pk), None)


_CATALOG_SQL = """
SELECT 'A' AS "kind", "workspace_id", "id", "external_id" AS "text1", "name" AS "text2",
       "created_at" AS "since", "archived_at" AS "until", CAST(NULL AS BOOLEAN) AS "flag",
       CAST(NULL AS BIGINT) AS "amount", CAST(NULL AS DATE) AS "day"
  FROM "assistant" WHERE "workspace_id" IN ({marks})
UNION ALL
SELECT 'T', "workspace_id", "id", NULL, NULL, "joined_at", "removed_at", "agent_seat", NULL, NULL
  FROM "team_member" WHERE "workspace_id" IN ({marks})
UNION ALL
SELECT 'P', "workspace_id", "id", NULL, NULL, "activated_at", "released_at", NULL, NULL, NULL
  FROM "phone_number" WHERE "workspace_id" IN ({marks})
UNION ALL
SELECT 'U', "workspace_id", "id", "credit_type", NULL, NULL, NULL, NULL, "amount", "effective_on"
  FROM "top_up" WHERE "workspace_id" IN ({marks})
UNION ALL
SELECT 'G', w."id", g."id", g."credit_type", NULL, NULL, NULL, NULL, g."per_period", NULL
  FROM "plan_grant" g JOIN "workspace" w ON w."plan_id" = g."plan_id" WHERE w."id" IN ({marks})
"""


def _maybe_datetime(value: Any) -> datetime | None:
    return None if value is None else as_datetime(value)


class CatalogLoader(Loader[int, Catalog]):
    """Everything small a workspace owns, in one statement for all workspaces asked for.
    Assistants found here are primed into the request's assistant-by-id loader."""

    def __init__(
        self, assistant_by_id: Loader[int, Assistant | None], conn: BaseDBAsyncClient | None
    ) -> None:
        super().__init__(conn)
        self.assistant_by_id = assistant_by_id

    async def batch_load_fn(self, keys: Sequence[int]) -> list[Catalog]:
        marks = ", ".join("?" * len(keys))
        rows = await query(self.conn, _CATALOG_SQL.format(marks=marks), list(keys) * 5)
        catalogs: dict[int, Catalog] = {key: Catalog() for key in keys}
        for row in rows:
            catalog = catalogs[int(row["workspace_id"])]
            kind = row["kind"]
            if kind == "A":
                assistant = Assistant(
                    id=int(row["id"]),
                    workspace_id=int(row["workspace_id"]),
                    external_id=row["text1"],
                    name=row["text2"],
                    created_at=as_datetime(row["since"]),
                    archived_at=_maybe_datetime(row["until"]),
                )
                catalog.assistants.append(assistant)
                self.assistant_by_id.prime(assistant.id, assistant)
            elif kind == "G":
                catalog.grants[CreditType(row["text1"])] = int(row["amount"])
            elif kind == "U":
                catalog.top_ups.append(
                    TopUpGrant(str(row["text1"]), int(row["amount"]), as_date(row["day"]))
                )
            else:
                span = Span(
                    as_datetime(row["since"]), _maybe_datetime(row["until"]), bool(row["flag"])
                )
                (catalog.team_members if kind == "T" else catalog.phone_numbers).append(span)
        for catalog in catalogs.values():
            catalog.assistants.sort(key=lambda a: (a.name, a.id))
        return [catalogs[key] for key in keys]


class Grouping(StrEnum):
    TOTAL = "TOTAL"
    DAY = "DAY"
    ASSISTANT = "ASSISTANT"
    CHANNEL = "CHANNEL"


_GROUP_COLUMN = {
    Grouping.TOTAL: None,
    Grouping.DAY: '"local_date"',
    Grouping.ASSISTANT: '"assistant_id"',
    Grouping.CHANNEL: '"channel"',
}


@dataclass(frozen=True)
class RollupQuery:
    """Sums of the daily rollup over local dates first..last, grouped one way."""

    grouping: Grouping
    workspace_id: int
    first: date
    last: date
    agent_id: int | None = None


@dataclass(frozen=True)
class RollupSums:
    #: The group: a date, an assistant id or a channel; None for TOTAL.
    group: date | int | Channel | None
    credits: int
    messages: int
    conversations_started: int
    text_queries: int
    voice_minutes: int
    #: Live conversations whose last activity falls in the group.
    last_active: int
    #: How many rollup rows (day × assistant × channel with live events) were summed.
    rows: int


def _group_value(grouping: Grouping, raw: Any) -> date | int | Channel | None:
    if grouping is Grouping.DAY:
        return as_date(raw)
    if grouping is Grouping.ASSISTANT:
        return int(raw)
    if grouping is Grouping.CHANNEL:
        return Channel(raw)
    return None


def _amount_sum(column: str, split: bool) -> str:
    """The SUM of an amount column, as two result columns `column` and `column_low`.

    SQLite's SUM() raises "integer overflow" past 2^63, which a tenant's credits can reach
    (docs/decisions.md, "Bounds"); there the high and low 32 bits are summed apart, each
    sum far below 2^63 for any number of rows a query reads. PostgreSQL's SUM of a bigint
    is an exact numeric already."""
    if not split:
        return f'SUM("{column}") AS "{column}", 0 AS "{column}_low"'
    return f'SUM("{column}" >> 32) AS "{column}", SUM("{column}" & 4294967295) AS "{column}_low"'


def _amount(row: dict[str, Any], column: str, split: bool) -> int:
    return (int(row[column]) << (32 if split else 0)) + int(row[f"{column}_low"])


class RollupLoader(Loader[RollupQuery, list[RollupSums]]):
    """Sums over the daily rollup; every query of a request in one UNION ALL statement.
    The rows read grow with days × assistants × channels, never with events."""

    async def batch_load_fn(self, keys: Sequence[RollupQuery]) -> list[list[RollupSums]]:
        conn = self.conn
        split = not is_postgres(conn)
        parts: list[str] = []
        values: list[Any] = []
        for index, key in enumerate(keys):
            column = _GROUP_COLUMN[key.grouping]
            group = f"CAST({column} AS TEXT)" if column else "NULL"
            agent = ' AND "assistant_id" = ?' if key.agent_id is not None else ""
            parts.append(
                f'SELECT {index} AS "k", {group} AS "g", {_amount_sum("credits", split)}, '
                'SUM("messages") AS "messages", '
                'SUM("conversations_started") AS "conversations_started", '
                'SUM("text_queries") AS "text_queries", '
                f"{_amount_sum('voice_minutes', split)}, "
                'SUM("conversations_last_active") AS "last_active", COUNT(*) AS "n" '
                'FROM "daily_usage" WHERE "workspace_id" = ? '
                f'AND "local_date" >= ? AND "local_date" <= ?{agent}'
                + (f" GROUP BY {column}" if column else "")
            )
            values += [key.workspace_id, key.first, key.last]
            if key.agent_id is not None:
                values.append(key.agent_id)
        results: list[list[RollupSums]] = [[] for _ in keys]
        for row in await query(conn, " UNION ALL ".join(parts), values):
            index = int(row["k"])
            key = keys[index]
            if int(row["n"]) == 0:
                continue  # a TOTAL over no rows
            results[index].append(
                RollupSums(
                    group=_group_value(key.grouping, row["g"]),
                    credits=_amount(row, "credits", split),
                    messages=int(row["messages"]),
                    conversations_started=int(row["conversations_started"]),
                    text_queries=int(row["text_queries"]),
                    voice_minutes=_amount(row, "voice_minutes", split),
                    last_active=int(row["last_active"]),
                    rows=int(row["n"]),
                )
            )
        return results


@dataclass(frozen=True)
class ConcurrencyQuery:
    """The peak of live PHONE calls active at once on local dates first..last."""

    workspace_id: int
    first: date
    last: date
    agent_id: int | None = None


class ConcurrencyLoader(Loader[ConcurrencyQuery, int]):
    """Peak concurrent calls: the largest daily peak of the days asked for (models.calls
    keeps one per local day), every query of the request in one statement."""

    async def batch_load_fn(self, keys: Sequence[ConcurrencyQuery]) -> list[int]:
        parts: list[str] = []
        values: list[Any] = []
        for index, key in enumerate(keys):
            parts.append(
                f'SELECT {index} AS "k", MAX("peak") AS "peak" FROM "call_peak" '
                'WHERE "workspace_id" = ? AND "assistant_id" = ? '
                'AND "local_date" >= ? AND "local_date" <= ?'
            )
            values += [key.workspace_id, key.agent_id or ALL_ASSISTANTS, key.first, key.last]
        peaks: dict[int, int] = {}
        for row in await query(self.conn, " UNION ALL ".join(parts), values):
            peaks[int(row["k"])] = int(row["peak"] or 0)
        return [peaks.get(index, 0) for index in range(len(keys))]

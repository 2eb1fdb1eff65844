"""How the Usage page writes figures and dates in en-US (web/format.js), to compare what it
shows with what the API answered."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

#: The page's own documents ask for these; a test asks the API the same to know the answer.
USAGE = """query($range: DateRangeInput, $agent: ID) { viewer { workspace { usage(range: $range, agent: $agent) {
  range { start end timezone }
  summary { creditsUsed messages conversations
            chatbotsUsed { used available } teamMembersUsed { used available } }
  tiles { creditType used allotted status agentUsed ratio period { start end } }
  dailyBurn { date credits messages }
  topAssistants(limit: 5) { assistant { id name archived } conversations }
  byChannel { channel conversations }
  recentActivity(first: 20) { edges { node {
    id channel messages startedAt endedAt lastActivityAt } } }
} } } }"""  # noqa: E501


def credits(value: str | Decimal) -> str:
    return f"{Decimal(value):,.2f}"


def count(value: int) -> str:
    return f"{value:,}"


def day(iso: str, year: bool = False) -> str:
    d = date.fromisoformat(iso)
    text = f"{d:%b} {d.day}"
    return f"{text}, {d.year}" if year or d.year != datetime.now(UTC).year else text


def span(start: str, end: str) -> str:
    year = any(date.fromisoformat(d).year != datetime.now(UTC).year for d in (start, end))
    return day(start, year) if start == end else f"{day(start, year)} – {day(end, year)}"


def usage_of(data: dict[str, Any]) -> dict[str, Any]:
    usage: dict[str, Any] = data["viewer"]["workspace"]["usage"]
    return usage

"""Reading every field a tenant's data can reach: the whole Usage page (every filter, every
ranking, every page of every list), every object by its id, and the admin console."""

from __future__ import annotations

from typing import Any

from tests.api import Api
from tests.dashboard import CONSOLE

FULL_PAGE = """
query Full($id: ID!, $range: DateRangeInput, $agent: ID, $after: String, $by: VolumeMetric!) {
  workspace(id: $id) {
    id name timezone billingAnchorDay
    plan { code name grants { creditType perPeriod } }
    assistants(first: 10, includeArchived: true) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node {
        ...A
        conversations(range: $range, first: 10) {
          totalCount
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          edges { cursor node { ...C } }
        }
      } }
    }
    usage(range: $range, agent: $agent) {
      range { start end days timezone }
      agent { ...A }
      asOf
      hasData
      summary {
        creditsUsed messages conversations
        chatbotsUsed { used available }
        teamMembersUsed { used available }
      }
      tiles {
        creditType label unit used allotted remaining ratio status
        period { start end }
        forecast { dailyRate projectedUsed depletesOn }
      }
      dailyBurn { date credits messages conversations }
      topAssistants(limit: 50, by: $by) {
        assistant { ...A } conversations messages credits share
      }
      byChannel { channel conversations share }
      recentActivity(first: 100, after: $after) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { ...C } }
      }
    }
  }
}
fragment A on Assistant { id externalId name archived createdAt archivedAt }
fragment C on Conversation {
  id externalId when type channel messages startedAt lastActivityAt endedAt
  assistant { ...A }
  contact { id externalId displayName }
}"""

NODE = """
query($id: ID!) {
  node(id: $id) {
    id
    ... on Workspace { name timezone billingAnchorDay }
    ... on Assistant { externalId name archived createdAt archivedAt }
    ... on Conversation { externalId when messages startedAt lastActivityAt endedAt }
    ... on Contact { externalId displayName }
  }
}"""

METRICS = ("CONVERSATIONS", "MESSAGES", "CREDITS")
#: Pages of the activity list followed per reading (the first ones hold every kind of row).
PAGES = 3


async def read_everything(api: Api, ws: str, day_range: dict[str, str] | None) -> None:
    """Every field of the Usage page for this range, for all agents and for each one, in
    every ranking, following the activity list; then every object by its id, and the
    console. Fails on any error."""
    first = await _page(api, ws, day_range, None, None, "CONVERSATIONS")
    assistants = [e["node"]["id"] for e in first["assistants"]["edges"]]
    ids = {ws, *assistants}
    for agent in (None, *assistants):
        for by in METRICS:
            after = None
            for _ in range(PAGES):
                page = await _page(api, ws, day_range, agent, after, by)
                activity = page["usage"]["recentActivity"]
                for edge in activity["edges"]:
                    ids |= {edge["node"]["id"], edge["node"]["contact"]["id"]}
                if not activity["pageInfo"]["hasNextPage"]:
                    break
                after = activity["pageInfo"]["endCursor"]
    for some_id in sorted(ids):
        await api.ok(NODE, {"id": some_id})
    after = None
    while True:
        console = (await api.ok(CONSOLE, {"first": 20, "after": after}))["workspaces"]
        if not console["pageInfo"]["hasNextPage"]:
            break
        after = console["pageInfo"]["endCursor"]


async def _page(
    api: Api,
    ws: str,
    day_range: dict[str, str] | None,
    agent: str | None,
    after: str | None,
    by: str,
) -> dict[str, Any]:
    variables = {"id": ws, "range": day_range, "agent": agent, "after": after, "by": by}
    data = await api.ok(FULL_PAGE, variables)
    workspace: dict[str, Any] = data["workspace"]
    return workspace

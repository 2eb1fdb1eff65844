"""The Usage page's queries, as a frontend and an admin console send them."""

DASHBOARD = """
query Dashboard($id: ID!, $range: DateRangeInput, $agent: ID, $after: String) {
  workspace(id: $id) {
    usage(range: $range, agent: $agent) {
      range { start end days timezone }
      agent { id name }
      asOf
      hasData
      summary {
        creditsUsed messages conversations
        chatbotsUsed { used available }
        teamMembersUsed { used available }
      }
      tiles {
        creditType label unit used allotted remaining ratio status agentUsed
        period { start end }
        forecast { dailyRate projectedUsed depletesOn }
      }
      dailyBurn { date credits messages conversations }
      topAssistants(limit: 5, by: CONVERSATIONS) {
        assistant { id name } conversations messages credits share
      }
      byChannel { channel conversations share }
      recentActivity(first: 20, after: $after) {
        totalCount
        edges { cursor node {
          id when type channel messages
          assistant { id name }
          contact { id externalId displayName }
        } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}"""

CONSOLE = """
query Console($first: Int!, $after: String) {
  workspaces(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id name timezone plan { code }
      usage {
        hasData
        summary { creditsUsed conversations }
        tiles { creditType used allotted status forecast { depletesOn } }
      }
    } }
  }
}"""

// The page's GraphQL: one request for every figure on the page, one per "load more".
// Every field asked for here is shown somewhere on the page, and nothing else.

const ACTIVITY_PAGE = `
fragment ActivityPage on ConversationConnection {
  edges { node {
    id when type channel messages startedAt endedAt lastActivityAt
    assistant { name }
    contact { externalId displayName }
  } }
  pageInfo { hasNextPage endCursor }
}`;

const PAGE_FIELDS = `
fragment UsagePage on Workspace {
  id
  name
  assistants(first: 100, includeArchived: true) { edges { node { id name archived } } }
  usage(range: $range, agent: $agent) {
    range { start end timezone }
    hasData
    summary {
      creditsUsed messages conversations
      chatbotsUsed { used available }
      teamMembersUsed { used available }
    }
    tiles {
      creditType label unit used allotted status agentUsed
      period { start end }
      forecast { depletesOn }
    }
    dailyBurn { date credits messages }
    topAssistants(limit: 5) { assistant { id name archived } conversations }
    byChannel { channel conversations }
    recentActivity(first: 20) { ...ActivityPage }
  }
}${ACTIVITY_PAGE}`;

// A workspace key reads its own workspace through `viewer`; an admin key names one.
const BY_VIEWER = `query UsagePage($range: DateRangeInput, $agent: ID) {
  viewer { workspace { ...UsagePage } }
}${PAGE_FIELDS}`;

const BY_ID = `query UsagePageOf($id: ID!, $range: DateRangeInput, $agent: ID) {
  workspace(id: $id) { ...UsagePage }
}${PAGE_FIELDS}`;

const MORE_ACTIVITY = `query MoreActivity($id: ID!, $range: DateRangeInput, $agent: ID, $after: String) {
  workspace(id: $id) { usage(range: $range, agent: $agent) {
    recentActivity(first: 20, after: $after) { ...ActivityPage }
  } }
}${ACTIVITY_PAGE}`;

export class ApiError extends Error {
  /** `message` is the server's own text; the page shows words chosen by `code` (errors.js). */
  constructor(message, code, { status = null, retryAfter = null, requestId = null } = {}) {
    super(message);
    this.code = code;
    this.status = status;
    this.retryAfter = retryAfter;
    this.requestId = requestId;
  }
}

async function ask(key, query, variables) {
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/graphql-response+json, application/json",
        Authorization: `Bearer ${key}`,
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new ApiError("The server could not be reached.", "NETWORK");
  }
  let body;
  try {
    body = await response.json();
  } catch (error) {
    throw new ApiError(`The server answered ${response.status}.`, "HTTP", { status: response.status });
  }
  const first = (body.errors || [])[0];
  if (first) {
    const extensions = first.extensions || {};
    const header = Number(response.headers.get("Retry-After"));
    throw new ApiError(first.message, extensions.code || "UNKNOWN", {
      status: response.status,
      retryAfter: extensions.retryAfterSeconds ?? (extensions.cost || {}).retryAfterSeconds ?? (header || null),
      requestId: extensions.requestId || response.headers.get("X-Request-Id"),
    });
  }
  return body.data;
}

// The page's figures for a workspace (by id, or the key's own when `workspaceId` is empty).
export async function loadPage(key, workspaceId, range, agent) {
  const variables = { range: range || null, agent: agent || null };
  if (workspaceId) {
    const data = await ask(key, BY_ID, { ...variables, id: workspaceId });
    if (!data.workspace) throw new ApiError("No workspace with this id.", "NOT_FOUND");
    return data.workspace;
  }
  const data = await ask(key, BY_VIEWER, variables);
  if (!data.viewer.workspace) {
    throw new ApiError(
      "This key reads every workspace: enter the id of the one to show.",
      "NEEDS_WORKSPACE",
    );
  }
  return data.viewer.workspace;
}

export async function loadMoreActivity(key, workspaceId, range, agent, after) {
  const data = await ask(key, MORE_ACTIVITY, {
    id: workspaceId,
    range,
    agent: agent || null,
    after,
  });
  return data.workspace.usage.recentActivity;
}

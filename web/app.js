// The Usage page: the key, the view (agent, range, metric, kept in the address bar), one
// GraphQL request per view, and what a failed request says and does.
import { ApiError, loadMoreActivity, loadPage } from "./api.js";
import { renderBurn } from "./burn.js";
import { $, make } from "./dom.js";
import { countdown, explain } from "./errors.js";
import { addDays, span, today } from "./format.js";
import { renderTiles } from "./tiles.js";
import { checkRange, readView, writeView } from "./view.js";
import { renderActivity, renderChannels, renderLinks, renderSummary, renderTop } from "./widgets.js";

const KEY = "burnrate.key";
const WORKSPACE = "burnrate.workspace";
/** How long typing may pause before a date range is applied. */
const TYPING_PAUSE_MS = 800;

const config = JSON.parse($("#page-config").textContent || "{}");
const maxDays = config.maxRangeDays || 366;

const state = {
  key: null,
  workspaceId: "",
  view: readView(location.search, { maxDays }), // what the user asked for
  page: null, // the last answer: the workspace with its usage
  shown: null, // the view of that answer
  activity: [],
  cursor: null,
  timezone: "UTC",
  requests: 0,
  retry: { timer: null, attempt: 0 },
  typing: null, // the pause timer while a date is being typed
  editing: false, // the date inputs hold what the user typed, not yet applied
};

function moment(isoDateTime) {
  return new Date(isoDateTime).toLocaleString(undefined, {
    timeZone: state.timezone,
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** The address bar shows the view; the key is never in it. */
function showViewInAddress() {
  history.replaceState(null, "", location.pathname + writeView(state.view));
}

// --- the key -----------------------------------------------------------------------------

function readCredentials() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("key")) {
    localStorage.setItem(KEY, fragment.get("key"));
    localStorage.setItem(WORKSPACE, fragment.get("workspace") || "");
  }
  showViewInAddress(); // the fragment (and anything that is not the view) leaves the URL
  state.key = localStorage.getItem(KEY);
  state.workspaceId = localStorage.getItem(WORKSPACE) || "";
}

function askForKey(message = "") {
  const dialog = $("#key-dialog");
  $("#key-error").textContent = message;
  const form = $("#key-form");
  form.elements.key.value = state.key || "";
  form.elements.workspace.value = state.workspaceId;
  if (!dialog.open) dialog.showModal();
  form.elements[message && state.key ? "workspace" : "key"].focus();
}

$("#key-form").addEventListener("submit", () => {
  const form = $("#key-form");
  state.key = form.elements.key.value.trim();
  state.workspaceId = form.elements.workspace.value.trim();
  localStorage.setItem(KEY, state.key);
  localStorage.setItem(WORKSPACE, state.workspaceId);
  state.view = { ...state.view, agent: "", range: null };
  state.editing = false;
  refresh();
});
$("#change-key").addEventListener("click", () => askForKey());

// --- loading -----------------------------------------------------------------------------

function cancelRetry() {
  clearTimeout(state.retry.timer);
  state.retry.timer = null;
}

async function refresh({ retrying = false } = {}) {
  cancelRetry();
  if (!retrying) state.retry.attempt = 0;
  showViewInAddress();
  if (!state.key) {
    askForKey();
    return;
  }
  const main = $("#main");
  main.setAttribute("aria-busy", "true");
  const view = { ...state.view };
  const ticket = ++state.requests; // answers that arrive after a newer request are dropped
  try {
    const workspace = await loadPage(state.key, state.workspaceId, view.range, view.agent);
    if (ticket !== state.requests) return;
    state.page = workspace;
    state.shown = view;
    state.retry.attempt = 0;
    main.removeAttribute("data-stale");
    showState(workspace.usage.hasData ? null : "empty");
    render(workspace);
  } catch (error) {
    if (ticket !== state.requests) return;
    failed(error, view);
  } finally {
    if (ticket === state.requests) main.setAttribute("aria-busy", "false");
  }
}

function failed(error, view) {
  if (error instanceof ApiError && (error.code === "UNAUTHENTICATED" || error.code === "NEEDS_WORKSPACE")) {
    askForKey(error.code === "UNAUTHENTICATED" ? "This key was not accepted." : error.message);
    showState(null);
    return;
  }
  if (error instanceof ApiError && error.code === "NOT_FOUND" && view.agent) {
    // A shared link can name an assistant this workspace does not have (any more).
    state.view = { ...state.view, agent: "" };
    $("#notice").textContent = "The agent in this link isn't in this workspace: showing all agents.";
    refresh();
    return;
  }
  const agent = view.agent ? ` (${agentName(view.agent)})` : "";
  const range = view.range || defaultRange();
  $("#error-range").textContent = `${span(range.start, range.end)}${agent}`;
  $("#error-stale").textContent = state.shown
    ? `The figures below are still those of ${span(state.page.usage.range.start, state.page.usage.range.end)}.`
    : "";
  $("#error-server").textContent = error.message || "";
  $("#error-request").textContent = error.requestId ? `Request id ${error.requestId}.` : "";
  $("#main").setAttribute("data-stale", "true");
  const { text, retryIn } = explain(error, state.retry.attempt);
  $("#error-detail").textContent = text;
  showState("error");
  if (retryIn !== null) countDown(error, retryIn);
}

/** "retrying in 3 s", "2 s", "1 s", then the same request again. */
function countDown(error, seconds) {
  let left = seconds;
  const tick = () => {
    left -= 1;
    if (left <= 0) {
      state.retry.attempt += 1;
      refresh({ retrying: true });
      return;
    }
    $("#error-detail").textContent = countdown(error, left);
    state.retry.timer = setTimeout(tick, 1000);
  };
  state.retry.timer = setTimeout(tick, 1000);
}

/** The range the server picks when none is given: the last 30 days, today included. */
function defaultRange() {
  const end = today(state.timezone);
  return { start: addDays(end, -29), end };
}

function showState(which) {
  for (const region of document.querySelectorAll("[data-state]")) {
    region.hidden = region.dataset.state !== which;
  }
}

function agentName(id) {
  const option = [...$("[data-filter=agent]").options].find((o) => o.value === id);
  return option ? option.textContent : "the chosen agent";
}

// --- rendering ---------------------------------------------------------------------------

function render(workspace) {
  const usage = workspace.usage;
  state.timezone = usage.range.timezone;
  $("#workspace-name").textContent = `${workspace.name} · ${usage.range.timezone}`;
  const [start, end] = [$("[data-filter=start]"), $("[data-filter=end]")];
  if (!state.editing) {
    // The dates answered for, unless the user is typing other ones right now.
    start.value = usage.range.start;
    end.value = usage.range.end;
    showRangeProblem("");
  }
  const max = today(usage.range.timezone);
  start.max = max;
  end.max = max;
  renderAgents(workspace.assistants.edges.map((e) => e.node));
  renderTiles($("#tiles"), usage.tiles);
  renderSummary(usage);
  renderBurn(usage, state.view.metric);
  renderTop(usage.topAssistants, usage.summary.conversations, state.shown.agent, chooseAgent);
  renderChannels(usage.byChannel);
  state.activity = [];
  appendActivity(usage.recentActivity);
}

function renderAgents(assistants) {
  const select = $("[data-filter=agent]");
  const live = assistants.filter((a) => !a.archived);
  const archived = assistants.filter((a) => a.archived);
  const options = [make("option", { value: "", text: "All agents" })];
  options.push(...live.map((a) => make("option", { value: a.id, text: a.name })));
  if (archived.length) {
    const group = make("optgroup", { label: "Archived" });
    group.append(...archived.map((a) => make("option", { value: a.id, text: a.name })));
    options.push(group);
  }
  select.replaceChildren(...options);
  select.value = state.shown.agent;
}

function chooseAgent(id) {
  state.view = { ...state.view, agent: id };
  $("#notice").textContent = "";
  refresh();
}

function appendActivity(connection) {
  state.activity.push(...connection.edges.map((edge) => edge.node));
  state.cursor = connection.pageInfo.endCursor;
  renderActivity(state.activity, moment, connection.pageInfo.hasNextPage);
}

$("#load-more").addEventListener("click", async () => {
  const button = $("#load-more");
  button.disabled = true;
  try {
    const shown = state.page;
    const range = { start: shown.usage.range.start, end: shown.usage.range.end };
    const more = await loadMoreActivity(state.key, shown.id, range, state.shown.agent, state.cursor);
    if (shown === state.page) appendActivity(more); // not if the filters changed meanwhile
  } catch (error) {
    $("#error-range").textContent = "the next rows of activity";
    $("#error-stale").textContent = "";
    $("#error-detail").textContent = explain(error).text;
    showState("error");
  } finally {
    button.disabled = false;
  }
});

// --- filters -----------------------------------------------------------------------------

for (const button of document.querySelectorAll("[data-metric]")) {
  button.addEventListener("click", () => {
    state.view = { ...state.view, metric: button.dataset.metric };
    showViewInAddress();
    if (state.page) renderBurn(state.page.usage, state.view.metric);
  });
}

$("[data-filter=agent]").addEventListener("change", (event) => chooseAgent(event.target.value));

function showRangeProblem(problem) {
  $("#range-problem").textContent = problem;
  for (const input of document.querySelectorAll("[data-filter=start], [data-filter=end]")) {
    if (problem) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
}

/**
 * Applies the typed range once both dates are valid, when typing pauses or the user leaves
 * the field (or presses Enter); a range the API would refuse is explained, never sent.
 */
function applyDates({ leaving }) {
  clearTimeout(state.typing);
  const start = $("[data-filter=start]");
  const end = $("[data-filter=end]");
  const checked = checkRange(start.value, end.value, { max: start.max || null, maxDays });
  if (!checked.range) {
    if (!checked.incomplete || leaving) showRangeProblem(checked.problem);
    return; // still being edited: an answer arriving now leaves the inputs alone
  }
  state.editing = false;
  showRangeProblem("");
  const asked = state.view.range;
  const answered = state.page && state.page.usage.range;
  const same = (r) => r && r.start === checked.range.start && r.end === checked.range.end;
  if (same(asked) || (!asked && same(answered))) return;
  state.view = { ...state.view, range: checked.range };
  refresh();
}

for (const name of ["start", "end"]) {
  const input = $(`[data-filter=${name}]`);
  input.addEventListener("input", () => {
    state.editing = true;
    clearTimeout(state.typing);
    state.typing = setTimeout(() => applyDates({ leaving: false }), TYPING_PAUSE_MS);
  });
  input.addEventListener("blur", () => applyDates({ leaving: true }));
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") applyDates({ leaving: true });
  });
}
$("#filters").addEventListener("submit", (event) => event.preventDefault());
$("#retry").addEventListener("click", () => refresh());

// The skip link moves focus (not only the scroll position) to the figures.
$(".skip").addEventListener("click", (event) => {
  event.preventDefault();
  $("#main").focus();
});

renderLinks(config.links || {});
readCredentials();
refresh();

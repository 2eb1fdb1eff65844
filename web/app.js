// The Usage page: filters, one GraphQL request for the figures, and the five widgets.
import { ApiError, loadMoreActivity, loadPage } from "./api.js";
import { donut, lineChart } from "./charts.js";

const KEY = "burnrate.key";
const WORKSPACE = "burnrate.workspace";

const CHANNELS = {
  WEB_CHAT: ["Web chat", "#1f5fbf"],
  WHATSAPP: ["WhatsApp", "#2f9e5b"],
  PHONE: ["Phone", "#8e44ad"],
  SMS: ["SMS", "#d35400"],
  MESSENGER: ["Messenger", "#0f8fa8"],
  INSTAGRAM: ["Instagram", "#c2185b"],
  TELEGRAM: ["Telegram", "#5d6d7e"],
};
const STATUS_TEXT = { OK: "OK", WARNING: "Near limit", CRITICAL: "At limit" };

const $ = (selector) => document.querySelector(selector);
const state = {
  key: null,
  workspaceId: "",
  agent: "",
  metric: "credits",
  page: null, // the last answer: workspace with usage
  activity: [],
  cursor: null,
  timezone: "UTC",
  requests: 0,
};

function number(value, digits = 2) {
  return Number(value).toLocaleString(undefined, { maximumFractionDigits: digits });
}

function day(isoDate, options = { month: "short", day: "numeric" }) {
  return new Date(`${isoDate}T00:00:00Z`).toLocaleDateString(undefined, { timeZone: "UTC", ...options });
}

function moment(isoDateTime) {
  return new Date(isoDateTime).toLocaleString(undefined, {
    timeZone: state.timezone,
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

function make(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

// --- the key -----------------------------------------------------------------------------

function readCredentials() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("key")) {
    localStorage.setItem(KEY, fragment.get("key"));
    localStorage.setItem(WORKSPACE, fragment.get("workspace") || "");
    history.replaceState(null, "", location.pathname + location.search); // the key leaves the URL
  }
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
  state.agent = "";
  refresh({ resetRange: true });
});
$("#change-key").addEventListener("click", () => askForKey());

// --- loading -----------------------------------------------------------------------------

function chosenRange() {
  const start = $("[data-filter=start]").value;
  const end = $("[data-filter=end]").value;
  return start && end ? { start, end } : null;
}

async function refresh({ resetRange = false } = {}) {
  if (!state.key) {
    askForKey();
    return;
  }
  const main = $("#main");
  main.setAttribute("aria-busy", "true");
  const ticket = ++state.requests; // answers that arrive after a newer request are dropped
  try {
    const range = resetRange ? null : chosenRange();
    const workspace = await loadPage(state.key, state.workspaceId, range, state.agent);
    if (ticket !== state.requests) return;
    state.page = workspace;
    showState(workspace.usage.hasData ? null : "empty");
    render(workspace);
  } catch (error) {
    if (ticket !== state.requests) return;
    if (error instanceof ApiError && (error.code === "UNAUTHENTICATED" || error.code === "NEEDS_WORKSPACE")) {
      askForKey(error.code === "UNAUTHENTICATED" ? "This key was not accepted." : error.message);
      showState(null);
    } else {
      $("#error-detail").textContent = error instanceof ApiError ? error.message : "";
      showState("error");
    }
  } finally {
    if (ticket === state.requests) main.setAttribute("aria-busy", "false");
  }
}

function showState(which) {
  for (const region of document.querySelectorAll("[data-state]")) {
    region.hidden = region.dataset.state !== which;
  }
}

// --- rendering ---------------------------------------------------------------------------

function render(workspace) {
  const usage = workspace.usage;
  state.timezone = usage.range.timezone;
  $("#workspace-name").textContent = `${workspace.name} · ${day(usage.range.start)} – ${day(usage.range.end, {
    month: "short",
    day: "numeric",
    year: "numeric",
  })} (${usage.range.timezone})`;
  $("[data-filter=start]").value = usage.range.start;
  $("[data-filter=end]").value = usage.range.end;
  renderAgents(workspace.assistants.edges.map((e) => e.node));
  renderTiles(usage.tiles);
  renderBurn();
  renderTop(usage.topAssistants);
  renderChannels(usage.byChannel);
  state.activity = [];
  appendActivity(usage.recentActivity);
}

function renderAgents(assistants) {
  const select = $("[data-filter=agent]");
  const options = [make("option", { value: "", text: "All agents" })];
  for (const assistant of assistants) {
    options.push(make("option", { value: assistant.id, text: assistant.name }));
  }
  if (state.agent && !assistants.some((a) => a.id === state.agent)) {
    options.push(make("option", { value: state.agent, text: "Archived assistant" }));
  }
  select.replaceChildren(...options);
  select.value = state.agent;
}

function renderTiles(tiles) {
  const list = $("#tiles");
  list.replaceChildren(
    ...tiles.map((tile) => {
      const allotted = Number(tile.allotted);
      const used = Number(tile.used);
      const ratio = allotted > 0 ? Math.min(used / allotted, 1) : used > 0 ? 1 : 0;
      const bar = make("div", {
        class: "bar",
        role: "meter",
        "aria-valuemin": "0",
        "aria-valuemax": String(allotted),
        "aria-valuenow": String(Math.min(used, allotted)),
        "aria-label": `${tile.label}: ${number(used)} of ${number(allotted)} ${tile.unit} used`,
      });
      bar.append(make("span", { style: `width: ${(ratio * 100).toFixed(1)}%` }));
      const children = [
        make("h3", {}, tile.label, make("span", { class: "badge", text: STATUS_TEXT[tile.status] })),
        make(
          "p",
          { class: "figure" },
          `${number(used)} `,
          make("small", { text: `of ${number(allotted)} ${tile.unit}` }),
        ),
        bar,
      ];
      if (tile.forecast) {
        const text = tile.forecast.depletesOn
          ? `Runs out on ${day(tile.forecast.depletesOn, { weekday: "short", month: "short", day: "numeric" })}`
          : "Lasts the period at this rate";
        children.push(make("p", { class: "forecast", text }));
      }
      return make("li", { class: "tile", "data-tile": tile.creditType, "data-status": tile.status }, ...children);
    }),
  );
}

function renderBurn() {
  const usage = state.page.usage;
  const holder = $("#burn-chart");
  for (const button of document.querySelectorAll("[data-metric]")) {
    button.setAttribute("aria-pressed", String(button.dataset.metric === state.metric));
  }
  if (!usage.hasData) {
    holder.replaceChildren(make("p", { class: "empty-note", text: "No usage data for this period." }));
    return;
  }
  const credits = state.metric === "credits";
  const points = usage.dailyBurn.map((point) => {
    const value = Number(credits ? point.credits : point.messages);
    return { label: day(point.date), value, title: `${day(point.date)}: ${number(value)} ${state.metric}` };
  });
  const total = points.reduce((sum, p) => sum + p.value, 0);
  holder.replaceChildren(
    lineChart(points, {
      describe: `${credits ? "Credits" : "Messages"} per day, ${number(total)} in all over ${points.length} days`,
      format: (v) => number(v, 1),
    }),
  );
}

for (const button of document.querySelectorAll("[data-metric]")) {
  button.addEventListener("click", () => {
    state.metric = button.dataset.metric;
    if (state.page) renderBurn();
  });
}

function renderTop(rows) {
  const list = $("#top-assistants");
  if (!rows.length) {
    list.replaceChildren(make("li", { class: "empty-note", text: "No conversations in this period." }));
    return;
  }
  list.replaceChildren(
    ...rows.map((row) => {
      const chosen = row.assistant.id === state.agent;
      const button = make(
        "button",
        { type: "button", "aria-pressed": String(chosen), "data-assistant": row.assistant.id },
        make("span", { text: row.assistant.name }),
        make("span", { class: "count", text: `${number(row.conversations, 0)} · ${Math.round(row.share * 100)} %` }),
      );
      const share = make("span", { class: "share" });
      share.append(make("span", { style: `width: ${(row.share * 100).toFixed(1)}%` }));
      button.append(share);
      button.addEventListener("click", () => {
        state.agent = chosen ? "" : row.assistant.id;
        refresh();
      });
      return make("li", {}, button);
    }),
  );
}

function renderChannels(rows) {
  const slices = rows.map((row) => {
    const [label, color] = CHANNELS[row.channel] || [row.channel, "#777"];
    return { label, color, value: row.conversations, share: row.share };
  });
  $("#channel-donut").replaceChildren(
    donut(slices, { describe: slices.map((s) => `${s.label} ${Math.round(s.share * 100)} %`).join(", ") || "No conversations" }),
  );
  $("#channel-legend").replaceChildren(
    ...slices.map((s) =>
      make(
        "li",
        {},
        make("span", { class: "swatch", style: `background: ${s.color}` }),
        `${s.label} — ${number(s.value, 0)} (${Math.round(s.share * 100)} %)`,
      ),
    ),
  );
}

function appendActivity(connection) {
  state.activity.push(...connection.edges.map((edge) => edge.node));
  state.cursor = connection.pageInfo.endCursor;
  const rows = state.activity.map((c) => {
    const [channel] = CHANNELS[c.channel] || [c.channel];
    return make(
      "tr",
      {},
      make("td", {}, make("time", { datetime: c.when, text: moment(c.when) })),
      make("td", { text: c.type === "INBOUND" ? "Inbound" : "Outbound" }),
      make("td", { text: c.assistant.name }),
      make("td", { text: c.contact.displayName || c.contact.externalId }),
      make("td", { text: channel }),
      make("td", { class: "number", text: number(c.messages, 0) }),
    );
  });
  if (!rows.length) {
    rows.push(make("tr", {}, make("td", { colspan: "6", class: "empty-note", text: "No conversations in this period." })));
  }
  $("#activity-rows").replaceChildren(...rows);
  $("#load-more").hidden = !connection.pageInfo.hasNextPage;
}

$("#load-more").addEventListener("click", async () => {
  const button = $("#load-more");
  button.disabled = true;
  try {
    const shown = state.page;
    const range = { start: shown.usage.range.start, end: shown.usage.range.end };
    const more = await loadMoreActivity(state.key, shown.id, range, state.agent, state.cursor);
    if (shown === state.page) appendActivity(more); // not if the filters changed meanwhile
  } catch (error) {
    $("#error-detail").textContent = error instanceof ApiError ? error.message : "";
    showState("error");
  } finally {
    button.disabled = false;
  }
});

// --- filters -----------------------------------------------------------------------------

$("[data-filter=agent]").addEventListener("change", (event) => {
  state.agent = event.target.value;
  refresh();
});
for (const name of ["start", "end"]) {
  $(`[data-filter=${name}]`).addEventListener("change", () => {
    if (chosenRange()) refresh();
  });
}
$("#filters").addEventListener("submit", (event) => event.preventDefault());
$("#retry").addEventListener("click", () => refresh());

readCredentials();
refresh({ resetRange: true });

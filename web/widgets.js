// The range's widgets: summary figures, top assistants, channels, recent activity.
import { donut } from "./charts.js";
import { $, make } from "./dom.js";
import { callMinutes, count, credits, percent, percentages, span } from "./format.js";

export const CHANNELS = {
  WEB_CHAT: ["Web chat", "#1f5fbf"],
  WHATSAPP: ["WhatsApp", "#2f9e5b"],
  PHONE: ["Phone", "#8e44ad"],
  SMS: ["SMS", "#d35400"],
  MESSENGER: ["Messenger", "#0f8fa8"],
  INSTAGRAM: ["Instagram", "#c2185b"],
  TELEGRAM: ["Telegram", "#5d6d7e"],
};

const slot = ({ used, available }) => (available == null ? count(used) : `${count(used)} of ${count(available)}`);

/** The range's summary figures (seed 002), as visible text. */
export function renderSummary(usage) {
  const s = usage.summary;
  $("#summary-range").textContent = span(usage.range.start, usage.range.end);
  const figures = [
    ["credits", "Credits used", credits(s.creditsUsed)],
    ["messages", "Messages", count(s.messages)],
    ["conversations", "Conversations", count(s.conversations)],
    ["chatbots", "Chatbots used", slot(s.chatbotsUsed)],
    ["team-members", "Team members used", slot(s.teamMembersUsed)],
  ];
  $("#summary").replaceChildren(
    ...figures.map(([key, label, value]) =>
      make("div", { class: "figure-box", "data-figure": key }, make("dt", { text: label }), make("dd", { text: value })),
    ),
  );
}

/**
 * The top rows and, when they do not cover every conversation of the range, an "Other" row
 * with the rest (the assistants below the top five, archived ones included), each with a
 * whole percentage; the percentages add up to 100.
 */
export function withOther(rows, totalConversations) {
  const listed = rows.reduce((sum, r) => sum + r.conversations, 0);
  const all = rows.map((r) => ({ ...r }));
  if (totalConversations > listed) all.push({ other: true, conversations: totalConversations - listed });
  const shares = percentages(all.map((r) => r.conversations));
  return all.map((r, i) => ({ ...r, percent: shares[i], exact: totalConversations ? r.conversations / totalConversations : 0 }));
}

export function renderTop(rows, totalConversations, chosen, onChoose) {
  const list = $("#top-assistants");
  if (!rows.length) {
    list.replaceChildren(make("li", { class: "empty-note", text: "No conversations in this period." }));
    return;
  }
  list.replaceChildren(
    ...withOther(rows, totalConversations).map((row) => {
      const name = row.other ? "Other assistants" : row.assistant.name;
      const parts = [
        make("span", { class: "name" }, name, row.assistant && row.assistant.archived ? make("span", { class: "tag", text: "archived" }) : ""),
        make("span", { class: "count", text: `${count(row.conversations)} · ${percent(row.percent)}` }),
        make("span", { class: "share" }, make("span", { style: `width: ${(row.exact * 100).toFixed(1)}%` })),
      ];
      if (row.other) return make("li", {}, make("div", { class: "row other", "data-other": "" }, ...parts));
      const pressed = row.assistant.id === chosen;
      const button = make("button", { type: "button", class: "row", "aria-pressed": String(pressed), "data-assistant": row.assistant.id }, ...parts);
      button.addEventListener("click", () => onChoose(pressed ? "" : row.assistant.id));
      return make("li", {}, button);
    }),
  );
}

export function renderChannels(rows) {
  const shares = percentages(rows.map((r) => r.conversations));
  const slices = rows.map((row, i) => {
    const [label, color] = CHANNELS[row.channel] || [row.channel, "#777"];
    const text = `${label} — ${count(row.conversations)} (${percent(shares[i])})`;
    return { label, color, value: row.conversations, title: text, text };
  });
  const total = rows.reduce((sum, r) => sum + r.conversations, 0);
  $("#channel-donut").replaceChildren(
    donut(slices, {
      describe: slices.map((s) => s.text).join(", ") || "No conversations",
      totalText: count(total),
    }),
  );
  $("#channel-legend").replaceChildren(
    ...slices.map((s) => make("li", {}, make("span", { class: "swatch", style: `background: ${s.color}` }), s.text)),
  );
}

/** The Messages column: a call's minutes for phone conversations, else the messages. */
export function volume(conversation) {
  if (conversation.channel === "PHONE") {
    return callMinutes(conversation.startedAt, conversation.endedAt, conversation.lastActivityAt);
  }
  return count(conversation.messages);
}

export function renderActivity(conversations, moment, hasMore) {
  const rows = conversations.map((c) => {
    const [channel] = CHANNELS[c.channel] || [c.channel];
    return make(
      "tr",
      {},
      make("td", {}, make("time", { datetime: c.when, text: moment(c.when) })),
      make("td", { text: c.type === "INBOUND" ? "Inbound" : "Outbound" }),
      make("td", { text: c.assistant.name }),
      make("td", { text: c.contact.displayName || c.contact.externalId }),
      make("td", { text: channel }),
      make("td", { class: "number", text: volume(c) }),
    );
  });
  if (!rows.length) {
    rows.push(make("tr", {}, make("td", { colspan: "6", class: "empty-note", text: "No conversations in this period." })));
  }
  $("#activity-rows").replaceChildren(...rows);
  $("#load-more").hidden = !hasMore;
}

/** Links to the platform's other pages, from the server's settings; hidden when unset. */
export function renderLinks(links) {
  for (const anchor of document.querySelectorAll("a[data-link]")) {
    const url = links[anchor.dataset.link];
    if (url) anchor.href = url;
    anchor.closest("[data-link-item]").hidden = !url;
  }
  for (const group of document.querySelectorAll("[data-links]")) {
    group.hidden = !group.querySelector("[data-link-item]:not([hidden])");
  }
}

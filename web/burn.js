// The daily burn card: its range and total, the chart at the card's size, and the same
// points as a table (the chart's keyboard- and screen-reader-friendly alternative).
import { lineChart } from "./charts.js";
import { $, make } from "./dom.js";
import { count, credits, day, span } from "./format.js";

let shown = null; // { usage, metric }
let drawnSize = "";

const METRICS = {
  credits: { unit: "credits", format: credits, integer: false },
  messages: { unit: "messages", format: count, integer: true },
};

/** Axis ticks are round numbers: no decimals unless the step has them. */
function tickFormat(step) {
  const digits = Number.isInteger(step) ? 0 : 2;
  const format = new Intl.NumberFormat(undefined, { maximumFractionDigits: digits });
  return (value) => format.format(value);
}

function draw() {
  const holder = $("#burn-chart");
  if (!shown) return;
  const { usage, metric } = shown;
  drawnSize = `${holder.clientWidth}x${holder.clientHeight}`;
  if (!usage.hasData) {
    holder.replaceChildren(make("p", { class: "empty-note", text: "No usage data for this period." }));
    return;
  }
  const { unit, format, integer } = METRICS[metric];
  const points = usage.dailyBurn.map((point) => {
    const value = Number(point[metric]);
    return { label: day(point.date), value, text: `${day(point.date)}: ${format(value)} ${unit}` };
  });
  const total = points.reduce((sum, p) => sum + p.value, 0);
  const chart = lineChart(points, {
    width: holder.clientWidth,
    height: holder.clientHeight,
    integer,
    describe: `${unit[0].toUpperCase()}${unit.slice(1)} per day, ${format(total)} in all over ${points.length} days. Use the arrow keys to read each day.`,
    tickFormat,
    announce: (text) => ($("#burn-announce").textContent = text),
  });
  holder.replaceChildren(chart);
}

function table(usage) {
  const rows = usage.dailyBurn.map((p) =>
    make("tr", {}, make("th", { scope: "row", text: day(p.date) }), make("td", { class: "number", text: credits(p.credits) }),
         make("td", { class: "number", text: count(p.messages) })), // prettier-ignore
  );
  $("#burn-rows").replaceChildren(...rows);
  $("#burn-total-credits").textContent = credits(usage.summary.creditsUsed);
  $("#burn-total-messages").textContent = count(usage.summary.messages);
}

export function renderBurn(usage, metric) {
  shown = { usage, metric };
  for (const button of document.querySelectorAll("[data-metric]")) {
    button.setAttribute("aria-pressed", String(button.dataset.metric === metric));
  }
  const { unit, format } = METRICS[metric];
  const total = metric === "credits" ? usage.summary.creditsUsed : usage.summary.messages;
  $("#burn-caption").textContent = `${span(usage.range.start, usage.range.end)} · ${format(total)} ${unit} in all`;
  table(usage);
  draw();
}

// Redrawn at the card's new size (a phone turned, a window resized, the row grew).
new ResizeObserver(() => {
  const holder = $("#burn-chart");
  if (shown && `${holder.clientWidth}x${holder.clientHeight}` !== drawnSize) draw();
}).observe($("#burn-chart"));

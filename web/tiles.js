// The plan-health tiles: one per credit type of the plan, each naming its billing period.
import { amount, day, percent, span } from "./format.js";
import { make } from "./dom.js";

/** The badge of each status. */
export const STATUS_TEXT = { OK: "OK", WARNING: "Near limit", CRITICAL: "At limit", EXCEEDED: "Over limit" };

/**
 * The bar's two parts, as percentages of its width: `within` is the used part up to the
 * allotment, `over` the part beyond it. Past the allotment the whole bar stands for what was
 * used, so `within` ends where the allotment does and `over` fills the rest.
 */
export function barParts(used, allotted) {
  if (allotted > 0 && used > allotted) {
    const within = (allotted / used) * 100;
    return { within, over: 100 - within };
  }
  if (allotted > 0) return { within: (used / allotted) * 100, over: 0 };
  return { within: 0, over: used > 0 ? 100 : 0 };
}

function bar(tile, used, allotted) {
  const { within, over } = barParts(used, allotted);
  const meter = make("div", {
    class: "bar",
    role: "meter",
    "aria-valuemin": "0",
    "aria-valuemax": String(allotted),
    "aria-valuenow": String(Math.min(used, allotted)),
    "aria-valuetext": `${amount(used, tile.creditType)} of ${amount(allotted, tile.creditType)} ${tile.unit}`,
    "aria-label": tile.label,
  });
  meter.append(make("span", { class: "bar-within", style: `width: ${within.toFixed(2)}%` }));
  if (over > 0) meter.append(make("span", { class: "bar-over", style: `width: ${over.toFixed(2)}%` }));
  return meter;
}

function tileItem(tile) {
  const used = Number(tile.used);
  const allotted = Number(tile.allotted);
  const share = allotted > 0 ? make("span", { class: "ratio", text: percent(Math.round((used / allotted) * 100)) }) : "";
  const children = [
    make("h3", {}, make("span", { text: tile.label }), make("span", { class: "badge", text: STATUS_TEXT[tile.status] || tile.status })),
    make("p", { class: "figure" }, `${amount(used, tile.creditType)} `,
         make("small", { text: `of ${amount(allotted, tile.creditType)} ${tile.unit}` })), // prettier-ignore
    bar(tile, used, allotted),
    make("p", { class: "meta" },
         make("span", { class: "period" }, make("span", { class: "visually-hidden", text: "Billing period " }),
              span(tile.period.start, tile.period.end)),
         share), // prettier-ignore
  ];
  if (tile.agentUsed !== null && tile.agentUsed !== undefined) {
    // The pool is the workspace's: with an agent chosen, its part is named, the band and the
    // forecast stay the pool's.
    children.push(make("p", { class: "agent-part", text: `this agent: ${amount(Number(tile.agentUsed), tile.creditType)} of it` }));
  }
  if (tile.forecast) {
    const text = tile.forecast.depletesOn
      ? `Runs out on ${day(tile.forecast.depletesOn, { weekday: true })}`
      : "Lasts the period at this rate";
    children.push(make("p", { class: "forecast", text }));
  }
  return make("li", { class: "tile", "data-tile": tile.creditType, "data-status": tile.status }, ...children);
}

export function renderTiles(list, tiles) {
  list.replaceChildren(...tiles.map(tileItem));
}

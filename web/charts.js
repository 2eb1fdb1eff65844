// Hand-drawn SVG charts: a line chart of one series over days (drawn at the pixel size of its
// card, with a crosshair on hover and focus), and a donut.

const SVG = "http://www.w3.org/2000/svg";
const CHAR_WIDTH = 7; // about one character of the 12px axis text

function el(name, attributes = {}, text = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== null) node.textContent = text;
  return node;
}

/**
 * The value axis for a peak: a round step (1, 2, 2.5 or 5 times a power of ten; whole for
 * counts) and the first multiple of it at or above the peak, in at most `ticks` steps.
 */
export function niceScale(max, { ticks = 4, integer = false } = {}) {
  const peak = max > 0 ? max : integer ? ticks : 1;
  const power = 10 ** Math.floor(Math.log10(peak / ticks));
  for (const power10 of [power, power * 10]) {
    for (const multiple of [1, 2, 2.5, 5]) {
      const step = multiple * power10;
      if (integer && !Number.isInteger(step)) continue;
      const steps = Math.ceil(peak / step - 1e-9);
      if (steps <= ticks) return { step, top: Number((steps * step).toPrecision(12)) };
    }
  }
  return { step: peak, top: peak };
}

/** Indices of `count` evenly spread labels among `length` points, first and last included. */
export function labelIndices(length, count) {
  if (length <= 1) return length ? [0] : [];
  const n = Math.max(2, Math.min(count, length));
  const out = new Set();
  for (let k = 0; k < n; k += 1) out.add(Math.round((k * (length - 1)) / (n - 1)));
  return [...out];
}

/**
 * points: [{label, value, text}] (`text` is what the crosshair says, "Nov 12: 1,234.56 credits").
 * Drawn `width` × `height` pixels, so its text keeps its size on every screen. `announce` is
 * called with the crosshair's text, for a live region; `tickFormat(step)` formats the axis.
 */
export function lineChart(points, { width, height, describe, integer, tickFormat, announce }) {
  const svg = el("svg", {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": describe,
    class: "line-chart",
    tabindex: 0,
  });
  const { step, top } = niceScale(Math.max(0, ...points.map((p) => p.value)), { integer });
  const tick = tickFormat(step);
  const ticks = [];
  for (let k = 0; k * step <= top + 1e-9; k += 1) ticks.push(Number((k * step).toPrecision(12)));
  const longest = Math.max(...ticks.map((t) => tick(t).length));
  const pad = { left: 14 + longest * CHAR_WIDTH, right: 12, top: 12, bottom: 28 };
  const innerWidth = Math.max(10, width - pad.left - pad.right);
  const innerHeight = Math.max(10, height - pad.top - pad.bottom);
  const x = (i) => pad.left + (points.length > 1 ? (i * innerWidth) / (points.length - 1) : innerWidth / 2);
  const y = (v) => pad.top + innerHeight - (v / top) * innerHeight;

  for (const value of ticks) {
    svg.append(el("line", { x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value), class: "grid" }));
    svg.append(el("text", { x: pad.left - 8, y: y(value) + 4, class: "axis value-tick", "text-anchor": "end" }, tick(value)));
  }
  const longestLabel = Math.max(...points.map((p) => p.label.length), 1);
  for (const i of labelIndices(points.length, Math.floor(innerWidth / (longestLabel * CHAR_WIDTH + 24)))) {
    const anchor = points.length === 1 ? "middle" : i === 0 ? "start" : i === points.length - 1 ? "end" : "middle";
    svg.append(el("text", { x: x(i), y: height - 8, class: "axis day-tick", "text-anchor": anchor }, points[i].label));
  }
  const path = points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
  const last = points.length - 1;
  svg.append(el("path", { d: `${path} L${x(last).toFixed(1)},${y(0)} L${x(0).toFixed(1)},${y(0)} Z`, class: "area" }));
  svg.append(el("path", { d: path, class: "line" }));
  if (innerWidth / Math.max(points.length, 1) >= 8) {
    points.forEach((p, i) => svg.append(el("circle", { cx: x(i), cy: y(p.value), r: 2.5, class: "dot" })));
  }
  crosshair(svg, points, { x, y, pad, width, height, announce });
  return svg;
}

/** The crosshair: follows the pointer, and the arrow keys when the chart has focus. */
function crosshair(svg, points, { x, y, pad, width, height, announce }) {
  const group = el("g", { class: "crosshair", visibility: "hidden" });
  const line = el("line", { y1: pad.top, y2: height - pad.bottom, class: "crosshair-line" });
  const dot = el("circle", { r: 4.5, class: "crosshair-dot" });
  const box = el("rect", { rx: 4, height: 24, class: "crosshair-box" });
  const label = el("text", { class: "crosshair-text" });
  group.append(line, dot, box, label);
  const hit = el("rect", { x: pad.left, y: pad.top, width: width - pad.left - pad.right,
                            height: height - pad.top - pad.bottom, fill: "transparent" }); // prettier-ignore
  svg.append(group, hit);
  let current = null;

  function show(i) {
    current = Math.max(0, Math.min(points.length - 1, i));
    const point = points[current];
    const px = x(current);
    const py = y(point.value);
    line.setAttribute("x1", px);
    line.setAttribute("x2", px);
    dot.setAttribute("cx", px);
    dot.setAttribute("cy", py);
    label.textContent = point.text;
    const boxWidth = point.text.length * CHAR_WIDTH + 16;
    const left = Math.min(Math.max(px - boxWidth / 2, 0), width - boxWidth);
    box.setAttribute("x", left);
    box.setAttribute("y", pad.top);
    box.setAttribute("width", boxWidth);
    label.setAttribute("x", left + 8);
    label.setAttribute("y", pad.top + 16);
    group.setAttribute("visibility", "visible");
    svg.dataset.crosshair = point.label;
    announce(point.text);
  }
  function hide() {
    group.setAttribute("visibility", "hidden");
    delete svg.dataset.crosshair;
  }
  function nearest(event) {
    const bounds = svg.getBoundingClientRect();
    const px = ((event.clientX - bounds.left) * width) / bounds.width;
    const spacing = points.length > 1 ? (x(1) - x(0)) : 1;
    return Math.round((px - x(0)) / spacing);
  }
  svg.addEventListener("pointermove", (event) => show(nearest(event)));
  svg.addEventListener("pointerleave", () => {
    if (document.activeElement === svg) return;
    hide();
    current = null; // the keyboard starts again from the last day
  });
  svg.addEventListener("focus", () => show(current ?? points.length - 1));
  svg.addEventListener("blur", hide);
  svg.addEventListener("keydown", (event) => {
    const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowDown: -1, ArrowUp: 1 };
    if (event.key in moves) show((current ?? points.length - 1) + moves[event.key]);
    else if (event.key === "Home") show(0);
    else if (event.key === "End") show(points.length - 1);
    else return;
    event.preventDefault();
  });
}

// slices: [{value, color, title}]; `totalText` is written in the middle; the caller builds the legend.
export function donut(slices, { describe, totalText }) {
  const size = 200;
  const radius = 80;
  const stroke = 32;
  const circumference = 2 * Math.PI * radius;
  const total = slices.reduce((sum, s) => sum + s.value, 0);
  const svg = el("svg", { viewBox: `0 0 ${size} ${size}`, role: "img", "aria-label": describe, class: "donut" });
  svg.append(el("circle", { cx: size / 2, cy: size / 2, r: radius, class: "donut-track", "stroke-width": stroke, fill: "none" }));
  let offset = 0;
  for (const slice of slices) {
    const length = total > 0 ? (slice.value / total) * circumference : 0;
    const arc = el("circle", {
      cx: size / 2,
      cy: size / 2,
      r: radius,
      fill: "none",
      stroke: slice.color,
      "stroke-width": stroke,
      "stroke-dasharray": `${length} ${circumference - length}`,
      "stroke-dashoffset": -offset,
      transform: `rotate(-90 ${size / 2} ${size / 2})`,
    });
    arc.append(el("title", {}, slice.title));
    svg.append(arc);
    offset += length;
  }
  svg.append(el("text", { x: size / 2, y: size / 2 - 2, "text-anchor": "middle", class: "donut-total" }, totalText));
  svg.append(el("text", { x: size / 2, y: size / 2 + 18, "text-anchor": "middle", class: "donut-caption" }, "conversations"));
  return svg;
}

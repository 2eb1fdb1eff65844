// Hand-drawn SVG charts: a line chart of one series over days, and a donut with a legend.

const SVG = "http://www.w3.org/2000/svg";

function el(name, attributes = {}, text = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== null) node.textContent = text;
  return node;
}

// points: [{label, value, title}]; returns an <svg> sized by its viewBox.
export function lineChart(points, { describe, format }) {
  const width = 720;
  const height = 240;
  const pad = { left: 56, right: 16, top: 16, bottom: 36 };
  const svg = el("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": describe,
    class: "line-chart",
  });
  const max = Math.max(...points.map((p) => p.value), 0);
  const top = max > 0 ? niceCeiling(max) : 1;
  const innerWidth = width - pad.left - pad.right;
  const innerHeight = height - pad.top - pad.bottom;
  const x = (i) => pad.left + (points.length > 1 ? (i * innerWidth) / (points.length - 1) : innerWidth / 2);
  const y = (v) => pad.top + innerHeight - (v / top) * innerHeight;

  for (const fraction of [0, 0.5, 1]) {
    const value = top * fraction;
    svg.append(el("line", { x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value), class: "grid" }));
    svg.append(el("text", { x: pad.left - 8, y: y(value) + 4, class: "axis", "text-anchor": "end" }, format(value)));
  }
  if (points.length) {
    const labels = points.length > 1 ? [0, Math.floor((points.length - 1) / 2), points.length - 1] : [0];
    for (const i of labels) {
      const anchor = i === 0 ? "start" : i === points.length - 1 ? "end" : "middle";
      svg.append(el("text", { x: x(i), y: height - 12, class: "axis", "text-anchor": anchor }, points[i].label));
    }
    const path = points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
    const area = `${path} L${x(points.length - 1).toFixed(1)},${y(0)} L${x(0).toFixed(1)},${y(0)} Z`;
    svg.append(el("path", { d: area, class: "area" }));
    svg.append(el("path", { d: path, class: "line" }));
    points.forEach((p, i) => {
      const dot = el("circle", { cx: x(i), cy: y(p.value), r: 3, class: "dot" });
      dot.append(el("title", {}, p.title));
      svg.append(dot);
    });
  }
  return svg;
}

function niceCeiling(value) {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

// slices: [{label, value, share, color}]; the legend is built by the caller.
export function donut(slices, { describe }) {
  const size = 200;
  const radius = 80;
  const stroke = 32;
  const circumference = 2 * Math.PI * radius;
  const svg = el("svg", { viewBox: `0 0 ${size} ${size}`, role: "img", "aria-label": describe, class: "donut" });
  svg.append(el("circle", { cx: size / 2, cy: size / 2, r: radius, class: "donut-track", "stroke-width": stroke, fill: "none" }));
  let offset = 0;
  for (const slice of slices) {
    const length = slice.share * circumference;
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
    arc.append(el("title", {}, `${slice.label}: ${slice.value}`));
    svg.append(arc);
    offset += length;
  }
  const total = slices.reduce((sum, s) => sum + s.value, 0);
  svg.append(el("text", { x: size / 2, y: size / 2 - 2, "text-anchor": "middle", class: "donut-total" }, total.toLocaleString()));
  svg.append(el("text", { x: size / 2, y: size / 2 + 18, "text-anchor": "middle", class: "donut-caption" }, "conversations"));
  return svg;
}

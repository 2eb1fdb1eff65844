// What the page shows (agent, range, metric): checked before anything is sent, and kept in
// the address bar (?agent=…&start=…&end=…&metric=messages) so a view can be reloaded and
// shared. The API key never goes there. Pure functions.
import { day, daysBetween } from "./format.js";

/** The first date the API accepts. */
export const MIN_DATE = "2000-01-01";
const ISO_DATE = /^(\d{4,6})-(\d{2})-(\d{2})$/;
const METRICS = ["credits", "messages"];

/** A real calendar date written YYYY-MM-DD (the value of an `<input type=date>`). */
export function isDate(text) {
  const match = ISO_DATE.exec(text || "");
  if (!match) return false;
  const [, y, m, d] = match.map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Compares two valid dates, also with years of more than four digits. */
function before(a, b) {
  return a.length === b.length ? a < b : a.length < b.length;
}

/**
 * A range as a user typed it: `{ range: {start, end} }` when the API would accept it,
 * `{ problem }` (a sentence to show beside the inputs) when not, and `{ incomplete: true }`
 * (with a problem to show once the user leaves the field) while a date is missing.
 * `max` is the last date a range may end on (today in the workspace), `maxDays` the longest.
 */
export function checkRange(start, end, { max = null, maxDays = 366 } = {}) {
  if (!start || !end) {
    return { incomplete: true, problem: start ? "Enter an end date." : "Enter a start date." };
  }
  if (!isDate(start) || !isDate(end)) return { problem: "Enter dates as shown, for example Nov 10, 2026." };
  if (before(start, MIN_DATE) || before(end, MIN_DATE)) {
    return { problem: `Usage starts on ${day(MIN_DATE, { year: true })}: pick a later date.` };
  }
  if (max && (before(max, start) || before(max, end))) {
    return { problem: `Dates can't be after today (${day(max, { year: true })}).` };
  }
  if (before(end, start)) return { problem: "The start date is after the end date." };
  const days = daysBetween(start, end) + 1;
  if (days > maxDays) {
    return { problem: `A range can be at most ${maxDays} days; this one has ${days}.` };
  }
  return { range: { start, end } };
}

/** The view in a query string; anything malformed is left out (the page's defaults apply). */
export function readView(search, { maxDays = 366 } = {}) {
  const params = new URLSearchParams(search);
  const agent = params.get("agent") || "";
  const view = { agent: agent.length <= 200 ? agent : "", range: null, metric: "credits" };
  const checked = checkRange(params.get("start"), params.get("end"), { maxDays });
  if (checked.range) view.range = checked.range;
  if (METRICS.includes(params.get("metric"))) view.metric = params.get("metric");
  return view;
}

/** The query string of a view: only what differs from the defaults, never a key. */
export function writeView({ agent, range, metric }) {
  const params = new URLSearchParams();
  if (agent) params.set("agent", agent);
  if (range) {
    params.set("start", range.start);
    params.set("end", range.end);
  }
  if (metric && metric !== "credits") params.set("metric", metric);
  const text = params.toString();
  return text ? `?${text}` : "";
}

// One number and date style for the whole page: credits and minutes with two decimal places,
// counts with none, percentages as "33%", grouping by the browser's locale. Pure functions.

const TWO_PLACES = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const WHOLE = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

/** Credits (and voice minutes): always two decimal places. */
export const credits = (value) => TWO_PLACES.format(Number(value));

/** Counts: whole numbers. */
export const count = (value) => WHOLE.format(Number(value));

/** A whole percentage, without a space: "33%". */
export const percent = (value) => `${WHOLE.format(value)}%`;

/** Credit types measured in decimals; every other type is a count. */
const DECIMAL_TYPES = new Set(["CREDITS", "VOICE_MINUTES"]);

/** A tile's amount in its type's style. */
export const amount = (value, creditType) => (DECIMAL_TYPES.has(creditType) ? credits(value) : count(value));

/**
 * Whole percentages that add up to exactly 100 (largest-remainder rounding): each value gets
 * the floor of its exact share, and the points left go to the largest remainders (ties: the
 * larger value, then the earlier one). All zeros give all zeros.
 */
export function percentages(values) {
  const total = values.reduce((sum, v) => sum + v, 0);
  if (!(total > 0)) return values.map(() => 0);
  const exact = values.map((v) => (v * 100) / total);
  const whole = exact.map(Math.floor);
  let left = 100 - whole.reduce((sum, v) => sum + v, 0);
  const order = exact
    .map((e, i) => ({ i, remainder: e - whole[i], value: values[i] }))
    .sort((a, b) => b.remainder - a.remainder || b.value - a.value || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    whole[i] += 1;
    left -= 1;
  }
  return whole;
}

// --- dates ---------------------------------------------------------------------------------

const thisYear = () => new Date().getFullYear();

function utc(isoDate) {
  return new Date(`${isoDate}T00:00:00Z`);
}

/** "Nov 10", or "Nov 10, 2024" outside the current year (or when `year` is asked). */
export function day(isoDate, { year = false, weekday = false } = {}) {
  const date = utc(isoDate);
  const options = { timeZone: "UTC", month: "short", day: "numeric" };
  if (year || date.getUTCFullYear() !== thisYear()) options.year = "numeric";
  if (weekday) options.weekday = "short";
  return date.toLocaleDateString(undefined, options);
}

/** "Nov 10 – Dec 9"; both dates carry the year when either lies outside the current year. */
export function span(start, end) {
  const year = utc(start).getUTCFullYear() !== thisYear() || utc(end).getUTCFullYear() !== thisYear();
  return start === end ? day(start, { year }) : `${day(start, { year })} – ${day(end, { year })}`;
}

/** Today's date (YYYY-MM-DD) in an IANA time zone. */
export function today(timezone) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(new Date());
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** The ISO date `days` after (or before) another. */
export function addDays(isoDate, days) {
  return new Date(utc(isoDate).getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Whole days from one ISO date to another (end − start). */
export function daysBetween(start, end) {
  return Math.round((utc(end) - utc(start)) / 86_400_000);
}

/** The minutes of a call, from its start to its end (or its last activity): "7 min". */
export function callMinutes(startedAt, endedAt, lastActivityAt) {
  const end = new Date(endedAt || lastActivityAt);
  const minutes = (end - new Date(startedAt)) / 60_000;
  return minutes < 1 ? "<1 min" : `${count(Math.round(minutes))} min`;
}

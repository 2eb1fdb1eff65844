// What a failed load says to a person, by the error's code (the contract's
// `extensions.code`), and whether the page retries by itself. Pure functions.

/** Codes the page retries by itself after the server's Retry-After. */
const RETRIED = new Set(["RATE_LIMITED", "SERVICE_UNAVAILABLE"]);

const WORDS = {
  NETWORK: "The server could not be reached. Check the connection, then retry.",
  RATE_LIMITED: "Too many requests",
  SERVICE_UNAVAILABLE: "Usage is briefly unavailable",
  BAD_USER_INPUT: "These filters can't be shown. Pick dates from Jan 1, 2000 to today, at most a year apart.",
  FORBIDDEN: "This key may not read usage. Use \"Change key\" to enter a key with read access.",
  NOT_FOUND: "This key can't see that workspace. Use \"Change key\" to enter another key or workspace id.",
  INTERNAL_SERVER_ERROR: "Something went wrong on our side. Retry; if it keeps failing, contact support.",
  HTTP: "The server answered with an unexpected error. Retry in a moment.",
};

/** Seconds to wait before retrying by itself: the server's figure, at least 1, at most 60. */
export function retryDelay(error, attempt = 0) {
  const asked = Number(error.retryAfter) > 0 ? Math.ceil(Number(error.retryAfter)) : 1;
  const backoff = error.code === "SERVICE_UNAVAILABLE" ? 2 ** Math.min(attempt, 5) : 1;
  return Math.min(60, Math.max(asked, backoff));
}

/**
 * `{ text, retryIn }` for an error: `text` is the sentence to show (for retried codes it ends
 * in "retrying in N s", which the page counts down), `retryIn` the seconds before the page
 * retries by itself, or null.
 */
export function explain(error, attempt = 0) {
  const code = error && error.code;
  if (RETRIED.has(code)) {
    const retryIn = retryDelay(error, attempt);
    return { text: countdown(error, retryIn), retryIn };
  }
  return { text: WORDS[code] || "Something went wrong. Retry in a moment.", retryIn: null };
}

/** The countdown's sentence for a retried error after `left` seconds. */
export function countdown(error, left) {
  return `${WORDS[error.code]}, retrying in ${left} s`;
}

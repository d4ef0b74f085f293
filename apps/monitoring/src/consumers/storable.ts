// Earlier dates are out of anything a prediction log replays; later ones would move every watermark.
const EARLIEST = Date.UTC(1900, 0, 1);
const FUTURE_SLACK_MS = 24 * 3600_000;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a time cannot be stored and windowed, or undefined. A date from the far past or the future
 * would close (or open) every window of its model at once, so it is refused rather than stored.
 */
export function timeProblem(time: Date | undefined, now = Date.now()): string | undefined {
  if (!time || Number.isNaN(time.getTime())) return 'is missing or not a valid time';
  if (time.getTime() < EARLIEST) return `is before 1900 (${time.toISOString()})`;
  if (time.getTime() > now + FUTURE_SLACK_MS) return `is more than a day in the future (${time.toISOString()})`;
  return undefined;
}

/** Why a string cannot be stored in PostgreSQL text or JSON (a NUL, a lone surrogate), or undefined. */
export function textProblem(text: string): string | undefined {
  return text.includes('\u0000') || LONE_SURROGATE.test(text) ? 'holds a NUL character or a lone UTF-16 surrogate, which cannot be stored' : undefined;
}

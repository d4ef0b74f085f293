const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
/** Largest first: a duration names each unit at most once, in this order (as Prometheus does). */
const UNITS = Object.keys(UNIT_MS) as Unit[];
// A leading minus is accepted so that `-2d` reaches the "must not be negative" check, not "not a duration".
const DURATION = /^(-?)((?:\d+(?:ms|s|m|h|d))+)$/;
const PART = /(\d+)(ms|s|m|h|d)/g;

/** Milliseconds of a duration such as `500ms`, `90s`, `15m`, `1h30m` or `1d`; undefined if it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  let ms = 0;
  let previousUnit = -1;
  for (const [, amount, unit] of match[2].matchAll(PART)) {
    const unitIndex = UNITS.indexOf(unit as Unit);
    if (unitIndex <= previousUnit) return undefined;
    previousUnit = unitIndex;
    ms += Number(amount) * UNIT_MS[unit as Unit];
  }
  if (!Number.isSafeInteger(ms)) return undefined;
  return match[1] === '-' && ms > 0 ? -ms : ms;
}

/** A number of milliseconds the way parseDuration reads it back, e.g. `1h30m`, `2d`, `0s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  let rest = Math.round(ms);
  const parts: string[] = [];
  for (const unit of UNITS) {
    const amount = Math.floor(rest / UNIT_MS[unit]);
    if (amount > 0) parts.push(`${amount}${unit}`);
    rest -= amount * UNIT_MS[unit];
  }
  return parts.length > 0 ? parts.join('') : '0s';
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const DURATION = /^(\d+)(s|m|h|d|w)$/;

/** Seconds of a duration written as `90s`, `15m`, `1h`, `7d` or `2w`; undefined if it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  return match ? Number(match[1]) * UNITS[match[2]] : undefined;
}

/** The shortest way to write a number of seconds with one unit. */
export function formatDuration(seconds: number): string {
  for (const unit of ['w', 'd', 'h', 'm']) if (seconds > 0 && seconds % UNITS[unit] === 0) return `${seconds / UNITS[unit]}${unit}`;
  return `${seconds}s`;
}

/**
 * A monitoring window: by the predictions' own time (so a replay of June is judged like June live)
 * or by their count. Tumbling windows do not overlap (slide = size); sliding windows advance by `slide`.
 */
export type WindowSpec =
  | { by: 'time'; kind: 'tumbling' | 'sliding'; sizeMs: number; slideMs: number }
  | { by: 'count'; kind: 'tumbling' | 'sliding'; size: number; slide: number };

export interface WindowProblem {
  /** Relative to the spec: 'size', 'slide'. */
  field: string;
  message: string;
}

/** Windows longer than this are a mistake (a year of predictions in one report), not a choice. */
const MAX_TIME_WINDOW_MS = 366 * 24 * 3600_000;
const MAX_COUNT_WINDOW = 10_000_000;

export function windowProblems(spec: WindowSpec): WindowProblem[] {
  const [size, slide, max] = spec.by === 'time' ? [spec.sizeMs, spec.slideMs, MAX_TIME_WINDOW_MS] : [spec.size, spec.slide, MAX_COUNT_WINDOW];
  const unit = spec.by === 'time' ? 'a duration' : 'a number of predictions';
  const problems: WindowProblem[] = [];
  if (!Number.isFinite(size) || size <= 0) problems.push({ field: 'size', message: `must be ${unit} greater than zero, got ${size}` });
  else if (size > max) problems.push({ field: 'size', message: `must be at most ${max}${spec.by === 'time' ? ' ms (366 days)' : ''}, got ${size}` });
  else if (spec.by === 'count' && !Number.isInteger(size)) problems.push({ field: 'size', message: `must be a whole number of predictions, got ${size}` });
  if (!Number.isFinite(slide) || slide <= 0) problems.push({ field: 'slide', message: `must be ${unit} greater than zero, got ${slide}` });
  else if (spec.by === 'count' && !Number.isInteger(slide)) problems.push({ field: 'slide', message: `must be a whole number of predictions, got ${slide}` });
  else if (spec.kind === 'tumbling' && slide !== size) problems.push({ field: 'slide', message: 'a tumbling window slides by its size; use a sliding window for another slide' });
  else if (slide > size) problems.push({ field: 'slide', message: `must not exceed the size (${size}); a larger slide would skip predictions` });
  return problems;
}

/** A stable name for a spec: reports are stored per (series, window key). */
export function windowKey(spec: WindowSpec): string {
  return spec.by === 'time' ? `time:${spec.sizeMs}/${spec.slideMs}` : `count:${spec.size}/${spec.slide}`;
}

export function windowFromKey(key: string): WindowSpec {
  const match = /^(time|count):(\d+)\/(\d+)$/.exec(key);
  if (!match) throw new Error(`not a window key: ${key}`);
  const [size, slide] = [Number(match[2]), Number(match[3])];
  const kind = size === slide ? 'tumbling' : 'sliding';
  return match[1] === 'time' ? { by: 'time', kind, sizeMs: size, slideMs: slide } : { by: 'count', kind, size, slide };
}

export interface TimeWindow {
  startMs: number;
  endMs: number;
}

/**
 * Time windows that closed since `afterEndMs` (exclusive): window ends are aligned to multiples of
 * the slide since the epoch, so every replica and every replay cuts the same windows. A window is
 * closed once the watermark reaches its end. Without an earlier window the first is the one holding
 * `firstEventMs`. At most `limit` windows, oldest first, so a long backlog is worked off in steps.
 */
export function closedTimeWindows(spec: Extract<WindowSpec, { by: 'time' }>, afterEndMs: number | undefined, firstEventMs: number, watermarkMs: number, limit: number): TimeWindow[] {
  const { sizeMs, slideMs } = spec;
  let end = afterEndMs === undefined ? (Math.floor(firstEventMs / slideMs) + 1) * slideMs : afterEndMs + slideMs;
  const windows: TimeWindow[] = [];
  while (end <= watermarkMs && windows.length < limit) {
    windows.push({ startMs: end - sizeMs, endMs: end });
    end += slideMs;
  }
  return windows;
}

/** Positions in a series' sequence of predictions: the window covers (endSeq - size, endSeq]. */
export interface CountWindow {
  startSeq: number;
  endSeq: number;
}

/** Count windows completed since the one ending at `afterEndSeq` (0 = none yet), given `available` predictions. */
export function closedCountWindows(spec: Extract<WindowSpec, { by: 'count' }>, afterEndSeq: number, available: number, limit: number): CountWindow[] {
  const { size, slide } = spec;
  let end = afterEndSeq === 0 ? size : afterEndSeq + slide;
  const windows: CountWindow[] = [];
  while (end <= available && windows.length < limit) {
    windows.push({ startSeq: end - size, endSeq: end });
    end += slide;
  }
  return windows;
}

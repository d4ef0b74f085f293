import { type TimeRange, type TimeSplit } from './spec';

type Ranges = Pick<TimeSplit, 'train' | 'validation' | 'test'>;

/**
 * A time split moved onto the data range a retrain request asks for: training becomes the range
 * (its start kept at the same distance before the end when the range gives none), the test range
 * starts where training ends and keeps its length (open if it was open), and an explicit
 * validation range moves with training. Without a range end, the split stays as it was.
 */
export function movedSplit(split: Ranges, range: TimeRange): Ranges {
  if (range.endMs === undefined || split.train.endMs === undefined) return split;
  const shift = range.endMs - split.train.endMs;
  const moved = (r: TimeRange): TimeRange => ({ startMs: r.startMs === undefined ? undefined : r.startMs + shift, endMs: r.endMs === undefined ? undefined : r.endMs + shift });
  const testLength = split.test.endMs !== undefined && split.test.startMs !== undefined ? split.test.endMs - split.test.startMs : undefined;
  return {
    train: { startMs: range.startMs ?? moved(split.train).startMs, endMs: range.endMs },
    validation: split.validation && moved(split.validation),
    test: { startMs: range.endMs, endMs: testLength === undefined ? undefined : range.endMs + testLength },
  };
}

/** Share of the rows' time span held out for testing when the base split's test range is open-ended. */
const OPEN_TEST_SHARE = 0.2;

/**
 * A retrain's split fitted to the rows it reads. The requested range ends where monitoring saw the
 * change, in prediction (wall-clock) time; when that is past the newest row (a replay of old data,
 * or labels still on their way) the test range would hold nothing. The split then moves back until
 * the test range ends with the newest row, keeping its length; an open-ended one takes the newest
 * fifth of the rows' time span.
 */
export function fittedToRows(split: Ranges, oldestMs: number, newestMs: number): Ranges {
  const testStart = split.test.startMs;
  if (testStart === undefined || testStart <= newestMs) return split;
  const length = split.test.endMs === undefined ? (newestMs - oldestMs) * OPEN_TEST_SHARE : split.test.endMs - testStart;
  // Ranges end exclusive: one millisecond past the newest row keeps it.
  const shift = newestMs + 1 - length - testStart;
  const moved = (r: TimeRange): TimeRange => ({ startMs: r.startMs === undefined ? undefined : r.startMs + shift, endMs: r.endMs === undefined ? undefined : r.endMs + shift });
  return { train: moved(split.train), validation: split.validation && moved(split.validation), test: { startMs: testStart + shift, endMs: newestMs + 1 } };
}

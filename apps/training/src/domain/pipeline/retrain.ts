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

import { fittedToRows, movedSplit } from './retrain';
import { type Table, timeSpanOf } from './table';

const day = (d: number) => Date.UTC(2001, 0, 1) + d * 86_400_000;

describe('movedSplit', () => {
  const janFebTrainMarchTest = { train: { startMs: day(0), endMs: day(59) }, test: { startMs: day(59), endMs: day(90) } };

  it('trains on the requested range and tests on the same length right after it', () => {
    expect(movedSplit(janFebTrainMarchTest, { startMs: day(59), endMs: day(151) })).toEqual({
      train: { startMs: day(59), endMs: day(151) }, validation: undefined, test: { startMs: day(151), endMs: day(182) },
    });
  });

  it('keeps the training window length when the range has no start, and moves an explicit validation range', () => {
    const withValidation = { ...janFebTrainMarchTest, validation: { startMs: day(45), endMs: day(59) } };
    expect(movedSplit(withValidation, { endMs: day(120) })).toEqual({
      train: { startMs: day(61), endMs: day(120) }, validation: { startMs: day(106), endMs: day(120) }, test: { startMs: day(120), endMs: day(151) },
    });
  });

  it('keeps an open test range open and leaves the split alone without a range end', () => {
    const open = { train: { endMs: day(59) }, test: { startMs: day(59) } };
    expect(movedSplit(open, { endMs: day(100) })).toEqual({ train: { startMs: undefined, endMs: day(100) }, validation: undefined, test: { startMs: day(100), endMs: undefined } });
    expect(movedSplit(janFebTrainMarchTest, { startMs: day(10) })).toBe(janFebTrainMarchTest);
  });
});

describe('fittedToRows', () => {
  const wallClock = Date.UTC(2026, 10, 24);
  const movedToNow = { train: { endMs: wallClock }, test: { startMs: wallClock, endMs: wallClock + 14 * 86_400_000 } };

  it('moves a split whose test range starts past the newest row back, so the test range ends with it and keeps its length', () => {
    const fitted = fittedToRows(movedToNow, day(0), day(180));
    expect(fitted.test).toEqual({ startMs: day(166) + 1, endMs: day(180) + 1 });
    expect(fitted.train).toEqual({ startMs: undefined, endMs: day(166) + 1 });
  });

  it('holds out the newest fifth of the time span when the test range is open-ended, moving a validation range along', () => {
    const open = { train: { startMs: wallClock - 100 * 86_400_000, endMs: wallClock }, validation: { startMs: wallClock - 10 * 86_400_000, endMs: wallClock }, test: { startMs: wallClock } };
    const fitted = fittedToRows(open, day(0), day(100));
    expect(fitted.test).toEqual({ startMs: day(80) + 1, endMs: day(100) + 1 });
    expect(fitted.train).toEqual({ startMs: day(-20) + 1, endMs: day(80) + 1 });
    expect(fitted.validation).toEqual({ startMs: day(70) + 1, endMs: day(80) + 1 });
  });

  it('leaves a split alone when rows reach its test range', () => {
    const marchTest = { train: { startMs: day(0), endMs: day(59) }, test: { startMs: day(59), endMs: day(90) } };
    expect(fittedToRows(marchTest, day(0), day(70))).toBe(marchTest);
  });
});

describe('timeSpanOf', () => {
  it('finds the oldest and newest time of a timestamp column, skipping nulls, and nothing in other columns', () => {
    const table: Table = { columns: [{ name: 'date', kind: 'timestamp' }, { name: 'delay', kind: 'numeric' }], rows: [[day(3), 1], [null, 2], [day(1), 3], [day(9), 4]] };
    expect(timeSpanOf(table, 'date')).toEqual({ oldestMs: day(1), newestMs: day(9) });
    expect(timeSpanOf(table, 'delay')).toBeUndefined();
    expect(timeSpanOf({ ...table, rows: [[null, 1]] }, 'date')).toBeUndefined();
  });
});

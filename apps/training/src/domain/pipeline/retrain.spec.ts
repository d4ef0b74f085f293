import { movedSplit } from './retrain';

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

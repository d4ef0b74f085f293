import { formatDuration, parseDuration } from './duration';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['1d2h3m4s5ms', 93_784_005],
    [' 6h ', 21_600_000],
    ['0s', 0],
    ['-2d', -172_800_000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '90', '1.5h', '1w', '30m1h', '1h1h', 'h', '1 h', '1h-30m', '99999999999999999999d'])('does not read %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('writes milliseconds with the largest units first, and reads them back', () => {
    expect([0, 500, 90_000, 5_400_000, 172_800_000, 93_784_005, -3_600_000, Number.NaN].map(formatDuration)).toEqual(['0s', '500ms', '1m30s', '1h30m', '2d', '1d2h3m4s5ms', '-1h', 'NaN']);
    for (const ms of [1, 61_001, 86_399_999, 7 * 86_400_000]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

import { closedCountWindows, closedTimeWindows, windowFromKey, windowKey, windowProblems, type WindowSpec } from './window-spec';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const time = (sizeMs: number, slideMs = sizeMs, kind: 'tumbling' | 'sliding' = sizeMs === slideMs ? 'tumbling' : 'sliding') => ({ by: 'time', kind, sizeMs, slideMs }) as const;
const count = (size: number, slide = size, kind: 'tumbling' | 'sliding' = size === slide ? 'tumbling' : 'sliding') => ({ by: 'count', kind, size, slide }) as const;

const fieldsOf = (spec: WindowSpec) => windowProblems(spec).map((p) => p.field);

describe('windowProblems', () => {
  it.each<[string, WindowSpec]>([
    ['an hourly tumbling window', time(HOUR)],
    ['an hour sliding by 10 minutes', time(HOUR, 10 * MINUTE)],
    ['366 days, the longest time window', time(366 * DAY)],
    ['a sliding window whose slide equals its size', time(HOUR, HOUR, 'sliding')],
    ['5000 predictions, tumbling', count(5000)],
    ['5000 predictions sliding by 1000', count(5000, 1000)],
    ['10,000,000 predictions, the largest count window', count(10_000_000)],
    ['a window of one prediction', count(1)],
  ])('accepts %s', (_case, spec) => {
    expect(windowProblems(spec)).toEqual([]);
  });

  it.each<[string, WindowSpec]>([
    ['zero', time(0, HOUR, 'sliding')],
    ['negative', time(-HOUR, HOUR, 'sliding')],
    ['NaN', time(Number.NaN, HOUR, 'sliding')],
    ['infinite', time(Number.POSITIVE_INFINITY, HOUR, 'sliding')],
  ])('refuses a time size that is %s, as a duration greater than zero', (_case, spec) => {
    const problems = windowProblems(spec);
    expect(problems[0]).toEqual({ field: 'size', message: `must be a duration greater than zero, got ${spec.by === 'time' ? spec.sizeMs : ''}` });
  });

  it('refuses a count size of zero as a number of predictions greater than zero', () => {
    expect(windowProblems(count(0))).toEqual([
      { field: 'size', message: 'must be a number of predictions greater than zero, got 0' },
      { field: 'slide', message: 'must be a number of predictions greater than zero, got 0' },
    ]);
  });

  it('refuses a time window longer than 366 days, naming the limit', () => {
    expect(windowProblems(time(366 * DAY + 1))).toEqual([{ field: 'size', message: `must be at most ${366 * DAY} ms (366 days), got ${366 * DAY + 1}` }]);
  });

  it('refuses a count window of more than 10,000,000 predictions', () => {
    expect(windowProblems(count(10_000_001))).toEqual([{ field: 'size', message: 'must be at most 10000000, got 10000001' }]);
  });

  it('refuses fractional counts for the size and for the slide', () => {
    expect(windowProblems(count(100.5, 10))).toEqual([{ field: 'size', message: 'must be a whole number of predictions, got 100.5' }]);
    expect(windowProblems(count(100, 2.5))).toEqual([{ field: 'slide', message: 'must be a whole number of predictions, got 2.5' }]);
  });

  it('accepts durations that are not whole minutes (only counts must be whole)', () => {
    expect(windowProblems(time(90_500))).toEqual([]);
  });

  it.each<[string, WindowSpec]>([
    ['zero', time(HOUR, 0, 'sliding')],
    ['negative', time(HOUR, -MINUTE, 'sliding')],
    ['NaN', time(HOUR, Number.NaN, 'sliding')],
  ])('refuses a slide that is %s', (_case, spec) => {
    expect(fieldsOf(spec)).toEqual(['slide']);
    expect(windowProblems(spec)[0].message).toMatch(/^must be a duration greater than zero, got /);
  });

  it('refuses a tumbling window that slides by anything but its size', () => {
    const expected = [{ field: 'slide', message: 'a tumbling window slides by its size; use a sliding window for another slide' }];
    expect(windowProblems(time(HOUR, 10 * MINUTE, 'tumbling'))).toEqual(expected);
    expect(windowProblems(count(100, 10, 'tumbling'))).toEqual(expected);
    expect(windowProblems(time(HOUR, 2 * HOUR, 'tumbling'))).toEqual(expected);
  });

  it('refuses a sliding window whose slide exceeds its size: it would skip predictions', () => {
    expect(windowProblems(time(HOUR, 2 * HOUR, 'sliding'))).toEqual([{ field: 'slide', message: `must not exceed the size (${HOUR}); a larger slide would skip predictions` }]);
    expect(windowProblems(count(100, 101, 'sliding'))).toEqual([{ field: 'slide', message: 'must not exceed the size (100); a larger slide would skip predictions' }]);
  });

  it('reports a bad size and a bad slide together', () => {
    expect(fieldsOf(time(-1, -1))).toEqual(['size', 'slide']);
    expect(fieldsOf(count(1.5, 0.5, 'sliding'))).toEqual(['size', 'slide']);
  });
});

describe('windowKey and windowFromKey', () => {
  it('names a spec by its kind of measure, size and slide', () => {
    expect(windowKey(time(HOUR))).toBe('time:3600000/3600000');
    expect(windowKey(time(HOUR, 10 * MINUTE))).toBe('time:3600000/600000');
    expect(windowKey(count(5000, 1000))).toBe('count:5000/1000');
  });

  it('tells time and count windows of the same numbers apart', () => {
    expect(windowKey(time(100))).not.toBe(windowKey(count(100)));
  });

  it.each<WindowSpec>([time(HOUR), time(HOUR, 10 * MINUTE), time(366 * DAY, DAY), count(1), count(5000), count(5000, 1000)])('round-trips %j', (spec) => {
    expect(windowFromKey(windowKey(spec))).toEqual(spec);
  });

  it('reads a sliding window that slides by its size back as the tumbling window it behaves as', () => {
    expect(windowFromKey(windowKey(time(HOUR, HOUR, 'sliding')))).toEqual(time(HOUR));
  });

  it.each(['', 'time:3600000', 'hours:1/1', 'time:-1/1', 'time:1.5/1.5', 'count:10/x', ' count:10/10', 'count:10/10 '])('refuses %j', (key) => {
    expect(() => windowFromKey(key)).toThrow(`not a window key: ${key}`);
  });
});

describe('closedTimeWindows', () => {
  const hourly = time(HOUR);
  const first = Date.UTC(2025, 5, 1, 10, 17, 3); // 10:17:03 on 1 June
  const at = (h: number, m = 0) => Date.UTC(2025, 5, 1, h, m);

  it('starts with the window holding the first event, aligned to the hour since the epoch', () => {
    expect(closedTimeWindows(hourly, undefined, first, at(11), 10)).toEqual([{ startMs: at(10), endMs: at(11) }]);
  });

  it('aligns to multiples of the slide whatever the first event, so replicas and replays cut the same windows', () => {
    const windows = closedTimeWindows(time(7 * MINUTE), undefined, 1_000_000, 10_000_000, 100);
    for (const w of windows) {
      expect(w.endMs % (7 * MINUTE)).toBe(0);
      expect(w.endMs - w.startMs).toBe(7 * MINUTE);
    }
    expect(windows[0]).toEqual({ startMs: 840_000, endMs: 1_260_000 });
  });

  it('puts a first event exactly on a boundary into the window starting there', () => {
    expect(closedTimeWindows(hourly, undefined, at(10), at(11), 10)).toEqual([{ startMs: at(10), endMs: at(11) }]);
  });

  it('closes a window once the watermark reaches its end, not before', () => {
    expect(closedTimeWindows(hourly, undefined, first, at(11) - 1, 10)).toEqual([]);
    expect(closedTimeWindows(hourly, undefined, first, at(11), 10)).toHaveLength(1);
  });

  it('returns every window closed by the watermark, oldest first', () => {
    expect(closedTimeWindows(hourly, undefined, first, at(13, 30), 10)).toEqual([
      { startMs: at(10), endMs: at(11) },
      { startMs: at(11), endMs: at(12) },
      { startMs: at(12), endMs: at(13) },
    ]);
  });

  it('continues after the last window worked off, ignoring the first event', () => {
    expect(closedTimeWindows(hourly, at(12), first, at(14), 10)).toEqual([
      { startMs: at(12), endMs: at(13) },
      { startMs: at(13), endMs: at(14) },
    ]);
    expect(closedTimeWindows(hourly, at(14), first, at(14, 59), 10)).toEqual([]);
  });

  it('returns at most `limit` windows, so a backlog is worked off in steps that join up', () => {
    const step1 = closedTimeWindows(hourly, undefined, first, at(20), 3);
    expect(step1.map((w) => w.endMs)).toEqual([at(11), at(12), at(13)]);
    const step2 = closedTimeWindows(hourly, step1[2].endMs, first, at(20), 3);
    expect(step2.map((w) => w.endMs)).toEqual([at(14), at(15), at(16)]);
    expect(closedTimeWindows(hourly, undefined, first, at(20), 0)).toEqual([]);
  });

  it('lets sliding windows overlap by size - slide, each ending on a multiple of the slide', () => {
    const windows = closedTimeWindows(time(HOUR, 20 * MINUTE), undefined, first, at(11, 5), 10);
    expect(windows).toEqual([
      { startMs: at(9, 20), endMs: at(10, 20) },
      { startMs: at(9, 40), endMs: at(10, 40) },
      { startMs: at(10), endMs: at(11) },
    ]);
    expect(windows[0].startMs).toBeLessThanOrEqual(first);
    expect(windows[0].endMs).toBeGreaterThan(first);
    expect(windows[0].endMs - windows[1].startMs).toBe(HOUR - 20 * MINUTE);
  });

  it('continues sliding windows by one slide after the last', () => {
    expect(closedTimeWindows(time(HOUR, 20 * MINUTE), at(11), first, at(11, 40), 10)).toEqual([
      { startMs: at(10, 20), endMs: at(11, 20) },
      { startMs: at(10, 40), endMs: at(11, 40) },
    ]);
  });

  it('closes nothing while the watermark is before the first window ends', () => {
    expect(closedTimeWindows(hourly, undefined, first, first, 10)).toEqual([]);
  });
});

describe('closedCountWindows', () => {
  it('completes the first window once there are `size` predictions', () => {
    expect(closedCountWindows(count(100), 0, 99, 10)).toEqual([]);
    expect(closedCountWindows(count(100), 0, 100, 10)).toEqual([{ startSeq: 0, endSeq: 100 }]);
  });

  it('returns every completed tumbling window, back to back', () => {
    expect(closedCountWindows(count(100), 0, 350, 10)).toEqual([
      { startSeq: 0, endSeq: 100 },
      { startSeq: 100, endSeq: 200 },
      { startSeq: 200, endSeq: 300 },
    ]);
  });

  it('continues after the window ending at afterEndSeq', () => {
    expect(closedCountWindows(count(100), 300, 450, 10)).toEqual([{ startSeq: 300, endSeq: 400 }]);
    expect(closedCountWindows(count(100), 300, 399, 10)).toEqual([]);
  });

  it('advances sliding windows by the slide, overlapping by size - slide', () => {
    expect(closedCountWindows(count(100, 25), 0, 160, 10)).toEqual([
      { startSeq: 0, endSeq: 100 },
      { startSeq: 25, endSeq: 125 },
      { startSeq: 50, endSeq: 150 },
    ]);
    expect(closedCountWindows(count(100, 25), 150, 200, 10)).toEqual([
      { startSeq: 75, endSeq: 175 },
      { startSeq: 100, endSeq: 200 },
    ]);
  });

  it('returns at most `limit` windows, oldest first', () => {
    expect(closedCountWindows(count(10), 0, 1_000, 2)).toEqual([
      { startSeq: 0, endSeq: 10 },
      { startSeq: 10, endSeq: 20 },
    ]);
  });

  it('returns nothing without enough predictions', () => {
    expect(closedCountWindows(count(100, 25), 0, 0, 10)).toEqual([]);
    expect(closedCountWindows(count(100, 25), 100, 124, 10)).toEqual([]);
  });
});

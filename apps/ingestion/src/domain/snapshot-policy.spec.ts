import { dueTrigger } from './snapshot-policy';

const NOW = new Date('2001-01-02T00:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

describe('dueTrigger', () => {
  it('is due by size once enough rows were stored since the latest snapshot', () => {
    expect(dueTrigger({ everyRows: 1000 }, { storedRows: 1999, latest: { storedRows: 1000, createdAt: NOW } }, NOW)).toBeUndefined();
    expect(dueTrigger({ everyRows: 1000 }, { storedRows: 2000, latest: { storedRows: 1000, createdAt: NOW } }, NOW)).toBe('size');
  });

  it('counts from zero when the dataset has no snapshot yet', () => {
    expect(dueTrigger({ everyRows: 1000 }, { storedRows: 999 }, NOW)).toBeUndefined();
    expect(dueTrigger({ everyRows: 1000 }, { storedRows: 1000 }, NOW)).toBe('size');
  });

  it('is due by schedule once the interval has passed, only if rows arrived since', () => {
    const latest = { storedRows: 10, createdAt: hoursAgo(24) };
    expect(dueTrigger({ everySeconds: 86_400 }, { storedRows: 11, latest }, NOW)).toBe('schedule');
    expect(dueTrigger({ everySeconds: 86_400 }, { storedRows: 10, latest }, NOW)).toBeUndefined();
    expect(dueTrigger({ everySeconds: 86_400 }, { storedRows: 11, latest: { ...latest, createdAt: hoursAgo(23) } }, NOW)).toBeUndefined();
  });

  it('takes the first snapshot of a scheduled dataset as soon as it has rows', () => {
    expect(dueTrigger({ everySeconds: 3600 }, { storedRows: 1 }, NOW)).toBe('schedule');
    expect(dueTrigger({ everySeconds: 3600 }, { storedRows: 0 }, NOW)).toBeUndefined();
  });

  it('names size when both bounds are reached', () => {
    expect(dueTrigger({ everyRows: 5, everySeconds: 60 }, { storedRows: 20, latest: { storedRows: 10, createdAt: hoursAgo(1) } }, NOW)).toBe('size');
    expect(dueTrigger({ everyRows: 50, everySeconds: 60 }, { storedRows: 20, latest: { storedRows: 10, createdAt: hoursAgo(1) } }, NOW)).toBe('schedule');
  });
});

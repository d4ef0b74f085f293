import { every } from './periodic';

describe('every', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs the work once per interval', async () => {
    let runs = 0;
    const periodic = every(100, async () => void runs++, () => undefined);
    await jest.advanceTimersByTimeAsync(350);
    expect(runs).toBe(3);
    await periodic.stop();
    await jest.advanceTimersByTimeAsync(500);
    expect(runs).toBe(3);
  });

  it('skips ticks while a run is still going instead of overlapping it', async () => {
    let concurrent = 0;
    let most = 0;
    let runs = 0;
    const periodic = every(100, async () => {
      runs++;
      most = Math.max(most, ++concurrent);
      await new Promise((resolve) => setTimeout(resolve, 250));
      concurrent--;
    }, () => undefined);
    // Runs start at 100, 400 and 700 ms (the ticks in between find one going) and the last ends at 950.
    await jest.advanceTimersByTimeAsync(980);
    await periodic.stop();
    expect(most).toBe(1);
    expect(runs).toBe(3);
  });

  it('reports a failing run and keeps going', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const periodic = every(100, () => (++runs === 1 ? Promise.reject(new Error('first fails')) : Promise.resolve()), (e) => errors.push(e));
    await jest.advanceTimersByTimeAsync(250);
    await periodic.stop();
    expect(runs).toBe(2);
    expect(errors).toEqual([new Error('first fails')]);
  });

  it('waits for the run in progress when stopped', async () => {
    let finished = false;
    const periodic = every(100, async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      finished = true;
    }, () => undefined);
    await jest.advanceTimersByTimeAsync(100);
    const stopped = periodic.stop();
    await jest.advanceTimersByTimeAsync(300);
    await stopped;
    expect(finished).toBe(true);
  });
});

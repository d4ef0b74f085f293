import { backoffDelay, retryWithBackoff } from './backoff';

describe('backoffDelay', () => {
  it('doubles per attempt between half and all of the ceiling, and caps', () => {
    expect(backoffDelay(1, 100, 10_000, () => 0)).toBe(50);
    expect(backoffDelay(3, 100, 10_000, () => 1)).toBe(400);
    expect(backoffDelay(30, 100, 1_000, () => 1)).toBe(1_000);
  });
});

describe('retryWithBackoff', () => {
  it('retries until success and reports each retry', async () => {
    const retries: number[] = [];
    const result = await retryWithBackoff(
      async (n) => {
        if (n < 3) throw new Error(`fail ${n}`);
        return n;
      },
      { baseMs: 1, maxMs: 2, onRetry: (_e, n) => retries.push(n) },
    );
    expect(result).toBe(3);
    expect(retries).toEqual([1, 2]);
  });

  it('rethrows the last error when attempts run out', async () => {
    await expect(retryWithBackoff(async (n) => Promise.reject(new Error(`fail ${n}`)), { baseMs: 1, maxMs: 1, maxAttempts: 2 })).rejects.toThrow('fail 2');
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expect(retryWithBackoff(async () => Promise.reject(new Error('down')), { baseMs: 5, maxMs: 5, signal: controller.signal })).rejects.toThrow('down');
  });
});

export interface RetryOptions {
  baseMs: number;
  maxMs: number;
  /** Stop retrying when aborted (e.g. on shutdown); the last error is rethrown. */
  signal?: AbortSignal;
  /** Give up after this many attempts; unlimited when omitted. */
  maxAttempts?: number;
  /** Errors for which this returns false are rethrown at once; by default every error is retried. */
  retryIf?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** Exponential backoff with full jitter (AWS architecture blog's recommendation), capped. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Runs `attempt` until it succeeds, the attempts run out or the signal aborts. */
export async function retryWithBackoff<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (options.signal?.aborted || options.retryIf?.(error) === false || (options.maxAttempts !== undefined && n >= options.maxAttempts)) throw error;
      const delay = backoffDelay(n, options.baseMs, options.maxMs);
      options.onRetry?.(error, n, delay);
      await sleep(delay, options.signal);
      if (options.signal?.aborted) throw error;
    }
  }
}

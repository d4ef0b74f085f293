/** Background work repeated on a timer, never overlapping itself, and stopped cleanly. */
export interface Periodic {
  /** Stops the timer and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Runs `work` every `intervalMs`. A run that outlasts the interval delays the next instead of
 * overlapping it; a failing run is reported to `onError` and the next run goes ahead.
 */
export function every(intervalMs: number, work: () => Promise<void>, onError: (error: unknown) => void): Periodic {
  let running = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = work()
      .catch(onError)
      .finally(() => (busy = false));
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

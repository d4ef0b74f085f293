// Helpers the benchmark scripts share.

/** A unary gRPC call as a promise. */
export const call = (fn) => new Promise((resolve, reject) => fn((e, r) => (e ? reject(e) : resolve(r))));

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The value at percentile `p` (0-100) of ascending `sorted`. */
export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** Polls `probe` every 250 ms until it returns something other than undefined; its last error, or a timeout naming `what`, after `timeoutMs`. */
export async function until(probe, what, timeoutMs = 1_800_000) {
  const started = Date.now();
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

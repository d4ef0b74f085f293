import { CliError } from '../core/cli-error';
import { EXIT } from '../core/exit-codes';

const POLL_MS = 500;
const WAIT_MS = 10 * 60_000;

/** Polls `check` until it returns something, or fails after ten minutes saying what it waited for. */
export async function until<T>(check: () => Promise<T | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new CliError(`gave up waiting for ${what} after ${WAIT_MS / 60_000} minutes: see tmp/logs/`, EXIT.unavailable);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

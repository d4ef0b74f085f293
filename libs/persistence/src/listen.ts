import { Client } from 'pg';

/**
 * LISTENs on a channel over a dedicated connection (a pooled one would lose the subscription).
 * Returns a function that stops listening. Notifications are only a hint: callers still poll.
 */
export async function listen(url: string, channel: string, onNotify: () => void, onError: (error: Error) => void): Promise<() => Promise<void>> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', onError);
  client.on('notification', () => onNotify());
  await client.connect();
  await client.query(`LISTEN "${channel}"`);
  return async () => {
    await client.end().catch(() => undefined);
  };
}

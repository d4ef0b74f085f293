const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300']);

/**
 * Connection-level failures (network down, server starting or restarting, too many connections),
 * as opposed to bad data or a bug: worth waiting out rather than failing or dead-lettering.
 * Codes are Node's socket errors and PostgreSQL SQLSTATEs (class 08: connection exception).
 */
export function isTransientConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && (TRANSIENT_CODES.has(code) || code.startsWith('08'))) return true;
  // pg reports a refused connect through AggregateError (one per address tried) or by message only.
  if (error instanceof AggregateError) return error.errors.some(isTransientConnectionError);
  return error instanceof Error && /connection terminated|timeout exceeded when trying to connect|the database system is starting up/i.test(error.message);
}

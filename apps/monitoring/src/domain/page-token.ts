/** Keyset paging position, a time and a key that breaks ties: stable under inserts, unlike an offset. Opaque to clients. */
export interface PagePosition {
  at: string;
  key: string;
}

export const MAX_PAGE_SIZE = 1_000;
export const DEFAULT_PAGE_SIZE = 100;

export function encodePageToken(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.at, position.key])).toString('base64url');
}

/** Undefined for an empty token; throws for one that was not produced by encodePageToken. */
export function decodePageToken(token: string): PagePosition | undefined {
  if (!token) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new Error('page_token is not a token this service issued');
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string' || Number.isNaN(Date.parse(parsed[0]))) {
    throw new Error('page_token is not a token this service issued');
  }
  return { at: parsed[0], key: parsed[1] };
}

export function pageSize(requested: number | undefined): number {
  if (!requested || requested <= 0) return DEFAULT_PAGE_SIZE;
  return Math.min(requested, MAX_PAGE_SIZE);
}

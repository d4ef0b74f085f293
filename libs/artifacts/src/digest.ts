import { InvalidDigestError } from './errors';

const DIGEST = /^sha256:([0-9a-f]{64})$/;

/** Whether `value` is a content address: `sha256:` and 64 lowercase hex digits. */
export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/** The hex part of a digest (what names the stored object); InvalidDigestError for anything else. */
export function digestHex(digest: string): string {
  const match = DIGEST.exec(digest);
  if (!match) throw new InvalidDigestError(digest);
  return match[1];
}

import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/** JWS algorithms this platform signs and verifies with; the key decides which one applies. */
export type TokenAlgorithm = 'HS256' | 'EdDSA' | 'ES256';

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output. */
export const MIN_SECRET_BYTES = 32;

export function secretProblem(secret: string): string | undefined {
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes < MIN_SECRET_BYTES)
    return `must be at least ${MIN_SECRET_BYTES} bytes (it has ${bytes}); generate one with \`openssl rand -base64 48\``;
  return undefined;
}

export function secretKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** PEMs in environment variables often arrive on one line with literal `\n`s. */
export function normalizePem(pem: string): string {
  return pem.replace(/\\n/g, '\n').trim();
}

/**
 * Reads an SPKI public key PEM and picks its algorithm: Ed25519 → EdDSA, P-256 → ES256.
 * Returns the key re-exported as a canonical SPKI PEM, or a problem saying what is wrong.
 */
export function parsePublicKeyPem(
  pem: string,
): { spki: string; algorithm: TokenAlgorithm } | { problem: string } {
  const text = normalizePem(pem);
  // createPublicKey would also derive a public key from a private one; a private key must not sit here.
  if (!text.startsWith('-----BEGIN PUBLIC KEY-----'))
    return { problem: 'must be a PEM public key (SPKI, "-----BEGIN PUBLIC KEY-----")' };
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: 'pem' });
  } catch {
    return { problem: 'is not a readable PEM public key' };
  }
  const algorithm = algorithmOf(key);
  if (!algorithm)
    return {
      problem: `is an unsupported ${describeKey(key)} key; use an Ed25519 (EdDSA) or P-256 (ES256) key`,
    };
  return { spki: key.export({ type: 'spki', format: 'pem' }).toString(), algorithm };
}

/** Reads a private key PEM (PKCS8, or SEC1 for P-256) as PKCS8 with its algorithm; throws when unusable. */
export function parsePrivateKeyPem(pem: string): { pkcs8: string; algorithm: TokenAlgorithm } {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: normalizePem(pem), format: 'pem' });
  } catch {
    throw new Error('privateKeyPem is not a readable PEM private key');
  }
  const algorithm = algorithmOf(key);
  if (!algorithm)
    throw new Error(
      `privateKeyPem is an unsupported ${describeKey(key)} key; use an Ed25519 (EdDSA) or P-256 (ES256) key`,
    );
  return { pkcs8: key.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm };
}

function algorithmOf(key: KeyObject): TokenAlgorithm | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return undefined;
}

function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return [key.asymmetricKeyType ?? 'unknown', curve].filter(Boolean).join(' ');
}

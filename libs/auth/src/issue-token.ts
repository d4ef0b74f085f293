import { importPKCS8, SignJWT } from 'jose';
import { parsePrivateKeyPem, secretKey, secretProblem } from './keys';
import { isRole, type Role } from './roles';

export interface IssueTokenOptions {
  /** HS256 shared secret (at least 32 bytes); give this or `privateKeyPem`. */
  secret?: string;
  /** Ed25519 or P-256 private key, PEM (PKCS8); signs with EdDSA or ES256. */
  privateKeyPem?: string;
  /** `iss`; default `mlops`. */
  issuer?: string;
  /** `aud`; default `mlops`. */
  audience?: string;
  /** `sub`: who the token speaks for. */
  subject: string;
  roles: Role[];
  /** Lifetime from now; default 3600 (one hour). */
  ttlSeconds?: number;
}

const DEFAULT_TTL_SECONDS = 3600;

/** Signs a token the {@link TokenVerifier} accepts: for tests, the CLI and local quickstarts. */
export async function issueToken(options: IssueTokenOptions): Promise<string> {
  const {
    secret,
    privateKeyPem,
    subject,
    roles,
    issuer = 'mlops',
    audience = 'mlops',
    ttlSeconds = DEFAULT_TTL_SECONDS,
  } = options;
  if ((secret === undefined) === (privateKeyPem === undefined))
    throw new Error('issueToken needs exactly one of secret and privateKeyPem');
  if (subject.trim() === '') throw new Error('issueToken needs a non-empty subject');
  const unknown = roles.filter((role) => !isRole(role));
  if (unknown.length > 0) throw new Error(`issueToken: unknown roles ${unknown.join(', ')}`);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)
    throw new Error('issueToken: ttlSeconds must be a positive integer');

  const { key, algorithm } = secret !== undefined ? hmacKey(secret) : await privateKey(privateKeyPem ?? '');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(subject)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(key);
}

function hmacKey(secret: string) {
  const problem = secretProblem(secret);
  if (problem) throw new Error(`issueToken: secret ${problem}`);
  return { key: secretKey(secret), algorithm: 'HS256' };
}

async function privateKey(pem: string) {
  const { pkcs8, algorithm } = parsePrivateKeyPem(pem);
  return { key: await importPKCS8(pkcs8, algorithm), algorithm };
}

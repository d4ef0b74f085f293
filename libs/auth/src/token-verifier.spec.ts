import { generateKeyPairSync } from 'node:crypto';
import { Metadata, status } from '@grpc/grpc-js';
import { RpcError } from '@mlops/grpc';
import { SignJWT, type JWTPayload } from 'jose';
import { authConfigSchema } from './auth-config';
import { issueToken } from './issue-token';
import { TokenVerifier } from './token-verifier';

const SECRET = 'test-secret-of-at-least-thirty-two-bytes';
const OTHER_SECRET = 'another-secret-of-at-least-thirty-two-bytes';
const now = () => Math.floor(Date.now() / 1000);

const bearer = (token: string) => withAuthorization(`Bearer ${token}`);
function withAuthorization(...values: string[]): Metadata {
  const metadata = new Metadata();
  for (const value of values) metadata.add('authorization', value);
  return metadata;
}

/** Signs arbitrary claims with HS256, for tokens issueToken deliberately cannot make. */
function signed(claims: JWTPayload, secret = SECRET): Promise<string> {
  return new SignJWT({ roles: ['viewer'], ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret));
}
const validClaims = (): JWTPayload => ({ sub: 'ada', iss: 'mlops', aud: 'mlops', exp: now() + 600 });

async function rejectionOf(call: Promise<unknown>): Promise<RpcError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RpcError)) throw new Error(`expected an RpcError, got ${String(error)}`);
  return error;
}

describe('TokenVerifier with a shared secret (HS256)', () => {
  let verifier: TokenVerifier;
  beforeAll(async () => {
    verifier = await TokenVerifier.fromConfig(authConfigSchema.parse({ AUTH_TOKEN_SECRET: SECRET }));
  });

  const refusal = async (metadata: Metadata) => rejectionOf(verifier.authenticate(metadata));

  it('returns the identity of a valid token', async () => {
    const token = await issueToken({ secret: SECRET, subject: 'ada', roles: ['contributor'] });
    await expect(verifier.authenticate(bearer(token))).resolves.toEqual({
      subject: 'ada',
      roles: ['contributor'],
    });
  });

  it('accepts the scheme name in any case', async () => {
    const token = await issueToken({ secret: SECRET, subject: 'ada', roles: ['viewer'] });
    await expect(verifier.authenticate(withAuthorization(`bearer ${token}`))).resolves.toMatchObject({
      subject: 'ada',
    });
  });

  it('ignores role names it does not know', async () => {
    const token = await signed({ ...validClaims(), roles: ['superuser', 'approver', 'billing', 'approver'] });
    await expect(verifier.authenticate(bearer(token))).resolves.toEqual({
      subject: 'ada',
      roles: ['approver'],
    });
  });

  it('refuses a call without authorization metadata', async () => {
    expect(await refusal(new Metadata())).toMatchObject({
      code: status.UNAUTHENTICATED,
      reason: 'TOKEN_MISSING',
      message: expect.stringMatching(/missing "authorization" metadata/),
    });
  });

  it('refuses authorization that is not a Bearer token, without echoing it', async () => {
    const error = await refusal(withAuthorization('Basic YWRhOnNlY3JldA=='));
    expect(error).toMatchObject({
      code: status.UNAUTHENTICATED,
      reason: 'TOKEN_MISSING',
      message: expect.stringMatching(/not a Bearer token/),
    });
    expect(error.message).not.toContain('YWRhOnNlY3JldA');
    expect(await refusal(withAuthorization('Bearer '))).toMatchObject({ reason: 'TOKEN_MISSING' });
  });

  it('refuses two authorization entries', async () => {
    const token = await issueToken({ secret: SECRET, subject: 'ada', roles: ['viewer'] });
    expect(await refusal(withAuthorization(`Bearer ${token}`, `Bearer ${token}`))).toMatchObject({
      reason: 'TOKEN_INVALID',
      message: expect.stringMatching(/more than one/),
    });
  });

  it('refuses a garbage token without echoing it', async () => {
    const error = await refusal(bearer('not-a-jwt-at-all'));
    expect(error).toMatchObject({
      code: status.UNAUTHENTICATED,
      reason: 'TOKEN_INVALID',
      message: 'token is not a well-formed signed JWT',
    });
    expect(error.message).not.toContain('not-a-jwt');
  });

  it('refuses a token signed with another secret', async () => {
    const token = await issueToken({ secret: OTHER_SECRET, subject: 'ada', roles: ['admin'] });
    const error = await refusal(bearer(token));
    expect(error).toMatchObject({
      code: status.UNAUTHENTICATED,
      reason: 'TOKEN_INVALID',
      message: 'token signature is invalid',
    });
    expect(error.message).not.toContain(token);
  });

  it('refuses an expired token, with a small tolerance for clock skew', async () => {
    await expect(
      verifier.authenticate(bearer(await signed({ ...validClaims(), exp: now() - 10 }))),
    ).resolves.toMatchObject({ subject: 'ada' });
    expect(await refusal(bearer(await signed({ ...validClaims(), exp: now() - 120 })))).toMatchObject({
      code: status.UNAUTHENTICATED,
      reason: 'TOKEN_EXPIRED',
      message: expect.stringMatching(/^token expired at \d{4}-\d\d-\d\dT/),
    });
  });

  it('refuses a token without an expiry', async () => {
    expect(await refusal(bearer(await signed({ ...validClaims(), exp: undefined })))).toMatchObject({
      reason: 'TOKEN_INVALID',
      message: 'token has no "exp" claim',
    });
  });

  it('refuses a token from another issuer', async () => {
    const token = await issueToken({
      secret: SECRET,
      issuer: 'someone-else',
      subject: 'ada',
      roles: ['admin'],
    });
    expect(await refusal(bearer(token))).toMatchObject({
      code: status.UNAUTHENTICATED,
      reason: 'TOKEN_INVALID',
      message: 'token issuer is not "mlops"',
    });
  });

  it('refuses a token for another audience, and accepts one whose audiences include ours', async () => {
    const token = await issueToken({ secret: SECRET, audience: 'billing', subject: 'ada', roles: ['admin'] });
    expect(await refusal(bearer(token))).toMatchObject({
      code: status.UNAUTHENTICATED,
      reason: 'TOKEN_INVALID',
      message: 'token audience does not include "mlops"',
    });
    await expect(
      verifier.authenticate(bearer(await signed({ ...validClaims(), aud: ['billing', 'mlops'] }))),
    ).resolves.toMatchObject({ subject: 'ada' });
  });

  it('refuses a token with no or an empty subject', async () => {
    expect(await refusal(bearer(await signed({ ...validClaims(), sub: undefined })))).toMatchObject({
      reason: 'TOKEN_INVALID',
      message: 'token has no "sub" claim',
    });
    expect(await refusal(bearer(await signed({ ...validClaims(), sub: ' ' })))).toMatchObject({
      reason: 'TOKEN_INVALID',
      message: 'token subject (sub) is empty',
    });
  });

  it('refuses a token whose roles are missing or not a list of names', async () => {
    expect(await refusal(bearer(await signed({ ...validClaims(), roles: undefined })))).toMatchObject({
      reason: 'TOKEN_INVALID',
      message: 'token has no "roles" claim',
    });
    expect(await refusal(bearer(await signed({ ...validClaims(), roles: 'admin' })))).toMatchObject({
      reason: 'TOKEN_INVALID',
      message: expect.stringMatching(/not an array of role names/),
    });
  });

  it('refuses an unsigned token (alg "none")', async () => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...validClaims(), roles: ['admin'] })}.`;
    expect(await refusal(bearer(token))).toMatchObject({
      code: status.UNAUTHENTICATED,
      reason: 'TOKEN_INVALID',
      message: expect.stringMatching(/accepts only HS256/),
    });
  });

  it('refuses an HS384 token even with the right secret', async () => {
    const token = await new SignJWT({ ...validClaims() })
      .setProtectedHeader({ alg: 'HS384' })
      .sign(new TextEncoder().encode(SECRET));
    expect(await refusal(bearer(token))).toMatchObject({
      reason: 'TOKEN_INVALID',
      message: expect.stringMatching(/algorithm is not accepted/),
    });
  });

  describe('authorize', () => {
    it('passes a caller holding the role or a higher one', async () => {
      const approver = await issueToken({ secret: SECRET, subject: 'ada', roles: ['approver'] });
      await expect(verifier.authorize(bearer(approver), 'contributor')).resolves.toEqual({
        subject: 'ada',
        roles: ['approver'],
      });
      await expect(verifier.authorize(bearer(approver), 'approver')).resolves.toMatchObject({
        subject: 'ada',
      });
    });

    it("refuses a caller below the role, naming the role and the caller's roles", async () => {
      const token = await issueToken({ secret: SECRET, subject: 'ada', roles: ['viewer', 'contributor'] });
      expect(await rejectionOf(verifier.authorize(bearer(token), 'approver'))).toMatchObject({
        code: status.PERMISSION_DENIED,
        reason: 'ROLE_REQUIRED',
        message: 'role "approver" or higher is required; "ada" has roles viewer, contributor',
      });
    });

    it('grants nothing to a token with no known role', async () => {
      const token = await signed({ ...validClaims(), roles: ['superuser'] });
      await expect(verifier.authenticate(bearer(token))).resolves.toEqual({ subject: 'ada', roles: [] });
      expect(await rejectionOf(verifier.authorize(bearer(token), 'viewer'))).toMatchObject({
        code: status.PERMISSION_DENIED,
        reason: 'ROLE_REQUIRED',
        message: expect.stringMatching(/"ada" has no known role/),
      });
    });

    it('authenticates before it authorizes', async () => {
      expect(await rejectionOf(verifier.authorize(new Metadata(), 'viewer'))).toMatchObject({
        code: status.UNAUTHENTICATED,
        reason: 'TOKEN_MISSING',
      });
    });
  });
});

describe('TokenVerifier with a public key', () => {
  const ed25519 = generateKeyPairSync('ed25519');
  const publicPem = ed25519.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const privatePem = ed25519.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  let verifier: TokenVerifier;
  beforeAll(async () => {
    verifier = await TokenVerifier.fromConfig(
      authConfigSchema.parse({
        AUTH_TOKEN_PUBLIC_KEY: publicPem,
        AUTH_TOKEN_ISSUER: 'idp',
        AUTH_TOKEN_AUDIENCE: 'registry',
      }),
    );
  });

  it('round-trips an EdDSA token', async () => {
    const token = await issueToken({
      privateKeyPem: privatePem,
      issuer: 'idp',
      audience: 'registry',
      subject: 'ci-bot',
      roles: ['contributor'],
    });
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toMatchObject({
      alg: 'EdDSA',
    });
    await expect(verifier.authorize(bearer(token), 'viewer')).resolves.toEqual({
      subject: 'ci-bot',
      roles: ['contributor'],
    });
  });

  it('refuses a token signed by another Ed25519 key', async () => {
    const other = generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const token = await issueToken({
      privateKeyPem: other,
      issuer: 'idp',
      audience: 'registry',
      subject: 'ci-bot',
      roles: ['admin'],
    });
    expect(await rejectionOf(verifier.authenticate(bearer(token)))).toMatchObject({
      reason: 'TOKEN_INVALID',
      message: 'token signature is invalid',
    });
  });

  it('refuses an HS256 token keyed with the public key itself (algorithm confusion)', async () => {
    const forged = await issueToken({
      secret: publicPem,
      issuer: 'idp',
      audience: 'registry',
      subject: 'mallory',
      roles: ['admin'],
    });
    expect(await rejectionOf(verifier.authenticate(bearer(forged)))).toMatchObject({
      code: status.UNAUTHENTICATED,
      reason: 'TOKEN_INVALID',
      message: 'token signing algorithm is not accepted; this service accepts only EdDSA',
    });
  });

  it('picks ES256 for a P-256 key', async () => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const es256 = await TokenVerifier.fromConfig(
      authConfigSchema.parse({
        AUTH_TOKEN_PUBLIC_KEY: p256.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      }),
    );
    const token = await issueToken({
      privateKeyPem: p256.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      subject: 'ada',
      roles: ['admin'],
    });
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toMatchObject({
      alg: 'ES256',
    });
    await expect(es256.authorize(bearer(token), 'admin')).resolves.toEqual({
      subject: 'ada',
      roles: ['admin'],
    });
    expect(
      await rejectionOf(
        es256.authenticate(
          bearer(await issueToken({ privateKeyPem: privatePem, subject: 'ada', roles: ['admin'] })),
        ),
      ),
    ).toMatchObject({
      message: expect.stringMatching(/accepts only ES256/),
    });
  });
});

describe('issueToken', () => {
  it('refuses to sign with no key, both keys, a short secret or a bad ttl', async () => {
    await expect(issueToken({ subject: 'ada', roles: ['viewer'] })).rejects.toThrow(
      /exactly one of secret and privateKeyPem/,
    );
    await expect(
      issueToken({ secret: SECRET, privateKeyPem: 'x', subject: 'ada', roles: ['viewer'] }),
    ).rejects.toThrow(/exactly one/);
    await expect(issueToken({ secret: 'short', subject: 'ada', roles: ['viewer'] })).rejects.toThrow(
      /at least 32 bytes/,
    );
    await expect(
      issueToken({ secret: SECRET, subject: 'ada', roles: ['viewer'], ttlSeconds: 0 }),
    ).rejects.toThrow(/ttlSeconds/);
  });

  it('sets the standard claims, an hour by default', async () => {
    const token = await issueToken({ secret: SECRET, subject: 'ada', roles: ['approver'] });
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ sub: 'ada', roles: ['approver'], iss: 'mlops', aud: 'mlops' });
    expect(claims.exp - claims.iat).toBe(3600);
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { z } from 'zod';
import { authConfig, authConfigSchema, requireOneTokenKey } from './auth-config';
import { TokenVerifier } from './token-verifier';

const SECRET = 'test-secret-of-at-least-thirty-two-bytes';
const ed25519 = generateKeyPairSync('ed25519');
const publicPem = ed25519.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const privatePem = ed25519.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

// Shaped like a service's schema: its own settings extended with the token settings.
const serviceSchema = z
  .object({ GRPC_PORT: z.coerce.number().default(20051) })
  .extend(authConfig)
  .superRefine(requireOneTokenKey);

function problems(env: Record<string, string>) {
  const parsed = serviceSchema.safeParse(env);
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('authConfig', () => {
  it('defaults issuer and audience to mlops', () => {
    expect(serviceSchema.parse({ AUTH_TOKEN_SECRET: SECRET })).toEqual({
      GRPC_PORT: 20051,
      AUTH_TOKEN_SECRET: SECRET,
      AUTH_TOKEN_ISSUER: 'mlops',
      AUTH_TOKEN_AUDIENCE: 'mlops',
    });
  });

  it('refuses neither key, and an empty variable counts as unset', () => {
    expect(problems({})).toEqual([
      expect.stringMatching(/AUTH_TOKEN_SECRET .*or AUTH_TOKEN_PUBLIC_KEY.*neither is set/),
    ]);
    expect(problems({ AUTH_TOKEN_SECRET: '', AUTH_TOKEN_PUBLIC_KEY: ' ' })).toEqual([
      expect.stringMatching(/neither is set/),
    ]);
  });

  it('refuses both keys', () => {
    expect(problems({ AUTH_TOKEN_SECRET: SECRET, AUTH_TOKEN_PUBLIC_KEY: publicPem })).toEqual([
      expect.stringMatching(/only one of .*both are set/),
    ]);
  });

  it('refuses a secret shorter than 32 bytes without quoting it', () => {
    const found = problems({ AUTH_TOKEN_SECRET: 'short-secret' });
    expect(found).toEqual([
      expect.stringMatching(/^AUTH_TOKEN_SECRET: must be at least 32 bytes \(it has 12\)/),
    ]);
    expect(found[0]).not.toContain('short-secret');
  });

  it('accepts a public key whose newlines arrive as literal \\n', () => {
    expect(problems({ AUTH_TOKEN_PUBLIC_KEY: publicPem.trim().replace(/\n/g, '\\n') })).toEqual([]);
  });

  it('refuses a private key, an unreadable PEM and an unsupported curve in AUTH_TOKEN_PUBLIC_KEY', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(problems({ AUTH_TOKEN_PUBLIC_KEY: privatePem })).toEqual([
      expect.stringMatching(/^AUTH_TOKEN_PUBLIC_KEY: must be a PEM public key/),
    ]);
    expect(
      problems({ AUTH_TOKEN_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' }),
    ).toEqual([expect.stringMatching(/^AUTH_TOKEN_PUBLIC_KEY: is not a readable PEM/)]);
    expect(problems({ AUTH_TOKEN_PUBLIC_KEY: p384 })).toEqual([
      expect.stringMatching(/^AUTH_TOKEN_PUBLIC_KEY: is an unsupported ec secp384r1 key; use an Ed25519/),
    ]);
  });

  it('is checked again by TokenVerifier.fromConfig, so a schema without the refinement still fails at start-up', async () => {
    const unrefined = z.object(authConfig).parse({});
    await expect(TokenVerifier.fromConfig(unrefined)).rejects.toThrow(
      /invalid token configuration: .*neither is set/,
    );
    await expect(
      TokenVerifier.fromConfig({ ...unrefined, AUTH_TOKEN_SECRET: 'x'.repeat(31) }),
    ).rejects.toThrow(/AUTH_TOKEN_SECRET: must be at least 32 bytes/);
    await expect(
      TokenVerifier.fromConfig(authConfigSchema.parse({ AUTH_TOKEN_PUBLIC_KEY: publicPem })),
    ).resolves.toBeInstanceOf(TokenVerifier);
  });
});

import { z } from 'zod';
import { parsePublicKeyPem, secretProblem } from './keys';

/** Docker Compose and Kubernetes turn `AUTH_TOKEN_SECRET=` into an empty string: treat it as unset. */
const unsetIfBlank = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const secret = z.preprocess(
  unsetIfBlank,
  z
    .string()
    .superRefine((value, ctx) => {
      const problem = secretProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
);

const publicKey = z.preprocess(
  unsetIfBlank,
  z
    .string()
    .superRefine((value, ctx) => {
      const parsed = parsePublicKeyPem(value);
      if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
    })
    .optional(),
);

const name = (what: string) =>
  z.string().trim().min(1, `must not be empty (the expected token ${what})`).default('mlops');

/**
 * Token settings as a zod shape keyed by environment variable, for a service's config schema:
 * `serviceConfigSchema(defaults).extend(authConfig).superRefine(requireOneTokenKey)`.
 * Exactly one of `AUTH_TOKEN_SECRET` and `AUTH_TOKEN_PUBLIC_KEY` must be set; the shape alone cannot
 * say so, which is what {@link requireOneTokenKey} is for ({@link TokenVerifier.fromConfig} checks again).
 */
export const authConfig = {
  /** Shared HS256 secret, at least 32 bytes. */
  AUTH_TOKEN_SECRET: secret,
  /** Ed25519 or P-256 public key, PEM SPKI (literal `\n`s are accepted); tokens then use EdDSA or ES256. */
  AUTH_TOKEN_PUBLIC_KEY: publicKey,
  /** Required `iss` claim; default `mlops`. */
  AUTH_TOKEN_ISSUER: name('issuer, "iss"'),
  /** Value the `aud` claim must contain; default `mlops`. */
  AUTH_TOKEN_AUDIENCE: name('audience, "aud"'),
};

/** Refinement for a schema extended with {@link authConfig}: exactly one verification key. */
export function requireOneTokenKey(
  config: { AUTH_TOKEN_SECRET?: string; AUTH_TOKEN_PUBLIC_KEY?: string },
  ctx: z.RefinementCtx,
): void {
  const secretSet = config.AUTH_TOKEN_SECRET !== undefined;
  const keySet = config.AUTH_TOKEN_PUBLIC_KEY !== undefined;
  if (secretSet === keySet) {
    ctx.addIssue({
      code: 'custom',
      message: secretSet
        ? 'set only one of AUTH_TOKEN_SECRET (HS256) and AUTH_TOKEN_PUBLIC_KEY (EdDSA/ES256); both are set'
        : 'set AUTH_TOKEN_SECRET (HS256 shared secret) or AUTH_TOKEN_PUBLIC_KEY (Ed25519/P-256 PEM); neither is set',
    });
  }
}

/** The token settings on their own, with the one-key rule. */
export const authConfigSchema = z.object(authConfig).superRefine(requireOneTokenKey);

export type AuthConfig = z.output<typeof authConfigSchema>;

import { type Metadata } from '@grpc/grpc-js';
import { RpcError } from '@mlops/grpc';
import { errors, importSPKI, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import { type AuthConfig, authConfigSchema } from './auth-config';
import { parsePublicKeyPem, secretKey, type TokenAlgorithm } from './keys';
import { hasRole, type Identity, isRole, type Role } from './roles';

/** `google.rpc.ErrorInfo.reason` of the errors {@link TokenVerifier} raises. */
export type AuthErrorReason = 'TOKEN_MISSING' | 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'ROLE_REQUIRED';

/** Leeway for clock skew between the token issuer and this process, applied to `exp`, `nbf` and `iat`. */
export const CLOCK_TOLERANCE_SECONDS = 30;

const unauthenticated = (
  message: string,
  reason: Exclude<AuthErrorReason, 'ROLE_REQUIRED'> = 'TOKEN_INVALID',
) => RpcError.unauthenticated(message, reason);

/**
 * Checks `authorization: Bearer <JWT>` metadata against one key. Build one per process with
 * {@link TokenVerifier.fromConfig} (the key is imported once) and call it per request.
 * Failures never echo the token.
 */
export class TokenVerifier {
  private constructor(
    private readonly key: CryptoKey | Uint8Array,
    private readonly algorithm: TokenAlgorithm,
    private readonly issuer: string,
    private readonly audience: string,
  ) {}

  /** Throws, naming the setting, when the config has no key, both keys, a short secret or an unusable public key. */
  static async fromConfig(config: AuthConfig): Promise<TokenVerifier> {
    // Re-checked here so a service that extended its schema without the one-key refinement still fails at start-up.
    const parsed = authConfigSchema.safeParse(config);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (issue) => `${issue.path.map(String).join('.') || 'auth settings'}: ${issue.message}`,
      );
      throw new Error(`invalid token configuration: ${problems.join('; ')}`);
    }
    const settings = parsed.data;
    if (settings.AUTH_TOKEN_SECRET !== undefined) {
      return new TokenVerifier(
        secretKey(settings.AUTH_TOKEN_SECRET),
        'HS256',
        settings.AUTH_TOKEN_ISSUER,
        settings.AUTH_TOKEN_AUDIENCE,
      );
    }
    const publicKey = parsePublicKeyPem(settings.AUTH_TOKEN_PUBLIC_KEY ?? '');
    if ('problem' in publicKey)
      throw new Error(`invalid token configuration: AUTH_TOKEN_PUBLIC_KEY ${publicKey.problem}`);
    const key = await importSPKI(publicKey.spki, publicKey.algorithm);
    return new TokenVerifier(
      key,
      publicKey.algorithm,
      settings.AUTH_TOKEN_ISSUER,
      settings.AUTH_TOKEN_AUDIENCE,
    );
  }

  /** The caller's identity; RpcError UNAUTHENTICATED (TOKEN_MISSING, TOKEN_INVALID or TOKEN_EXPIRED) otherwise. */
  async authenticate(metadata: Metadata): Promise<Identity> {
    const token = bearerToken(metadata);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: [this.algorithm],
        issuer: this.issuer,
        audience: this.audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw this.rejection(error);
    }
    return identityOf(payload);
  }

  /** {@link authenticate}, then RpcError PERMISSION_DENIED (ROLE_REQUIRED) unless the caller holds `required` or above. */
  async authorize(metadata: Metadata, required: Role): Promise<Identity> {
    const identity = await this.authenticate(metadata);
    if (!hasRole(identity, required)) {
      const held = identity.roles.length > 0 ? `roles ${identity.roles.join(', ')}` : 'no known role';
      throw RpcError.permissionDenied(
        `role "${required}" or higher is required; "${identity.subject}" has ${held}`,
        'ROLE_REQUIRED',
      );
    }
    return identity;
  }

  /** A message from what jose found, never from its message text (which could quote token content). */
  private rejection(error: unknown): RpcError {
    if (error instanceof errors.JWTExpired) {
      const exp = error.payload.exp;
      const when = typeof exp === 'number' ? ` at ${new Date(exp * 1000).toISOString()}` : '';
      return unauthenticated(`token expired${when}`, 'TOKEN_EXPIRED');
    }
    if (error instanceof errors.JWTClaimValidationFailed)
      return unauthenticated(this.claimProblem(error.claim, error.reason));
    if (error instanceof errors.JOSEAlgNotAllowed)
      return unauthenticated(
        `token signing algorithm is not accepted; this service accepts only ${this.algorithm}`,
      );
    if (error instanceof errors.JWSSignatureVerificationFailed)
      return unauthenticated('token signature is invalid');
    return unauthenticated('token is not a well-formed signed JWT');
  }

  private claimProblem(claim: string, reason: string): string {
    if (reason === 'missing') return `token has no "${claim}" claim`;
    switch (claim) {
      case 'iss':
        return `token issuer is not "${this.issuer}"`;
      case 'aud':
        return `token audience does not include "${this.audience}"`;
      case 'nbf':
        return 'token is not valid yet (nbf)';
      case 'iat':
        return 'token issue time (iat) is invalid';
      default:
        return `token claim "${claim}" is invalid`;
    }
  }
}

function bearerToken(metadata: Metadata): string {
  const values = metadata.get('authorization');
  if (values.length === 0)
    throw unauthenticated(
      'missing "authorization" metadata; send "authorization: Bearer <token>"',
      'TOKEN_MISSING',
    );
  if (values.length > 1) throw unauthenticated('more than one "authorization" metadata entry');
  const value = values[0];
  const match = typeof value === 'string' ? /^Bearer +(\S+)$/i.exec(value.trim()) : null;
  if (!match)
    throw unauthenticated(
      '"authorization" metadata is not a Bearer token; send "authorization: Bearer <token>"',
      'TOKEN_MISSING',
    );
  return match[1];
}

function identityOf(payload: JWTPayload): Identity {
  const subject = payload.sub;
  if (typeof subject !== 'string' || subject.trim() === '')
    throw unauthenticated('token subject (sub) is empty');
  const roles: unknown = payload.roles;
  if (roles === undefined) throw unauthenticated('token has no "roles" claim');
  if (!Array.isArray(roles) || !roles.every((role) => typeof role === 'string'))
    throw unauthenticated('token "roles" claim is not an array of role names');
  // Unknown names are dropped rather than refused: a token may carry roles for other systems or newer ones.
  return { subject, roles: [...new Set(roles.filter(isRole))] };
}

/** Injection token for a process's one TokenVerifier (its key is imported once, at start-up). */
export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');

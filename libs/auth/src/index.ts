export { ROLES, hasRole, type Identity, type Role } from './roles';
export { authConfig, authConfigSchema, requireOneTokenKey, type AuthConfig } from './auth-config';
export { CLOCK_TOLERANCE_SECONDS, TOKEN_VERIFIER, TokenVerifier, type AuthErrorReason } from './token-verifier';
export { issueToken, type IssueTokenOptions } from './issue-token';

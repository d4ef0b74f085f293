/** Injection token for the process's one TokenVerifier (its key is imported once, at start-up). */
export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');

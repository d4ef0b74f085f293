import { type z } from 'zod';

export interface ConfigIssue {
  /** The environment variable at fault, e.g. `GRPC_PORT`. */
  setting: string;
  problem: string;
}

/** Raised when the environment does not satisfy a service's schema; names every bad setting. */
export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(`invalid configuration: ${issues.map((i) => `${i.setting}: ${i.problem}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads settings once from the environment and validates them against a schema whose keys are the
 * environment variable names. Unknown variables are ignored; missing or malformed ones fail fast.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => ({
      setting: issue.path.map(String).join('.') || '(environment)',
      problem: issue.message,
    })),
  );
}

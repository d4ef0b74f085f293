/** Platform roles, lowest first. Each role implies every role before it. */
export const ROLES = ['viewer', 'contributor', 'approver', 'admin'] as const satisfies readonly string[];

export type Role = (typeof ROLES)[number];

/** Who is calling, as a verified token says. */
export interface Identity {
  /** The token's `sub` claim. */
  subject: string;
  /** Roles granted by the token, in its order; names this platform does not know are dropped. */
  roles: Role[];
}

export function isRole(value: unknown): value is Role {
  return (ROLES as readonly unknown[]).includes(value);
}

/** Whether the identity holds `required` or any role above it. */
export function hasRole(identity: Identity, required: Role): boolean {
  const rank = ROLES.indexOf(required);
  return identity.roles.some((role) => ROLES.indexOf(role) >= rank);
}

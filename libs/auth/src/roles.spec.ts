import { hasRole, ROLES, type Role } from './roles';

const as = (...roles: Role[]) => ({ subject: 'ada', roles });

describe('hasRole', () => {
  it('orders roles from viewer to admin', () => {
    expect(ROLES).toEqual(['viewer', 'contributor', 'approver', 'admin']);
  });

  it('lets a higher role stand in for every lower one, never the reverse', () => {
    expect(ROLES.map((required) => hasRole(as('approver'), required))).toEqual([true, true, true, false]);
    expect(ROLES.map((required) => hasRole(as('viewer'), required))).toEqual([true, false, false, false]);
    expect(ROLES.every((required) => hasRole(as('admin'), required))).toBe(true);
  });

  it('takes the highest of several roles, and grants nothing without one', () => {
    expect(hasRole(as('viewer', 'approver'), 'contributor')).toBe(true);
    expect(ROLES.some((required) => hasRole(as(), required))).toBe(false);
  });
});

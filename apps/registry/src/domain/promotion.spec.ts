import { type AliasMove, type ApprovalRecord, decide, PromotionRefused, type PromotionSnapshot, rollbackTarget } from './promotion';

const approval = (actor: string, decision: ApprovalRecord['decision'] = 'approve'): ApprovalRecord => ({ actor, decision, reason: 'ok', time: new Date('2024-05-01T10:00:00Z') });
const pending = (overrides: Partial<PromotionSnapshot> = {}): PromotionSnapshot => ({
  id: 'p-1', state: 'PENDING_APPROVAL', requestedBy: 'ana', requiredApprovals: 1, approvals: [], previousVersion: 3, ...overrides,
});

function refusal(run: () => unknown): PromotionRefused {
  try {
    run();
  } catch (error) {
    if (error instanceof PromotionRefused) return error;
    throw error;
  }
  throw new Error('expected a PromotionRefused');
}

describe('decide', () => {
  it('promotes on one approval by someone other than the requester', () => {
    expect(decide(pending(), 'bo', 'approve', 3)).toEqual({ kind: 'promote' });
  });

  it('refuses the requester deciding on their own request (four eyes), even to reject', () => {
    for (const decision of ['approve', 'reject'] as const) {
      const error = refusal(() => decide(pending(), 'ana', decision, 3));
      expect(error.reason).toBe('SELF_APPROVAL');
      expect(error.name).toBe('PromotionRefused');
      expect(error.message).toBe('ana requested promotion p-1 and cannot also decide on it (four eyes)');
    }
  });

  it('refuses the same approver twice', () => {
    const error = refusal(() => decide(pending({ requiredApprovals: 2, approvals: [approval('bo')] }), 'bo', 'approve', 3));
    expect(error.reason).toBe('ALREADY_DECIDED');
    expect(error.message).toBe('bo has already decided on promotion p-1');
  });

  it.each(['PROMOTED', 'GATES_FAILED', 'REJECTED', 'SUPERSEDED'] as const)('refuses a decision on a %s promotion', (state) => {
    const error = refusal(() => decide(pending({ state }), 'bo', 'approve', 3));
    expect(error.reason).toBe('NOT_PENDING');
    expect(error.message).toBe(`promotion p-1 is ${state}, not pending approval`);
  });

  it('checks the state before the identity', () => {
    expect(refusal(() => decide(pending({ state: 'PROMOTED' }), 'ana', 'approve', 3)).reason).toBe('NOT_PENDING');
  });

  it('rejects on a rejection', () => {
    expect(decide(pending({ requiredApprovals: 2, approvals: [approval('bo')] }), 'cy', 'reject', 3)).toEqual({ kind: 'rejected' });
  });

  it('rejects even when the alias has moved since the request', () => {
    expect(decide(pending(), 'bo', 'reject', 4)).toEqual({ kind: 'rejected' });
  });

  it('supersedes the request when the alias moved since the gates were evaluated', () => {
    expect(decide(pending({ previousVersion: 3 }), 'bo', 'approve', 4)).toEqual({ kind: 'superseded', currentVersion: 4 });
    expect(decide(pending({ previousVersion: 0 }), 'bo', 'approve', 2)).toEqual({ kind: 'superseded', currentVersion: 2 });
    expect(decide(pending({ previousVersion: 3 }), 'bo', 'approve', 0)).toEqual({ kind: 'superseded', currentVersion: 0 });
  });

  it('needs two distinct identities for two required approvals', () => {
    const first = decide(pending({ requiredApprovals: 2 }), 'bo', 'approve', 3);
    expect(first).toEqual({ kind: 'pending', missing: 1 });
    expect(refusal(() => decide(pending({ requiredApprovals: 2, approvals: [approval('bo')] }), 'bo', 'approve', 3)).reason).toBe('ALREADY_DECIDED');
    expect(refusal(() => decide(pending({ requiredApprovals: 2, approvals: [approval('bo')] }), 'ana', 'approve', 3)).reason).toBe('SELF_APPROVAL');
    expect(decide(pending({ requiredApprovals: 2, approvals: [approval('bo')] }), 'cy', 'approve', 3)).toEqual({ kind: 'promote' });
  });

  it('counts the approvals still missing', () => {
    expect(decide(pending({ requiredApprovals: 3 }), 'bo', 'approve', 3)).toEqual({ kind: 'pending', missing: 2 });
    expect(decide(pending({ requiredApprovals: 3, approvals: [approval('bo')] }), 'cy', 'approve', 3)).toEqual({ kind: 'pending', missing: 1 });
  });
});

describe('rollbackTarget', () => {
  // Newest first, as the repository lists them.
  const history: AliasMove[] = [
    { fromVersion: 2, toVersion: 3, kind: 'promotion' },
    { fromVersion: 1, toVersion: 2, kind: 'promotion' },
    { fromVersion: 0, toVersion: 1, kind: 'promotion' },
  ];

  it('walks back v3 → v2 → v1 across promotions and rollbacks, then has nowhere to go', () => {
    let moves = history;
    expect(rollbackTarget(moves, 3)).toBe(2);
    moves = [{ fromVersion: 3, toVersion: 2, kind: 'rollback' }, ...moves];
    expect(rollbackTarget(moves, 2)).toBe(1);
    moves = [{ fromVersion: 2, toVersion: 1, kind: 'rollback' }, ...moves];
    expect(rollbackTarget(moves, 1)).toBeUndefined();
  });

  it('returns undefined for the first champion, however it was set', () => {
    expect(rollbackTarget([{ fromVersion: 0, toVersion: 1, kind: 'set' }], 1)).toBeUndefined();
    expect(rollbackTarget([], 1)).toBeUndefined();
  });

  it('uses the latest promotion to the current version', () => {
    const moves: AliasMove[] = [
      { fromVersion: 4, toVersion: 2, kind: 'promotion' },
      { fromVersion: 2, toVersion: 4, kind: 'promotion' },
      { fromVersion: 3, toVersion: 2, kind: 'rollback' },
      ...history,
    ];
    expect(rollbackTarget(moves, 2)).toBe(4);
    expect(rollbackTarget(moves, 4)).toBe(2);
  });

  it('counts a manual set as how a version got there', () => {
    expect(rollbackTarget([{ fromVersion: 1, toVersion: 5, kind: 'set' }, ...history], 5)).toBe(1);
  });

  it('has no target for a version the alias never moved to', () => {
    expect(rollbackTarget(history, 7)).toBeUndefined();
  });
});

import { type AliasMove, type ApprovalRecord, autoRollbackReason, canaryOver, decide, PromotionRefused, type PromotionSnapshot, rollbackTarget } from './promotion';

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

describe('canaryOver', () => {
  // Newest first: v1, then v2 promoted over it, then v3 promoted over v2 as a canary.
  const history: AliasMove[] = [
    { fromVersion: 2, toVersion: 3, kind: 'promotion' },
    { fromVersion: 1, toVersion: 2, kind: 'promotion' },
    { fromVersion: 0, toVersion: 1, kind: 'promotion' },
  ];

  it('is the current version when it was promoted after the stable version held the alias', () => {
    expect(canaryOver(history, 3, 2)).toBe(3);
    expect(canaryOver(history, 3, 1)).toBe(3);
  });

  it('is nothing once the alias is back on the stable version: a replay, or a rollback that already happened', () => {
    expect(canaryOver([{ fromVersion: 3, toVersion: 2, kind: 'rollback' }, ...history], 2, 2)).toBeUndefined();
    expect(canaryOver(history, 2, 2)).toBeUndefined();
  });

  it('is nothing when the stable version only came after the current one, or never held the alias', () => {
    expect(canaryOver(history.slice(1), 1, 2)).toBeUndefined();
    expect(canaryOver(history, 3, 7)).toBeUndefined();
  });

  it('is nothing for a version the alias holds by rollback', () => {
    const moves: AliasMove[] = [{ fromVersion: 3, toVersion: 1, kind: 'rollback' }, ...history];
    expect(canaryOver(moves, 1, 2)).toBeUndefined();
  });

  it('counts a version promoted again after a rollback', () => {
    const moves: AliasMove[] = [{ fromVersion: 2, toVersion: 3, kind: 'promotion' }, { fromVersion: 3, toVersion: 2, kind: 'rollback' }, ...history];
    expect(canaryOver(moves, 3, 2)).toBe(3);
  });

  it('is nothing without a current or a stable version', () => {
    expect(canaryOver(history, 0, 2)).toBeUndefined();
    expect(canaryOver(history, 3, 0)).toBeUndefined();
    expect(canaryOver([], 3, 2)).toBeUndefined();
  });
});

describe('autoRollbackReason', () => {
  const check = (metric: string, canaryValue: number, stableValue: number, limit: number, passed: boolean) => ({ metric, canaryValue, stableValue, limit, passed });

  it('names the reason and the failed checks with their numbers', () => {
    const checks = [check('error_rate', 0.0912345, 0.01, 0.02, false), check('latency_p99_ms', 12, 11, 13.2, true), check('latency_p99_ms', 40, 11, 13.2, false)];
    expect(autoRollbackReason('error rate regressed', checks)).toBe(
      'serving rolled back the canary: error rate regressed; failed checks: error_rate 0.09123 (stable 0.01, limit 0.02), latency_p99_ms 40 (stable 11, limit 13.2)',
    );
  });

  it('says something without a reason or failed checks', () => {
    expect(autoRollbackReason(' ', [check('error_rate', 0.01, 0.01, 0.02, true)])).toBe('serving rolled back the canary: the canary regressed');
  });
});

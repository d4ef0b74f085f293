export type PromotionState = 'PENDING_APPROVAL' | 'PROMOTED' | 'GATES_FAILED' | 'REJECTED' | 'SUPERSEDED';
export type Decision = 'approve' | 'reject';

export interface ApprovalRecord {
  actor: string;
  decision: Decision;
  reason: string;
  time: Date;
}

export interface PromotionSnapshot {
  id: string;
  state: PromotionState;
  requestedBy: string;
  requiredApprovals: number;
  approvals: ApprovalRecord[];
  /** The alias's version when the gates were evaluated (0 if unset). */
  previousVersion: number;
}

/** A promotion step that cannot happen, and why: the caller's view of FAILED_PRECONDITION. */
export class PromotionRefused extends Error {
  override name = 'PromotionRefused';
  constructor(
    message: string,
    readonly reason: 'NOT_PENDING' | 'SELF_APPROVAL' | 'ALREADY_DECIDED' | 'PROMOTION_PENDING' | 'NO_PREVIOUS_VERSION' | 'GOVERNED_ALIAS',
  ) {
    super(message);
  }
}

type ApprovalOutcome = { kind: 'promote' } | { kind: 'superseded'; currentVersion: number } | { kind: 'pending'; missing: number } | { kind: 'rejected' };

/**
 * What an approval or rejection does to a pending promotion. Four eyes: the requester cannot decide
 * on their own request, and each identity counts once. Enough approvals promote, unless the alias moved
 * since the gates were evaluated against it: then the request is superseded and must be asked again.
 */
export function decide(promotion: PromotionSnapshot, actor: string, decision: Decision, currentVersion: number): ApprovalOutcome {
  if (promotion.state !== 'PENDING_APPROVAL') throw new PromotionRefused(`promotion ${promotion.id} is ${promotion.state}, not pending approval`, 'NOT_PENDING');
  if (actor === promotion.requestedBy) throw new PromotionRefused(`${actor} requested promotion ${promotion.id} and cannot also decide on it (four eyes)`, 'SELF_APPROVAL');
  if (promotion.approvals.some((a) => a.actor === actor)) throw new PromotionRefused(`${actor} has already decided on promotion ${promotion.id}`, 'ALREADY_DECIDED');
  if (decision === 'reject') return { kind: 'rejected' };
  if (currentVersion !== promotion.previousVersion) return { kind: 'superseded', currentVersion };
  const approvals = promotion.approvals.filter((a) => a.decision === 'approve').length + 1;
  return approvals >= promotion.requiredApprovals ? { kind: 'promote' } : { kind: 'pending', missing: promotion.requiredApprovals - approvals };
}

export interface AliasMove {
  fromVersion: number;
  toVersion: number;
  kind: 'promotion' | 'rollback' | 'set' | 'delete';
}

/**
 * The version a rollback restores: the one the current version replaced when it was last promoted.
 * Rolling back twice walks further back (v3 → v2 → v1), never flips between two versions.
 * `moves` are the alias's moves, newest first.
 */
export function rollbackTarget(moves: AliasMove[], currentVersion: number): number | undefined {
  const promotion = moves.find((m) => m.kind !== 'rollback' && m.toVersion === currentVersion);
  return promotion && promotion.fromVersion > 0 ? promotion.fromVersion : undefined;
}

/**
 * The canary that serving rolled back by itself, if it still holds the alias. Serving names only the
 * version it kept (`stableVersion`), so the canary is the alias's current version, provided it arrived
 * by promotion (not by rollback) after `stableVersion` had held the alias. Undefined when the alias is
 * already back on `stableVersion` (a replay, or a rollback that already happened) or holds anything else.
 * `moves` are the alias's moves, newest first.
 */
export function canaryOver(moves: AliasMove[], currentVersion: number, stableVersion: number): number | undefined {
  if (currentVersion <= 0 || stableVersion <= 0 || currentVersion === stableVersion) return undefined;
  const arrival = moves.findIndex((m) => m.kind !== 'delete' && m.toVersion === currentVersion);
  if (arrival < 0 || moves[arrival].kind === 'rollback') return undefined;
  return moves.slice(arrival + 1).some((m) => m.kind !== 'delete' && m.toVersion === stableVersion) ? currentVersion : undefined;
}

/** A guard comparison of a canary against stable, as serving reports it. */
interface GuardComparison {
  metric: string;
  canaryValue: number;
  stableValue: number;
  limit: number;
  passed: boolean;
}

const figure = (value: number) => String(Number.isInteger(value) ? value : Number(value.toPrecision(4)));

/** The reason an automatic rollback is recorded with: the one given, and the guard checks the canary failed. */
export function autoRollbackReason(reason: string, checks: GuardComparison[]): string {
  const failed = checks.filter((c) => !c.passed).map((c) => `${c.metric} ${figure(c.canaryValue)} (stable ${figure(c.stableValue)}, limit ${figure(c.limit)})`);
  const given = reason.trim() || 'the canary regressed';
  return `serving rolled back the canary: ${given}${failed.length > 0 ? `; failed checks: ${failed.join(', ')}` : ''}`;
}

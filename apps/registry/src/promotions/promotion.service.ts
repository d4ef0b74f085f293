import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { metrics } from '@opentelemetry/api';
import { DocumentError } from '@mlops/documents';
import { Events, OutboxWriter } from '@mlops/events';
import { RpcError } from '@mlops/grpc';
import { type SqlExecutor, type TransactionRunner } from '@mlops/persistence';
import { TRANSACTION_RUNNER } from '@mlops/platform';
import { AuditService } from '../audit/audit.service';
import { evaluateGates } from '../domain/gates';
import { type ModelVersion } from '../domain/model-version';
import { parsePolicyDocument, type PromotionPolicy, type Rollout, validatePolicy, validateRollout } from '../domain/policy';
import { canaryOver, decide, type Decision, PromotionRefused, rollbackTarget } from '../domain/promotion';
import { AliasRepository } from '../models/alias.repository';
import { RegisteredModelRepository } from '../models/registered-model.repository';
import { artifactTo, rolloutTo, signatureTo } from '../registry.mapper';
import { ModelVersionRepository } from '../versions/model-version.repository';
import { type EffectivePolicy, type StoredPolicy, PolicyRepository } from './policy.repository';
import { type Promotion, PromotionRepository } from './promotion.repository';

const meter = metrics.getMeter('registry');
const promotionOutcomes = meter.createCounter('registry.promotions', { description: 'Promotion requests and decisions, by outcome' });
const rollbacks = meter.createCounter('registry.rollbacks', { description: 'Rollbacks of an alias' });

export interface PromotionAsk {
  modelName: string;
  version: number;
  targetAlias?: string;
  reason: string;
  rollout?: Rollout;
  requestId?: string;
}

export interface RollbackAsk {
  modelName: string;
  alias?: string;
  toVersion?: number;
  reason: string;
  /** A canary rollback request from monitoring or serving that caused it. */
  canaryRollbackRequestId?: string;
}

export interface RollbackResult {
  fromVersion: number;
  toVersion: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The identity the registry acts as when it puts a version from training up for promotion. */
export const AUTOMATIC_ACTOR = 'service:registry';

const refused = (error: PromotionRefused) => new RpcError(status.FAILED_PRECONDITION, error.message, [], error.reason);

/**
 * Promotion policies, promotion requests with their gates and approvals, and rollback. Everything that
 * moves a model's governed alias runs under the model's row lock, so one model never has two
 * champions, and the alias move, its audit entry and its event commit together or not at all.
 */
@Injectable()
export class PromotionService {
  constructor(
    private readonly models: RegisteredModelRepository,
    private readonly versions: ModelVersionRepository,
    private readonly aliases: AliasRepository,
    private readonly policies: PolicyRepository,
    private readonly promotions: PromotionRepository,
    private readonly audit: AuditService,
    private readonly outbox: OutboxWriter,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
  ) {}

  async setPolicy(modelName: string, content: { policy: PromotionPolicy } | { document: string }, actor: string): Promise<StoredPolicy> {
    const policy = 'document' in content ? this.parsed(content.document) : content.policy;
    const violations = validatePolicy(policy);
    if (violations.length > 0) throw RpcError.invalidArgument('invalid promotion policy', violations);
    return this.transaction(async (tx) => {
      await this.lockModel(tx, modelName);
      const before = await this.policies.get(modelName, tx);
      const stored = await this.policies.put(tx, modelName, policy, actor);
      await this.audit.record(tx, { actor, action: 'policy.set', modelName, reason: `revision ${stored.revision}`, before: before?.policy ?? null, after: policy });
      return stored;
    });
  }

  private parsed(document: string): PromotionPolicy {
    try {
      return parsePolicyDocument(document);
    } catch (error) {
      if (!(error instanceof DocumentError)) throw error;
      throw RpcError.invalidArgument(
        `the policy document does not parse: ${error.message}`,
        error.problems.map((p) => ({ field: `document${p.path ? `.${p.path}` : ''}`, description: `${p.line ? `line ${p.line}: ` : ''}${p.message}` })),
      );
    }
  }

  /** The stored policy, or the default one (four eyes, no gates) when none was set. */
  async policyOf(modelName: string, executor?: SqlExecutor): Promise<EffectivePolicy> {
    if (!(await this.models.find(modelName, executor))) throw RpcError.notFound(`registered model "${modelName}" not found`);
    return this.policies.effective(modelName, executor);
  }

  async request(ask: PromotionAsk, actor: string): Promise<Promotion> {
    if (ask.rollout) {
      const violations = validateRollout(ask.rollout, 'rollout');
      if (violations.length > 0) throw RpcError.invalidArgument('invalid rollout', violations);
    }
    return this.transaction((tx) => this.requestIn(tx, ask, actor));
  }

  /**
   * Evaluates the gates against the alias's current version and stores the result with the request:
   * GATES_FAILED, PROMOTED at once (automatic promotion, no approval required), or PENDING_APPROVAL.
   * One promotion of an alias is pending at a time. Runs in the caller's transaction.
   */
  async requestIn(tx: SqlExecutor, ask: PromotionAsk, actor: string): Promise<Promotion> {
    await this.lockModel(tx, ask.modelName);
    if (ask.requestId) {
      const repeat = await this.promotions.byRequestId(ask.modelName, ask.requestId, tx);
      if (repeat) return repeat;
    }
    const candidate = await this.versionOrNotFound(tx, ask.modelName, ask.version);
    const { stored, policy } = await this.policies.effective(ask.modelName, tx);
    const alias = ask.targetAlias || policy.targetAlias;
    if (alias !== policy.targetAlias) {
      throw RpcError.invalidArgument(`promotion moves "${policy.targetAlias}", the alias the policy of "${ask.modelName}" governs; point "${alias}" with SetAlias`, [{ field: 'target_alias', description: `"${policy.targetAlias}" or empty` }]);
    }
    const current = await this.aliases.versionOf(ask.modelName, alias, tx);
    if (current === ask.version) throw new RpcError(status.FAILED_PRECONDITION, `version ${ask.version} of "${ask.modelName}" already is "${alias}"`, [], 'ALREADY_PROMOTED');
    const pending = await this.promotions.pending(tx, ask.modelName, alias);
    if (pending) {
      promotionOutcomes.add(1, { outcome: 'refused_pending' });
      throw refused(new PromotionRefused(`promotion ${pending.id} of version ${pending.version} to "${alias}" is pending approval; approve or reject it first`, 'PROMOTION_PENDING'));
    }
    const champion = current ? await this.versions.get(ask.modelName, current, tx) : undefined;
    const gateResult = evaluateGates(policy, stored?.revision ?? 0, candidate, champion, new Date());
    // A person's request always needs a second person; only the registry's own requests (versions from training) go through alone.
    const automatic = policy.allowAutomaticPromotion && policy.requiredApprovals === 0 && actor === AUTOMATIC_ACTOR;
    const requiredApprovals = automatic ? 0 : Math.max(policy.requiredApprovals, 1);
    const promotion: Promotion = {
      id: randomUUID(), modelName: ask.modelName, version: ask.version, targetAlias: alias,
      state: !gateResult.passed ? 'GATES_FAILED' : automatic ? 'PROMOTED' : 'PENDING_APPROVAL',
      gateResult, approvals: [], requiredApprovals, rollout: ask.rollout ?? policy.rollout,
      requestedBy: actor, reason: ask.reason, requestId: ask.requestId, previousVersion: current, requestedAt: new Date(),
    };
    await this.promotions.insert(tx, promotion);
    const failed = gateResult.checks.filter((c) => !c.passed).map((c) => c.message);
    await this.audit.record(tx, {
      actor, action: 'promotion.request', modelName: ask.modelName, version: ask.version, reason: ask.reason,
      after: { promotion_id: promotion.id, alias, state: promotion.state, champion_version: current, gates_passed: gateResult.passed, failed_checks: failed, policy_revision: gateResult.policyRevision },
    });
    promotionOutcomes.add(1, { outcome: promotion.state.toLowerCase() });
    if (promotion.state === 'PROMOTED') await this.promote(tx, promotion, candidate, actor);
    return (await this.promotions.get(promotion.id, tx))!;
  }

  async approve(promotionId: string, actor: string, reason: string): Promise<Promotion> {
    return this.decision(promotionId, actor, 'approve', reason);
  }

  async reject(promotionId: string, actor: string, reason: string): Promise<Promotion> {
    if (!reason.trim()) throw RpcError.invalidArgument('a rejection needs a reason', [{ field: 'reason', description: 'say why, for the requester and the audit log' }]);
    return this.decision(promotionId, actor, 'reject', reason);
  }

  private async decision(promotionId: string, actor: string, decision: Decision, reason: string): Promise<Promotion> {
    const modelName = (await this.get(promotionId)).modelName;
    return this.transaction(async (tx) => {
      await this.lockModel(tx, modelName);
      const promotion = (await this.promotions.get(promotionId, tx))!;
      const current = await this.aliases.versionOf(modelName, promotion.targetAlias, tx);
      let outcome;
      try {
        outcome = decide(promotion, actor, decision, current);
      } catch (error) {
        if (error instanceof PromotionRefused) throw refused(error);
        throw error;
      }
      await this.promotions.addDecision(tx, promotionId, actor, decision, reason);
      const state = outcome.kind === 'promote' ? 'PROMOTED' : outcome.kind === 'superseded' ? 'SUPERSEDED' : outcome.kind === 'rejected' ? 'REJECTED' : undefined;
      if (state) await this.promotions.decide(tx, promotionId, state);
      await this.audit.record(tx, {
        actor, action: `promotion.${decision}`, modelName, version: promotion.version, reason,
        before: { promotion_id: promotionId, state: promotion.state }, after: { promotion_id: promotionId, state: state ?? promotion.state, ...(outcome.kind === 'superseded' ? { alias_now: outcome.currentVersion } : {}) },
      });
      promotionOutcomes.add(1, { outcome: `${decision}_${outcome.kind}` });
      if (outcome.kind === 'promote') await this.promote(tx, { ...promotion, approvals: [...promotion.approvals, { actor, decision, reason, time: new Date() }] }, await this.versionOrNotFound(tx, modelName, promotion.version), actor);
      return (await this.promotions.get(promotionId, tx))!;
    });
  }

  /** Moves the alias, marks the stages, and emits `model promoted`: in the caller's transaction. */
  private async promote(tx: SqlExecutor, promotion: Promotion, version: ModelVersion, actor: string): Promise<void> {
    const { modelName, targetAlias: alias, previousVersion } = promotion;
    await this.aliases.move(tx, { modelName, alias, fromVersion: previousVersion, toVersion: version.version, kind: 'promotion', promotionId: promotion.id, actor, reason: promotion.reason });
    await this.versions.setStage(tx, modelName, version.version, 'PRODUCTION');
    if (previousVersion) await this.versions.setStage(tx, modelName, previousVersion, 'ARCHIVED');
    await this.models.touch(tx, modelName);
    const approvedBy = promotion.approvals.filter((a) => a.decision === 'approve').map((a) => a.actor);
    await this.audit.record(tx, {
      actor, action: 'alias.promote', modelName, version: version.version, reason: promotion.reason,
      before: { alias, version: previousVersion }, after: { alias, version: version.version, promotion_id: promotion.id, approved_by: approvedBy },
    });
    await this.outbox.enqueue(tx, Events.modelPromoted, {
      modelName, version: version.version, previousVersion, alias, rollout: rolloutTo(promotion.rollout), promotionId: promotion.id,
      artifact: artifactTo(version.artifact), signature: signatureTo(version.signature), referenceProfile: artifactTo(version.referenceProfile),
      requestedBy: promotion.requestedBy, approvedBy, reason: promotion.reason,
    });
  }

  /** Moves the alias back: to `toVersion`, or to the version the current one replaced when it was promoted. */
  async rollback(ask: RollbackAsk, actor: string): Promise<RollbackResult> {
    if (!ask.reason.trim()) throw RpcError.invalidArgument('a rollback needs a reason', [{ field: 'reason', description: 'say why, for the audit log and the event' }]);
    return this.transaction(async (tx) => (await this.rollbackIn(tx, ask, actor))!);
  }

  /**
   * A rollback in the caller's transaction. `expectedFrom` makes it an automatic rollback, which may come
   * late or twice and is skipped (undefined) when the alias has moved on since it was asked for: a version
   * number expects the alias to still hold that version (the canary monitoring named); `'canary'` expects
   * it to hold a version promoted after `ask.toVersion`, the stable version serving kept, had held it.
   */
  async rollbackIn(tx: SqlExecutor, ask: RollbackAsk, actor: string, expectedFrom?: number | 'canary'): Promise<RollbackResult | undefined> {
    await this.lockModel(tx, ask.modelName);
    const { policy } = await this.policies.effective(ask.modelName, tx);
    const alias = ask.alias || policy.targetAlias;
    const from = await this.aliases.versionOf(ask.modelName, alias, tx);
    const moves = await this.aliases.moves(tx, ask.modelName, alias);
    if (expectedFrom === 'canary' && canaryOver(moves, from, ask.toVersion ?? 0) === undefined) return undefined;
    if (typeof expectedFrom === 'number' && from !== expectedFrom) return undefined;
    if (!from) throw refused(new PromotionRefused(`"${alias}" of "${ask.modelName}" points at no version; there is nothing to roll back`, 'NO_PREVIOUS_VERSION'));
    const to = ask.toVersion || rollbackTarget(moves, from);
    if (ask.toVersion && !moves.some((m) => m.kind === 'promotion' && m.toVersion === ask.toVersion)) {
      throw new RpcError(status.FAILED_PRECONDITION, `version ${ask.toVersion} of "${ask.modelName}" never held "${alias}" by promotion: a rollback restores a version that passed its gates and approvals`, [{ field: 'to_version', description: 'a former holder of the alias, or 0 for the previous one' }], 'NOT_A_FORMER_VERSION');
    }
    if (!to) throw refused(new PromotionRefused(`version ${from} was the first "${alias}" of "${ask.modelName}"; name a version to roll back to`, 'NO_PREVIOUS_VERSION'));
    if (to === from) throw new RpcError(status.FAILED_PRECONDITION, `"${alias}" already points at version ${to}`, [{ field: 'to_version', description: 'a version other than the current one' }], 'ALREADY_PROMOTED');
    const restored = await this.versionOrNotFound(tx, ask.modelName, to);
    await this.aliases.move(tx, { modelName: ask.modelName, alias, fromVersion: from, toVersion: to, kind: 'rollback', actor, reason: ask.reason });
    await this.versions.setStage(tx, ask.modelName, to, 'PRODUCTION');
    await this.versions.setStage(tx, ask.modelName, from, 'ARCHIVED');
    await this.models.touch(tx, ask.modelName);
    await this.supersedePending(tx, ask.modelName, alias, actor);
    await this.audit.record(tx, { actor, action: 'rollback', modelName: ask.modelName, version: to, reason: ask.reason, before: { alias, version: from }, after: { alias, version: to } });
    await this.outbox.enqueue(tx, Events.modelRolledBack, {
      modelName: ask.modelName, alias, fromVersion: from, toVersion: to, reason: ask.reason, actor, artifact: artifactTo(restored.artifact), signature: signatureTo(restored.signature), canaryRollbackRequestId: ask.canaryRollbackRequestId ?? '',
    });
    rollbacks.add(1, { automatic: String(expectedFrom !== undefined) });
    return { fromVersion: from, toVersion: to };
  }

  /** A pending promotion was gated against the version a rollback just replaced: it ends, so the alias's queue is free again. */
  private async supersedePending(tx: SqlExecutor, modelName: string, alias: string, actor: string): Promise<void> {
    const pending = await this.promotions.pending(tx, modelName, alias);
    if (!pending) return;
    await this.promotions.decide(tx, pending.id, 'SUPERSEDED');
    await this.audit.record(tx, {
      actor, action: 'promotion.supersede', modelName, version: pending.version, reason: `"${alias}" was rolled back`,
      before: { promotion_id: pending.id, state: pending.state }, after: { promotion_id: pending.id, state: 'SUPERSEDED' },
    });
  }

  async get(promotionId: string): Promise<Promotion> {
    const promotion = UUID.test(promotionId) ? await this.promotions.get(promotionId) : undefined;
    if (!promotion) throw RpcError.notFound(`promotion "${promotionId}" not found`);
    return promotion;
  }

  async list(modelName: string, state: Promotion['state'] | undefined, offset: number, limit: number): Promise<Promotion[]> {
    if (!(await this.models.find(modelName))) throw RpcError.notFound(`registered model "${modelName}" not found`);
    return this.promotions.list(modelName, state, offset, limit);
  }

  private async lockModel(tx: SqlExecutor, modelName: string): Promise<void> {
    if (!(await this.models.lock(tx, modelName))) throw RpcError.notFound(`registered model "${modelName}" not found`);
  }

  private async versionOrNotFound(tx: SqlExecutor, modelName: string, version: number): Promise<ModelVersion> {
    const found = await this.versions.get(modelName, version, tx);
    if (!found) throw RpcError.notFound(`model "${modelName}" has no version ${version}`);
    return found;
  }
}

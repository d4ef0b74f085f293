import { Inject, Injectable } from '@nestjs/common';
import { type Metadata, status } from '@grpc/grpc-js';
import { Events, OutboxWriter } from '@mlops/events';
import { RpcError } from '@mlops/grpc';
import { type SqlExecutor, type TransactionRunner } from '@mlops/persistence';
import { LOGGER, TRANSACTION_RUNNER } from '@mlops/platform';
import { type Logger } from '@mlops/telemetry';
import { type Deployment, type DeploymentSpec } from '../domain/deployment';
import { armsOf, asRequested, type DeploymentTransition, type GuardCheck, validateDeploymentSpec, versionsOf } from '../domain/deployments';
import { ModelLoadError, ModelPool } from '../runtime/model-pool';
import { armTo, CAUSE } from '../serving.mapper';
import { VersionCatalog } from '../versions/version-catalog';
import { type DeploymentChange, DeploymentRepository } from './deployment.repository';
import { LiveDeployments } from './live-deployments';

/** Computes the next spec from the stored deployment (undefined: nothing to change). Runs twice: once to preload, once under the lock. */
export type NextDeployment = (current: Deployment | undefined) => DeploymentTransition | undefined;

/** Who changes the deployment; for an automatic rollback, the canary it removes and the guard checks behind it. */
export interface ChangeAuthor {
  actor: string;
  checks?: GuardCheck[];
  rolledBackVersion?: number;
}

const RETRY_FAILED_REVISION_MS = 15_000;

/** Where in a deployment a version appears, for errors that name the field. */
function fieldOf(spec: DeploymentSpec, version: number): string {
  if (spec.stableVersion === version) return 'deployment.stable_version';
  if (spec.canary?.version === version) return 'deployment.canary.version';
  if (spec.shadow?.version === version) return 'deployment.shadow.version';
  if (spec.standbyVersion === version) return 'deployment.blue_green.standby_version';
  const arm = spec.abTest?.arms.findIndex((a) => a.version === version) ?? -1;
  return arm >= 0 ? `deployment.ab_test.arms[${arm}].version` : 'deployment';
}

/**
 * Changes deployments. Every change, whatever its source, goes the same way: the versions it
 * needs are loaded and warmed in this replica first, the new revision is stored with its `deployment
 * changed` event in one transaction under the model's lock, then it goes live here; other replicas
 * pick the revision up from the table and load before they switch too.
 */
@Injectable()
export class DeploymentService {
  /** Revisions that failed to go live here, so the sync loop does not reload a broken model every tick. */
  private readonly failedRevisions = new Map<string, { revision: number; retryAt: number }>();

  constructor(
    private readonly deployments: DeploymentRepository,
    private readonly catalog: VersionCatalog,
    private readonly pool: ModelPool,
    private readonly live: LiveDeployments,
    private readonly outbox: OutboxWriter,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  get(modelName: string): Promise<Deployment | undefined> {
    return this.deployments.get(modelName);
  }

  list(offset: number, limit: number): Promise<Deployment[]> {
    return this.deployments.list(offset, limit);
  }

  /** SetDeployment: the whole desired deployment, checked, its versions looked up and loaded before it is stored. */
  async set(spec: DeploymentSpec, expectedRevision: number, reason: string, actor: string, caller: Metadata): Promise<Deployment> {
    const violations = validateDeploymentSpec(spec);
    if (violations.length > 0) throw RpcError.invalidArgument(`invalid deployment: ${violations[0].field} ${violations[0].description}`, violations);
    for (const version of versionsOf(spec)) await this.catalog.resolve(spec.modelName, version, caller, fieldOf(spec, version));
    try {
      const requested = asRequested(spec, new Date());
      const stored = await this.change(spec.modelName, () => ({ spec: requested, cause: 'api', reason }), { actor }, { expectedRevision });
      return stored ?? (await this.deployments.get(spec.modelName))!;
    } catch (error) {
      if (!(error instanceof ModelLoadError)) throw error;
      const failed = versionsOf(spec).find((version) => this.pool.statusOf(spec.modelName, version)?.state === 'failed');
      const field = failed ? fieldOf(spec, failed) : 'deployment';
      throw new RpcError(status.FAILED_PRECONDITION, `${field}: ${error.message}`, [{ field, description: error.message }], 'MODEL_LOAD_FAILED');
    }
  }

  /**
   * Applies `next` to the stored deployment; returns the new revision, or undefined when `next`
   * found nothing to change. A version that fails to load before the change is stored stops it
   * (ModelLoadError). With `tx`, the change is written in the caller's transaction (an event
   * handler's, so the event is marked processed together with its effect).
   */
  async change(modelName: string, next: NextDeployment, author: ChangeAuthor, options: { expectedRevision?: number; tx?: SqlExecutor } = {}): Promise<Deployment | undefined> {
    const candidate = next(await this.deployments.get(modelName, options.tx))?.spec;
    if (!candidate) return undefined;
    const servables = await this.live.servablesOf(candidate);
    return this.pool.holding(servables, async () => {
      const write = (tx: SqlExecutor) => this.write(tx, modelName, next, author, options.expectedRevision ?? 0);
      const stored = options.tx ? await write(options.tx) : await this.transaction(write);
      if (stored) await this.goLive(stored);
      return stored;
    });
  }

  /** Loads every stored deployment into this replica (start-up) or the ones whose revision moved (another replica changed them). */
  async synchronize(): Promise<void> {
    const revisions = await this.deployments.revisions();
    for (const [modelName, revision] of revisions) {
      if (revision <= this.live.revisionOf(modelName)) continue;
      const failed = this.failedRevisions.get(modelName);
      if (failed?.revision === revision && Date.now() < failed.retryAt) continue;
      const deployment = await this.deployments.get(modelName);
      if (deployment) await this.goLive(deployment);
    }
  }

  /** Whether every stored deployment is live in this replica at its stored revision (OIP ServerReady). */
  async allLive(): Promise<boolean> {
    const revisions = await this.deployments.revisions();
    return [...revisions].every(([modelName, revision]) => this.live.revisionOf(modelName) >= revision);
  }

  private async write(tx: SqlExecutor, modelName: string, next: NextDeployment, author: ChangeAuthor, expectedRevision: number): Promise<Deployment | undefined> {
    const current = await this.deployments.lock(tx, modelName);
    const revision = current?.revision ?? 0;
    if (expectedRevision && revision !== expectedRevision) {
      throw new RpcError(status.ABORTED, `the deployment of "${modelName}" is at revision ${revision}, not ${expectedRevision}: read it again and retry`, [{ field: 'expected_revision', description: `current revision is ${revision}` }], 'REVISION_CHANGED');
    }
    const transition = next(current);
    if (!transition) return undefined;
    const { spec } = transition;
    const change: DeploymentChange = { cause: transition.cause, reason: transition.reason, actor: author.actor, checks: author.checks };
    const saved = await this.deployments.put(tx, spec, revision, change);
    await this.outbox.enqueue(tx, Events.deploymentChanged, {
      modelName, revision: saved.revision, stableVersion: spec.stableVersion, arms: armsOf(spec).map(armTo), cause: CAUSE[change.cause],
      reason: change.reason, actor: change.actor, checks: change.checks ?? [], rolledBackVersion: author.rolledBackVersion ?? 0,
    });
    return saved;
  }

  /**
   * Makes a stored revision live here. A failure (a version the stored revision names that will not
   * load) leaves the previous revision serving; the sync loop tries again after a pause.
   */
  private async goLive(deployment: Deployment): Promise<void> {
    try {
      await this.live.activate(deployment);
      this.failedRevisions.delete(deployment.modelName);
    } catch (error) {
      this.failedRevisions.set(deployment.modelName, { revision: deployment.revision, retryAt: Date.now() + RETRY_FAILED_REVISION_MS });
      this.logger.error({ err: error, model: deployment.modelName, revision: deployment.revision }, 'a stored deployment could not go live in this replica; it keeps serving the previous revision and will retry');
    }
  }
}

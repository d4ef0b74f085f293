import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { canonicalJson, DocumentError } from '@mlops/documents';
import { Events, OutboxWriter } from '@mlops/events';
import { RpcError } from '@mlops/grpc';
import { type SqlTransaction, type TransactionRunner } from '@mlops/persistence';
import { TRANSACTION_RUNNER } from '@mlops/platform';
import { eventsV1 } from '@mlops/proto';
import { SourceContractRepository } from '../contracts/source-contract.repository';
import { type Definitions, viewJoinKeys } from '../domain/definitions';
import { parseDefinitions } from '../domain/definitions-document';
import { type AppliedDefinitions, type ObjectKind, type PlannedChange, planChanges } from '../domain/plan';
import { MaterializationJobRepository } from '../materialization/materialization-job.repository';
import { OfflineStore } from '../offline/offline-store';
import { OnlinePendingRepository } from '../online/online-pending.repository';
import { OnlineStoreRepository } from '../online/online-store.repository';
import { DefinitionsRepository } from './definitions.repository';

export interface ApplyOptions {
  planOnly: boolean;
  confirmIncompatible: boolean;
  prune: boolean;
  actor: string;
}

export interface ApplyResult {
  plan: PlannedChange[];
  hasIncompatibleChanges: boolean;
  applied: boolean;
}

const KIND: Record<ObjectKind, eventsV1.DefinitionKind> = {
  entity: eventsV1.DefinitionKind.DEFINITION_KIND_ENTITY,
  feature_view: eventsV1.DefinitionKind.DEFINITION_KIND_FEATURE_VIEW,
  feature_service: eventsV1.DefinitionKind.DEFINITION_KIND_FEATURE_SERVICE,
};

/**
 * Applies definitions documents: parse and check against the source contracts, plan against what
 * is applied, refuse incompatible changes unless confirmed, and apply the whole plan in one
 * transaction (new versions, the changed views' offline index, their online store refilled by a
 * batch job) or nothing of it.
 */
@Injectable()
export class DefinitionsService {
  constructor(
    private readonly definitions: DefinitionsRepository,
    private readonly contracts: SourceContractRepository,
    private readonly offline: OfflineStore,
    private readonly online: OnlineStoreRepository,
    private readonly pending: OnlinePendingRepository,
    private readonly jobs: MaterializationJobRepository,
    private readonly outbox: OutboxWriter,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
  ) {}

  async apply(document: string, options: ApplyOptions): Promise<ApplyResult> {
    if (document.trim() === '') throw RpcError.invalidArgument('the definitions document is empty', [{ field: 'document', description: 'must not be empty' }]);
    const next = parseOrRefuse(document, await this.contracts.all());
    return this.transaction(async (tx) => {
      await this.definitions.lock(tx);
      const applied = await this.definitions.applied(tx);
      const plan = planChanges(applied, next, options.prune);
      const hasIncompatibleChanges = plan.some((c) => c.incompatible);
      if (options.planOnly) return { plan, hasIncompatibleChanges, applied: false };
      if (hasIncompatibleChanges && !options.confirmIncompatible) {
        const incompatible = plan.filter((c) => c.incompatible);
        throw new RpcError(
          status.FAILED_PRECONDITION,
          `the plan has incompatible changes (${incompatible.map((c) => `${c.kind} ${c.name}`).join(', ')}); review them and apply with confirm_incompatible`,
          incompatible.map((c) => ({ field: `${c.kind}s.${c.name}`, description: c.details.join('; ') })),
          'INCOMPATIBLE_CHANGES',
        );
      }
      const changed = plan.filter((c) => c.action !== 'unchanged');
      if (changed.length === 0) return { plan, hasIncompatibleChanges, applied: false };
      await this.write(tx, applied, next, changed, options.actor);
      await this.outbox.enqueue(tx, Events.featureDefinitionsApplied, {
        definitions: changed.map((c) => ({ kind: KIND[c.kind], name: c.name, version: c.toVersion, previousVersion: c.fromVersion, incompatible: c.incompatible, deleted: c.action === 'delete' })),
        datasets: [...new Set(next.featureViews.map((v) => v.source))].map((dataset) => ({ dataset, contractVersion: '' })),
        documentDigest: `sha256:${createHash('sha256').update(document).digest('hex')}`,
        appliedBy: options.actor,
      });
      return { plan, hasIncompatibleChanges, applied: true };
    });
  }

  private async write(tx: SqlTransaction, applied: AppliedDefinitions, next: Definitions, changed: PlannedChange[], actor: string): Promise<void> {
    const byName = {
      entity: new Map(next.entities.map((d) => [d.name, d])),
      feature_view: new Map(next.featureViews.map((d) => [d.name, d])),
      feature_service: new Map(next.featureServices.map((d) => [d.name, d])),
    };
    const entities = new Map(next.entities.map((e) => [e.name, e]));
    const previousEntities = new Map([...applied.entities].map(([name, e]) => [name, e.definition]));
    for (const change of changed) {
      if (change.action === 'delete') {
        await this.definitions.insert(tx, change.kind, change.toVersion + 1, { name: change.name }, actor, true);
        if (change.kind === 'feature_view') {
          await this.offline.clearView(tx, change.name);
          await this.online.clear(tx, change.name);
          await this.pending.forget(tx, change.name);
        }
        continue;
      }
      await this.definitions.insert(tx, change.kind, change.toVersion, byName[change.kind].get(change.name)!, actor);
    }
    for (const view of next.featureViews) {
      const before = applied.featureViews.get(view.name)?.definition;
      // Re-key when the rows a view reads, or the keys it reads them by, are not those it had.
      const rekey = !before || before.source !== view.source || canonicalJson(viewJoinKeys(before, previousEntities)) !== canonicalJson(viewJoinKeys(view, entities));
      // Recompute online values when what they are computed from changed; a new TTL or description changes no value.
      const recompute = rekey || canonicalJson(before?.features) !== canonicalJson(view.features) || before?.online !== view.online;
      if (rekey) {
        await this.offline.clearView(tx, view.name);
        await this.offline.indexView(tx, view.name, view.source, viewJoinKeys(view, entities));
      }
      if (recompute) {
        await this.online.clear(tx, view.name);
        await this.pending.forget(tx, view.name);
        if (view.online) await this.jobs.enqueue(tx, [view.name], undefined);
      }
    }
  }
}

function parseOrRefuse(document: string, contracts: Awaited<ReturnType<SourceContractRepository['all']>>): Definitions {
  try {
    return parseDefinitions(document, contracts);
  } catch (error) {
    if (!(error instanceof DocumentError)) throw error;
    throw RpcError.invalidArgument(
      `the definitions do not check: ${error.message}`,
      error.problems.map((p) => ({ field: p.path || 'document', description: `${p.line ? `line ${p.line}, column ${p.column ?? 1}: ` : ''}${p.message}` })),
    );
  }
}

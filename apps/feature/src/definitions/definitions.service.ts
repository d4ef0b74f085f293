import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { DocumentError } from '@mlops/documents';
import { Events, OutboxWriter } from '@mlops/events';
import { RpcError } from '@mlops/grpc';
import { type SqlTransaction, type TransactionRunner } from '@mlops/persistence';
import { TRANSACTION_RUNNER } from '@mlops/platform';
import { eventsV1 } from '@mlops/proto';
import { SourceContractRepository } from '../contracts/source-contract.repository';
import { type Definitions, type FeatureView, viewJoinKeys } from '../domain/definitions';
import { parseDefinitions } from '../domain/definitions-document';
import { type ObjectKind, type PlannedChange, planChanges } from '../domain/plan';
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
      const plan = planChanges(await this.definitions.applied(tx), next, options.prune);
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
      await this.write(tx, next, changed, options.actor);
      await this.outbox.enqueue(tx, Events.featureDefinitionsApplied, {
        definitions: changed.map((c) => ({ kind: KIND[c.kind], name: c.name, version: c.toVersion, previousVersion: c.fromVersion, incompatible: c.incompatible, deleted: c.action === 'delete' })),
        datasets: [...new Set(next.featureViews.map((v) => v.source))].map((dataset) => ({ dataset, contractVersion: '' })),
        documentDigest: `sha256:${createHash('sha256').update(document).digest('hex')}`,
        appliedBy: options.actor,
      });
      return { plan, hasIncompatibleChanges, applied: true };
    });
  }

  private async write(tx: SqlTransaction, next: Definitions, changed: PlannedChange[], actor: string): Promise<void> {
    const byName = {
      entity: new Map(next.entities.map((d) => [d.name, d])),
      feature_view: new Map(next.featureViews.map((d) => [d.name, d])),
      feature_service: new Map(next.featureServices.map((d) => [d.name, d])),
    };
    const entities = new Map(next.entities.map((e) => [e.name, e]));
    const refill: FeatureView[] = [];
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
      const definition = byName[change.kind].get(change.name)!;
      await this.definitions.insert(tx, change.kind, change.toVersion, definition, actor);
      if (change.kind === 'feature_view') refill.push(definition as FeatureView);
    }
    // A view whose entity's keys changed is re-keyed too.
    for (const change of changed.filter((c) => c.kind === 'entity' && c.action === 'update')) {
      for (const view of next.featureViews) if (view.entities.includes(change.name) && !refill.includes(view)) refill.push(view);
    }
    for (const view of refill) {
      await this.offline.clearView(tx, view.name);
      await this.offline.indexView(tx, view.name, view.source, viewJoinKeys(view, entities));
      await this.online.clear(tx, view.name);
      await this.pending.forget(tx, view.name);
      if (view.online) await this.jobs.enqueue(tx, [view.name], undefined);
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

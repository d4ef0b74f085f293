import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { Events, OutboxWriter } from '@mlops/events';
import { RpcError } from '@mlops/grpc';
import { type SqlExecutor, type TransactionRunner } from '@mlops/persistence';
import { TRANSACTION_RUNNER } from '@mlops/platform';
import { ContractService } from '../contracts/contract.service';
import { type DataContract } from '../domain/contract';
import { dueTrigger } from '../domain/snapshot-policy';
import { SnapshotRepository, type SnapshotRecord } from './snapshot.repository';

export interface SnapshotRequest {
  dataset: string;
  start?: Date;
  end?: Date;
  description: string;
  labels: Record<string, string>;
  actor: string;
}

@Injectable()
export class SnapshotService {
  constructor(
    private readonly snapshots: SnapshotRepository,
    private readonly contracts: ContractService,
    private readonly outbox: OutboxWriter,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
  ) {}

  /**
   * Freezes the dataset's current rows (optionally an event-time range) under a content address:
   * sha256 over the dataset, the contract version and the row hashes in event-time order. The same
   * content gives the same id, so asking twice creates one snapshot.
   */
  async create(request: SnapshotRequest): Promise<{ snapshot: SnapshotRecord; created: boolean }> {
    const { contract } = await this.contracts.get(request.dataset);
    if (request.start && request.end && request.start >= request.end) {
      throw RpcError.invalidArgument('the event-time range is empty', [
        { field: 'event_time_range', description: 'start must be before end' },
      ]);
    }
    return this.transaction(async (tx) => {
      await this.snapshots.lockDataset(tx, request.dataset);
      return this.freeze(tx, contract.version, request, 'manual');
    });
  }

  /**
   * Takes the snapshot the dataset's policy calls for, if any. The check runs under the dataset's
   * snapshot lock, so replicas checking at the same moment take one snapshot between them.
   */
  async createIfDue(contract: DataContract, now: Date): Promise<SnapshotRecord | undefined> {
    if (!contract.snapshotPolicy) return undefined;
    const policy = contract.snapshotPolicy;
    return this.transaction(async (tx) => {
      await this.snapshots.lockDataset(tx, contract.dataset);
      const trigger = dueTrigger(policy, await this.snapshots.progress(tx, contract.dataset), now);
      if (!trigger) return undefined;
      const description = trigger === 'size' ? `every ${policy.everyRows} rows` : `every ${policy.everySeconds} s`;
      const { snapshot, created } = await this.freeze(tx, contract.version, { dataset: contract.dataset, description, labels: {}, actor: 'ingestion' }, trigger);
      return created ? snapshot : undefined;
    });
  }

  /** Callers hold the dataset's snapshot lock. */
  private async freeze(tx: SqlExecutor, contractVersion: string, request: SnapshotRequest, trigger: SnapshotRecord['trigger']): Promise<{ snapshot: SnapshotRecord; created: boolean }> {
    const marks = await this.snapshots.watermarks(tx, request.dataset);
    if (!marks.maxRecordId) throw new RpcError(status.FAILED_PRECONDITION, `dataset "${request.dataset}" has no stored rows to snapshot`, [], 'EMPTY_DATASET');
    const content = await this.snapshots.content(tx, request.dataset, marks.maxRecordId, request.start, request.end);
    if (content.rowCount === 0) {
      throw new RpcError(status.FAILED_PRECONDITION, `no stored rows of "${request.dataset}" fall in the requested event-time range`, [], 'EMPTY_SNAPSHOT');
    }
    const snapshotId = `sha256:${createHash('sha256').update(`${request.dataset}\n${contractVersion}\n${content.rowsDigest}`).digest('hex')}`;
    const existing = await this.snapshots.find(snapshotId, tx);
    if (existing) return { snapshot: existing, created: false };
    const snapshot = await this.snapshots.insert(
      tx,
      {
        snapshotId,
        dataset: request.dataset,
        contractVersion,
        maxRecordId: marks.maxRecordId,
        timeStart: request.start ?? content.timeMin,
        timeEnd: request.end,
        eventMin: content.timeMin,
        eventMax: content.timeMax,
        rowCount: content.rowCount,
        receivedCount: marks.stored + marks.quarantined,
        quarantinedCount: marks.quarantined,
        sizeBytes: content.sizeBytes,
        trigger,
        description: request.description,
        labels: request.labels,
        createdBy: request.actor,
      },
      marks.maxQuarantineId,
    );
    await this.outbox.enqueue(tx, Events.snapshotCreated, {
      snapshotId,
      dataset: snapshot.dataset,
      contractVersion: snapshot.contractVersion,
      rowCount: snapshot.rowCount,
      eventTimeRange: { start: content.timeMin, end: content.timeMax },
      receivedCount: snapshot.receivedCount,
      quarantinedCount: snapshot.quarantinedCount,
      sizeBytes: snapshot.sizeBytes,
      trigger: snapshot.trigger,
    });
    return { snapshot, created: true };
  }

  async get(snapshotId: string): Promise<SnapshotRecord> {
    const snapshot = await this.snapshots.find(snapshotId);
    if (!snapshot) throw RpcError.notFound(`snapshot "${snapshotId}" not found`);
    return snapshot;
  }
}

import { Injectable } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { uuidv7 } from 'uuidv7';
import { Events, OutboxWriter } from '@mlops/events';
import { type SqlExecutor, type SqlTransaction } from '@mlops/persistence';
import { type eventsV1, ingestionV1 } from '@mlops/proto';
import { type AcceptedRow, decodeJson, type IncomingRecord, type RejectedRow, validateBatch } from '../domain/batch';
import { evaluateExpectations, type ExpectationResult } from '../domain/expectations';
import { type ValueMode } from '../domain/record-validator';
import { ContractRepository, type StoredContract } from '../contracts/contract.repository';
import { ContractService } from '../contracts/contract.service';
import { type BatchTarget, RecordStore } from './record-store';

export interface BatchCounts {
  received: number;
  stored: number;
  quarantined: number;
  /** The first rejected rows with their quarantine ids, for callers that show examples. */
  rejectedSample: (RejectedRow & { quarantineId: string })[];
  report?: { reportId: string; passed: boolean; results: ExpectationResult[] };
}

const SAMPLE_SIZE = 20;
const STORED_ROWS_PER_EVENT = 1000;
const STORED_BYTES_PER_EVENT = 256 * 1024;
const meter = metrics.getMeter('ingestion');
const recordsCounter = meter.createCounter('ingestion.records', { description: 'Records ingested, by dataset, source and outcome (stored, quarantined)' });
const { RecordSource } = ingestionV1;
const SOURCE_NAME: Record<ingestionV1.RecordSource, string> = {
  [RecordSource.RECORD_SOURCE_UNSPECIFIED]: 'unspecified',
  [RecordSource.RECORD_SOURCE_KAFKA]: 'kafka',
  [RecordSource.RECORD_SOURCE_GRPC]: 'grpc',
  [RecordSource.RECORD_SOURCE_FILE]: 'file',
  [RecordSource.UNRECOGNIZED]: 'unrecognized',
};

/**
 * The one validation path every way in goes through: validate, store the valid rows, quarantine the
 * rest (table, dead-letter topic, summary event), move the counters and check the expectations, all
 * in the caller's transaction so a batch takes effect completely or not at all.
 */
@Injectable()
export class IngestService {
  constructor(
    private readonly contracts: ContractService,
    private readonly contractRepository: ContractRepository,
    private readonly store: RecordStore,
    private readonly outbox: OutboxWriter,
  ) {}

  /** Ingests under the dataset's latest contract as of this transaction: a new version applies from the next batch. */
  async ingestLatest(tx: SqlTransaction, dataset: string, records: IncomingRecord[], where: Pick<BatchTarget, 'source' | 'batchId'>, mode: ValueMode = 'typed'): Promise<BatchCounts & { contractVersion: string }> {
    const stored = await this.contractRepository.latest(dataset, tx);
    if (!stored) throw new Error(`dataset ${dataset} has no contract`);
    return { ...(await this.ingest(tx, stored, records, where, mode)), contractVersion: stored.contract.version };
  }

  async ingest(tx: SqlTransaction, stored: StoredContract, records: IncomingRecord[], where: Pick<BatchTarget, 'source' | 'batchId'>, mode: ValueMode = 'typed'): Promise<BatchCounts> {
    const { contract } = stored;
    const target: BatchTarget = { ...where, dataset: contract.dataset, contractVersion: contract.version };
    const decode = target.source === RecordSource.RECORD_SOURCE_KAFKA ? this.contracts.sourceDecoder(contract) : decodeJson;
    const outcome = validateBatch(contract, this.contracts.validator(contract), records, mode, decode);
    await this.store.insertAccepted(tx, target, outcome.accepted);
    await this.announceStored(tx, target, outcome.accepted);
    const quarantineIds = await this.store.insertRejected(tx, target, outcome.rejected);
    const latest = outcome.accepted.reduce<Date | undefined>((max, r) => (!max || r.eventTime > max ? r.eventTime : max), undefined);
    await this.store.addToCounters(tx, target, outcome.accepted.length, outcome.rejected.length, latest);
    if (outcome.rejected.length > 0) await this.announceRejected(tx, target, outcome.rejected, quarantineIds, records.length);

    const counts: BatchCounts = {
      received: records.length,
      stored: outcome.accepted.length,
      quarantined: outcome.rejected.length,
      rejectedSample: outcome.rejected.slice(0, SAMPLE_SIZE).map((r) => ({ ...r, quarantineId: quarantineIds.get(r.sourceRef) ?? '' })),
    };
    if (contract.expectations.length > 0 && records.length > 0) {
      const results = evaluateExpectations(contract, outcome, new Date());
      const reportId = uuidv7();
      const passed = results.every((r) => r.passed);
      await tx.query('INSERT INTO validation_reports (report_id, dataset, scope, record_count, results, passed) VALUES ($1, $2, $3, $4, $5, $6)', [
        reportId, contract.dataset, target.batchId, records.length, JSON.stringify(results), passed,
      ]);
      if (!passed) {
        await this.outbox.enqueue(tx, Events.expectationsBreached, {
          dataset: contract.dataset, contractVersion: contract.version, reportId, scope: target.batchId, recordCount: records.length, results,
        });
      }
      counts.report = { reportId, passed, results };
    }
    const attributes = { dataset: contract.dataset, source: SOURCE_NAME[target.source] };
    recordsCounter.add(counts.stored, { ...attributes, outcome: 'stored' });
    recordsCounter.add(counts.quarantined, { ...attributes, outcome: 'quarantined' });
    return counts;
  }

  /**
   * The stored rows for downstream stores, in chunks of at most STORED_ROWS_PER_EVENT rows and about
   * STORED_BYTES_PER_EVENT bytes: well under Kafka's message size limit however wide the rows are.
   */
  private async announceStored(tx: SqlExecutor, target: BatchTarget, accepted: AcceptedRow[]): Promise<void> {
    const chunks: eventsV1.RecordsStored[] = [];
    let records: eventsV1.StoredRecord[] = [];
    let bytes = 0;
    for (const row of accepted) {
      if (records.length === STORED_ROWS_PER_EVENT || bytes + row.valuesJson.length > STORED_BYTES_PER_EVENT) {
        if (records.length > 0) chunks.push({ dataset: target.dataset, contractVersion: target.contractVersion, records });
        records = [];
        bytes = 0;
      }
      records.push({ sourceRef: row.sourceRef, eventTime: row.eventTime, valuesJson: row.valuesJson });
      bytes += row.valuesJson.length + row.sourceRef.length;
    }
    if (records.length > 0) chunks.push({ dataset: target.dataset, contractVersion: target.contractVersion, records });
    await this.outbox.enqueueMany(tx, Events.recordsStored, chunks);
  }

  /** Every rejected record to the dead-letter topic, plus one summary for the batch (never one per row). */
  private async announceRejected(tx: SqlExecutor, target: BatchTarget, rejected: RejectedRow[], ids: Map<string, string>, received: number): Promise<void> {
    await this.outbox.enqueueMany(
      tx,
      Events.recordDeadLettered,
      rejected.map((row) => ({
        dataset: target.dataset,
        contractVersion: target.contractVersion,
        raw: row.raw,
        violations: row.violations,
        source: Number(target.source), // IngestSource numbers its values as RecordSource does
        sourceRef: row.sourceRef,
        quarantineId: ids.get(row.sourceRef) ?? '',
      })),
    );
    const summary = new Map<string, eventsV1.ViolationSummary>();
    for (const violation of rejected.flatMap((r) => r.violations)) {
      const key = `${violation.field}\u0000${violation.rule}`;
      const entry = summary.get(key) ?? { field: violation.field, rule: violation.rule, count: 0, example: violation.message };
      entry.count++;
      summary.set(key, entry);
    }
    const now = new Date();
    await this.outbox.enqueue(tx, Events.recordsQuarantined, {
      dataset: target.dataset,
      contractVersion: target.contractVersion,
      source: Number(target.source),
      sourceRef: target.batchId,
      received,
      quarantined: rejected.length,
      violations: [...summary.values()],
      window: { start: now, end: now },
      deadLetterTopic: Events.recordDeadLettered.topic,
    });
  }
}

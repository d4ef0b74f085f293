import { isAbsolute } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { type Metadata, status } from '@grpc/grpc-js';
import { uuidv7 } from 'uuidv7';
import { type CallContext, openingHeader, pageOf, RpcError, type ServiceImplementation } from '@mlops/grpc';
import { type TransactionRunner } from '@mlops/persistence';
import { GrpcController, SERVICE_CONFIG, TRANSACTION_RUNNER } from '@mlops/platform';
import { ingestionV1 as pb } from '@mlops/proto';
import { type IncomingRecord } from './domain/batch';
import { type IngestionConfig } from './config';
import { ContractRepository } from './contracts/contract.repository';
import { ContractService } from './contracts/contract.service';
import { checkFile, FileFormatError, formatOf } from './imports/file-readers';
import { ImportJobRepository } from './imports/import-job.repository';
import { ImportRunner } from './imports/import-runner';
import * as map from './ingestion.mapper';
import { IngestService } from './records/ingest.service';
import { IngestQueryRepository } from './records/ingest-query.repository';
import { SnapshotRepository } from './snapshots/snapshot.repository';
import { SnapshotService } from './snapshots/snapshot.service';

type Api = ServiceImplementation<typeof pb.IngestionServiceService>;

/** Who is calling: the `x-mlops-actor` metadata until the registry issue brings signed identities. */
const actorOf = (metadata: Metadata) => String(metadata.get('x-mlops-actor')[0] ?? 'anonymous');

/** The ingestion gRPC API (proto/mlops/ingestion/v1): parse the request, call a service, map the answer. */
@Injectable()
@GrpcController(pb.IngestionServiceService)
export class IngestionController implements Api {
  constructor(
    private readonly contractService: ContractService,
    private readonly contracts: ContractRepository,
    private readonly ingest: IngestService,
    private readonly queries: IngestQueryRepository,
    private readonly snapshotService: SnapshotService,
    private readonly snapshots: SnapshotRepository,
    private readonly jobs: ImportJobRepository,
    private readonly runner: ImportRunner,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
  ) {}

  async applyContract(request: pb.ApplyContractRequest, ctx: CallContext): Promise<pb.ApplyContractResponse> {
    const result = await this.contractService.apply(request.document, { dryRun: request.dryRun, actor: actorOf(ctx.metadata) });
    return {
      contract: map.toContract(result.stored),
      changes: map.toFieldChanges(result.diff),
      breaking: result.diff?.breaking ?? false,
      applied: result.applied,
      previousVersion: result.previousVersion,
    };
  }

  async getContract(request: pb.GetContractRequest): Promise<pb.GetContractResponse> {
    return { contract: map.toContract(await this.contractService.get(request.dataset, request.version || undefined)) };
  }

  async listContractVersions(request: pb.ListContractVersionsRequest): Promise<pb.ListContractVersionsResponse> {
    await this.contractService.get(request.dataset);
    const page = pageOf(request.page);
    const versions = await this.contracts.versions(request.dataset, page.offset, page.limit + 1);
    return {
      versions: versions.slice(0, page.limit).map((v) => ({ version: v.contract.version, digest: v.digest, appliedAt: v.appliedAt, appliedBy: v.appliedBy, breaking: v.breaking })),
      page: page.response(versions.length),
    };
  }

  async diffContracts(request: pb.DiffContractsRequest): Promise<pb.DiffContractsResponse> {
    if (!request.fromVersion) throw RpcError.invalidArgument('from_version is required', [{ field: 'from_version', description: 'name the base version' }]);
    const diff = await this.contractService.diff(request.dataset, request.fromVersion, request.toVersion || undefined);
    return { changes: map.toFieldChanges(diff), expectationChanges: diff.expectationChanges, breaking: diff.breaking };
  }

  async listDatasets(request: pb.ListDatasetsRequest): Promise<pb.ListDatasetsResponse> {
    const page = pageOf(request.page);
    const latest = await this.contracts.latestOfEach(page.offset, page.limit + 1);
    return {
      datasets: latest.slice(0, page.limit).map((s) => ({ dataset: s.contract.dataset, latestContractVersion: s.contract.version, description: s.contract.description })),
      page: page.response(latest.length),
    };
  }

  /**
   * One stream is one batch, applied atomically: if the stream breaks, nothing of it is stored and
   * the client resends it; resending a completed batch id returns its counts and stores nothing.
   */
  async ingestRecords(requests: AsyncIterable<pb.IngestRecordsRequest>, ctx: CallContext): Promise<pb.IngestRecordsResponse> {
    const { header, rest: stream } = await openingHeader(requests, 'IngestRecords');
    const stored = await this.contractService.get(header.dataset);
    if (header.contractVersion && header.contractVersion !== stored.contract.version) {
      throw new RpcError(status.FAILED_PRECONDITION, `dataset "${header.dataset}" is at contract ${stored.contract.version}, not ${header.contractVersion}`, [{ field: 'header.contract_version', description: `latest is ${stored.contract.version}` }], 'CONTRACT_VERSION_MISMATCH');
    }
    const batchId = header.batchId || uuidv7();
    const done = await this.queries.findBatch(batchId);
    if (done) return this.replayed(done, header.dataset);

    return this.transaction(async (tx) => {
      await this.queries.lockBatch(tx, batchId);
      const raced = await this.queries.findBatch(batchId, tx);
      if (raced) return this.replayed(raced, header.dataset);
      const totals: pb.IngestRecordsResponse = { batchId, received: 0, stored: 0, quarantined: 0, contractVersion: stored.contract.version, quarantineSample: [] };
      for (let next = await stream.next(); !next.done; next = await stream.next()) {
        if (ctx.signal.aborted) throw new RpcError(status.CANCELLED, 'the client cancelled the stream; nothing of this batch was stored');
        const message = next.value.message;
        if (message?.$case !== 'batch') throw RpcError.invalidArgument('only the first message may be a header', [{ field: 'header', description: 'send it once, first' }]);
        const records = message.value.records;
        if (records.length > this.config.INGEST_MAX_BATCH_RECORDS) {
          throw new RpcError(status.RESOURCE_EXHAUSTED, `a batch message carries ${records.length} records; the limit is ${this.config.INGEST_MAX_BATCH_RECORDS}`, [{ field: 'batch.records', description: `at most ${this.config.INGEST_MAX_BATCH_RECORDS} per message` }], 'BATCH_TOO_LARGE');
        }
        const incoming = records.map((record, i): IncomingRecord => ({ raw: rawOf(record), sourceRef: `${batchId}:${totals.received + i}` }));
        const counts = await this.ingest.ingest(tx, stored, incoming, { source: pb.RecordSource.RECORD_SOURCE_GRPC, batchId });
        totals.received += counts.received;
        totals.stored += counts.stored;
        totals.quarantined += counts.quarantined;
        for (const row of counts.rejectedSample) {
          if (totals.quarantineSample.length >= 20) break;
          totals.quarantineSample.push({
            recordId: row.quarantineId, dataset: header.dataset, raw: row.raw, violations: row.violations.map(map.toViolation), source: pb.RecordSource.RECORD_SOURCE_GRPC,
            sourceRef: row.sourceRef, batchId, contractVersion: stored.contract.version, quarantinedAt: new Date(),
          });
        }
      }
      await this.queries.completeBatch(tx, { batchId, dataset: header.dataset, contractVersion: stored.contract.version, received: totals.received, stored: totals.stored, quarantined: totals.quarantined });
      return totals;
    });
  }

  async startFileImport(request: pb.StartFileImportRequest): Promise<pb.StartFileImportResponse> {
    await this.contractService.get(request.dataset);
    if (request.source?.$case !== 'filePath') {
      throw RpcError.invalidArgument('name the file to import by file_path (uploads are not supported yet)', [{ field: 'file_path', description: 'an absolute path readable by the ingestion service' }]);
    }
    const path = request.source.value;
    if (!isAbsolute(path)) throw RpcError.invalidArgument(`file_path must be absolute: ${path}`, [{ field: 'file_path', description: 'must be an absolute path' }]);
    const format = formatOf(path, map.fileFormatName(request.format));
    if (!format) throw RpcError.invalidArgument(`cannot tell the format of ${path}`, [{ field: 'format', description: 'set it, or use a .csv, .jsonl or .parquet file name' }]);
    if (request.batchSize < 0 || request.batchSize > 100_000) throw RpcError.invalidArgument('batch_size must be between 1 and 100000 (0 = default)', [{ field: 'batch_size', description: 'out of range' }]);
    if (request.maxRows < 0) throw RpcError.invalidArgument('max_rows must not be negative', [{ field: 'max_rows', description: 'out of range' }]);
    let size: number;
    try {
      size = await checkFile(path, format);
    } catch (error) {
      if (error instanceof FileFormatError) throw RpcError.invalidArgument(error.message, [{ field: 'file_path', description: error.message }]);
      throw error;
    }
    const job = await this.jobs.create({
      jobId: uuidv7(),
      requestId: request.requestId || undefined,
      dataset: request.dataset,
      source: path,
      format,
      csvDelimiter: request.csv?.delimiter || ',',
      csvNullValues: request.csv?.nullValues.length ? request.csv.nullValues : [''],
      batchSize: request.batchSize || this.config.IMPORT_BATCH_SIZE,
      maxRows: request.maxRows,
      bytesTotal: size,
    });
    this.runner.poke();
    return { job: map.toImportJob(job) };
  }

  async getImportJob(request: pb.GetImportJobRequest): Promise<pb.GetImportJobResponse> {
    const job = UUID.test(request.jobId) ? await this.jobs.find(request.jobId) : undefined;
    if (!job) throw RpcError.notFound(`import job "${request.jobId}" not found`);
    return { job: map.toImportJob(job) };
  }

  async createSnapshot(request: pb.CreateSnapshotRequest, ctx: CallContext): Promise<pb.CreateSnapshotResponse> {
    const { snapshot, created } = await this.snapshotService.create({
      dataset: request.dataset,
      start: request.eventTimeRange?.start,
      end: request.eventTimeRange?.end,
      description: request.description,
      labels: request.labels,
      actor: actorOf(ctx.metadata),
    });
    return { snapshot: map.toSnapshot(snapshot), created };
  }

  async getSnapshot(request: pb.GetSnapshotRequest): Promise<pb.GetSnapshotResponse> {
    return { snapshot: map.toSnapshot(await this.snapshotService.get(request.snapshotId)) };
  }

  async listSnapshots(request: pb.ListSnapshotsRequest): Promise<pb.ListSnapshotsResponse> {
    await this.contractService.get(request.dataset);
    const page = pageOf(request.page);
    const list = await this.snapshots.list(request.dataset, page.offset, page.limit + 1);
    return { snapshots: list.slice(0, page.limit).map(map.toSnapshot), page: page.response(list.length) };
  }

  async *readSnapshot(request: pb.ReadSnapshotRequest, ctx: CallContext): AsyncIterable<pb.ReadSnapshotResponse> {
    const snapshot = await this.snapshotService.get(request.snapshotId);
    const { contract } = await this.contractService.get(snapshot.dataset, snapshot.contractVersion);
    const unknown = request.columns.filter((c) => !contract.fields.some((f) => f.name === c));
    if (unknown.length > 0) throw RpcError.invalidArgument(`unknown column(s): ${unknown.join(', ')}`, unknown.map((c) => ({ field: 'columns', description: `"${c}" is not in contract ${contract.version}` })));
    if (request.offset < 0 || request.limit < 0) throw RpcError.invalidArgument('offset and limit must not be negative', [{ field: request.offset < 0 ? 'offset' : 'limit', description: 'must be >= 0' }]);
    const columns = request.columns.length > 0 ? request.columns : contract.fields.map((f) => f.name);
    const fields = columns.map((c) => contract.fields.find((f) => f.name === c)!);
    yield { message: { $case: 'header', value: { snapshot: map.toSnapshot(snapshot), columns: map.toColumns(contract, columns) } } };
    const batchSize = Math.min(request.batchSize || 1_000, 10_000);
    let startRow = request.offset;
    let remaining = request.limit || Number.POSITIVE_INFINITY;
    for await (const page of this.snapshots.rows(snapshot, batchSize, request.offset)) {
      if (ctx.signal.aborted) return;
      const rows = page.slice(0, remaining).map((values) => ({ values: fields.map((f) => map.toValue(f, values[f.name] ?? null)) }));
      yield { message: { $case: 'rows', value: { startRow, rows } } };
      startRow += rows.length;
      remaining -= rows.length;
      if (remaining <= 0) return;
    }
  }

  async listQuarantine(request: pb.ListQuarantineRequest): Promise<pb.ListQuarantineResponse> {
    await this.contractService.get(request.dataset);
    const page = pageOf(request.page);
    const entries = await this.queries.quarantine(
      {
        dataset: request.dataset,
        batchId: request.batchId || undefined,
        field: request.field || undefined,
        rule: request.rule ? map.ruleName(request.rule) : undefined,
        from: request.timeRange?.start,
        to: request.timeRange?.end,
      },
      page.offset,
      page.limit + 1,
    );
    return {
      records: entries.slice(0, page.limit).map((e) => ({
        recordId: e.id, dataset: e.dataset, raw: e.raw, violations: e.violations.map(map.toViolation), source: e.source,
        sourceRef: e.sourceRef, batchId: e.batchId, contractVersion: e.contractVersion, quarantinedAt: e.quarantinedAt,
      })),
      page: page.response(entries.length),
    };
  }

  async getDatasetStats(request: pb.GetDatasetStatsRequest): Promise<pb.GetDatasetStatsResponse> {
    const stored = await this.contractService.get(request.dataset);
    const [counters, report, snapshotCount] = await Promise.all([this.queries.counters(request.dataset), this.queries.latestReport(request.dataset), this.snapshots.count(request.dataset)]);
    const sum = (key: 'received' | 'stored' | 'quarantined') => counters.reduce((total, c) => total + c[key], 0);
    const latest = (key: 'latestEventTime' | 'lastIngestedAt') => counters.map((c) => c[key]).filter((d): d is Date => !!d).sort((a, b) => b.getTime() - a.getTime())[0];
    return {
      dataset: request.dataset,
      received: sum('received'),
      stored: sum('stored'),
      quarantined: sum('quarantined'),
      bySource: counters.map((c) => ({ source: c.source, received: c.received, stored: c.stored, quarantined: c.quarantined })),
      contractVersion: stored.contract.version,
      snapshotCount,
      latestEventTime: latest('latestEventTime'),
      lastIngestedAt: latest('lastIngestedAt'),
      latestReport: report,
    };
  }

  private replayed(batch: { batchId: string; dataset: string; contractVersion: string; received: number; stored: number; quarantined: number }, dataset: string): pb.IngestRecordsResponse {
    if (batch.dataset !== dataset) {
      throw RpcError.invalidArgument(`batch id ${batch.batchId} was already used for dataset "${batch.dataset}"`, [{ field: 'header.batch_id', description: 'batch ids are unique across datasets' }]);
    }
    return { batchId: batch.batchId, received: batch.received, stored: batch.stored, quarantined: batch.quarantined, contractVersion: batch.contractVersion, quarantineSample: [] };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function rawOf(record: pb.IngestRecord): IncomingRecord['raw'] {
  switch (record.payload?.$case) {
    case 'json':
      return Buffer.from(record.payload.value);
    case 'fields':
      return record.payload.value ?? {};
    case undefined:
      return Buffer.alloc(0);
  }
}

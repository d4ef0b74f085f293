import { Inject, Injectable } from '@nestjs/common';
import { credentials, type ServiceError, status } from '@grpc/grpc-js';
import { type OnServiceStop, SERVICE_CONFIG } from '@mlops/platform';
import { commonV1, featureV1, ingestionV1 } from '@mlops/proto';
import { type TrainingConfig } from '../config';
import { type PipelineSpec } from '../domain/pipeline/spec';
import { type Cell, type ColumnKind, InvalidInputError, type Table } from '../domain/pipeline/table';

/** Where the rows came from, for the run's data version and the model's lineage. */
export interface FetchedData {
  table: Table;
  dataset: string;
  snapshotId: string;
  featureService?: { name: string; version: number };
  featureViews: { name: string; version: number }[];
}

/** An upstream failure that is not the spec's fault (unavailable, timed out): the run is retried. */
export class InfrastructureError extends Error {
  override name = 'InfrastructureError';
}

const KIND: Partial<Record<commonV1.DataType, ColumnKind>> = {
  [commonV1.DataType.DATA_TYPE_INT]: 'numeric',
  [commonV1.DataType.DATA_TYPE_FLOAT]: 'numeric',
  [commonV1.DataType.DATA_TYPE_BOOL]: 'bool',
  [commonV1.DataType.DATA_TYPE_TIMESTAMP]: 'timestamp',
  [commonV1.DataType.DATA_TYPE_STRING]: 'categorical',
  [commonV1.DataType.DATA_TYPE_CATEGORICAL]: 'categorical',
};

const cellOf = (value: commonV1.FeatureValue | undefined): Cell => {
  const kind = value?.kind;
  if (!kind || kind.$case === 'nullValue') return null;
  return kind.$case === 'timestampValue' ? kind.value.getTime() : kind.value;
};

/** Reads a run's training data: a dataset snapshot from ingestion, or a point-in-time retrieval from the feature service. */
@Injectable()
export class TrainingDataClient implements OnServiceStop {
  private readonly ingestion: ingestionV1.IngestionServiceClient;
  private readonly features: featureV1.FeatureServiceClient;

  constructor(@Inject(SERVICE_CONFIG) config: TrainingConfig) {
    this.ingestion = new ingestionV1.IngestionServiceClient(config.INGESTION_ADDRESS, credentials.createInsecure());
    this.features = new featureV1.FeatureServiceClient(config.FEATURE_ADDRESS, credentials.createInsecure());
  }

  async fetch(source: PipelineSpec['data'], signal: AbortSignal, onRows: (rows: number) => void): Promise<FetchedData> {
    if (source.kind === 'snapshot') {
      const stream = this.ingestion.readSnapshot(ingestionV1.ReadSnapshotRequest.fromPartial({ snapshotId: source.snapshotId, batchSize: 10_000 }));
      let dataset = '';
      const table = await this.read(stream as AsyncIterable<ingestionV1.ReadSnapshotResponse>, signal, onRows, `snapshot "${source.snapshotId}"`, (m) => {
        if (m.message?.$case === 'header') dataset = m.message.value.snapshot?.dataset ?? '';
        return m.message?.$case === 'header' ? { columns: m.message.value.columns } : m.message?.$case === 'rows' ? { rows: m.message.value.rows } : {};
      });
      return { table, dataset, snapshotId: source.snapshotId, featureViews: [] };
    }
    const request = featureV1.GetHistoricalFeaturesRequest.fromPartial({
      features: { selection: { $case: 'featureService', value: { name: source.name, version: source.version } } },
      entitySource: { $case: 'entitySnapshotId', value: source.entitySnapshotId },
      eventTimestampColumn: source.eventTimestampColumn,
      batchSize: 10_000,
    });
    let header: featureV1.HistoricalFeaturesHeader | undefined;
    const table = await this.read(this.features.getHistoricalFeatures(request) as AsyncIterable<featureV1.GetHistoricalFeaturesResponse>, signal, onRows, `feature service "${source.name}"`, (m) => {
      if (m.message?.$case === 'header') header = m.message.value;
      return m.message?.$case === 'header' ? { columns: m.message.value.columns } : m.message?.$case === 'rows' ? { rows: m.message.value.rows } : {};
    });
    return {
      table,
      dataset: '',
      snapshotId: source.entitySnapshotId,
      featureService: { name: header?.featureService?.name ?? source.name, version: header?.featureService?.version ?? source.version },
      featureViews: (header?.featureViews ?? []).map((v) => ({ name: v.name, version: v.version })),
    };
  }

  private async read<M>(
    stream: AsyncIterable<M> & { cancel?: () => void },
    signal: AbortSignal,
    onRows: (rows: number) => void,
    what: string,
    parts: (message: M) => { columns?: commonV1.ColumnSchema[]; rows?: commonV1.Row[] },
  ): Promise<Table> {
    const cancel = () => stream.cancel?.();
    signal.addEventListener('abort', cancel);
    const table: Table = { columns: [], rows: [] };
    try {
      for await (const message of stream) {
        const { columns, rows } = parts(message);
        if (columns) table.columns = columns.map((c) => ({ name: c.name, kind: KIND[c.type] ?? 'categorical' }));
        if (rows) {
          for (const row of rows) table.rows.push(row.values.map(cellOf));
          onRows(table.rows.length);
        }
      }
      return table;
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const e = error as ServiceError;
      if ([status.NOT_FOUND, status.INVALID_ARGUMENT, status.FAILED_PRECONDITION].includes(e.code)) throw new InvalidInputError(`${what}: ${e.details || e.message}`);
      throw new InfrastructureError(`reading ${what}: ${e.details || e.message}`);
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  }

  onServiceStop(): Promise<void> {
    this.ingestion.close();
    this.features.close();
    return Promise.resolve();
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { type ClientReadableStream, credentials, type ServiceError, status } from '@grpc/grpc-js';
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

/** The spec named something upstream refuses (not the run to retry), or upstream failed (retried). */
function upstreamError(error: ServiceError, what: string, doing = what): InvalidInputError | InfrastructureError {
  const details = error.details || error.message;
  return [status.NOT_FOUND, status.INVALID_ARGUMENT, status.FAILED_PRECONDITION].includes(error.code) ? new InvalidInputError(`${what}: ${details}`) : new InfrastructureError(`${doing}: ${details}`);
}

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
      const { table, header } = await this.read<ingestionV1.SnapshotHeader>(stream, signal, onRows, `snapshot "${source.snapshotId}"`);
      return { table, dataset: header?.snapshot?.dataset ?? '', snapshotId: source.snapshotId, featureViews: [] };
    }
    const request = featureV1.GetHistoricalFeaturesRequest.fromPartial({
      features: { selection: { $case: 'featureService', value: { name: source.name, version: source.version } } },
      entitySource: { $case: 'entitySnapshotId', value: source.entitySnapshotId },
      eventTimestampColumn: source.eventTimestampColumn,
      batchSize: 10_000,
    });
    const { table, header } = await this.read<featureV1.HistoricalFeaturesHeader>(this.features.getHistoricalFeatures(request), signal, onRows, `feature service "${source.name}"`);
    return {
      table,
      dataset: '',
      snapshotId: source.entitySnapshotId,
      featureService: { name: header?.featureService?.name ?? source.name, version: header?.featureService?.version ?? source.version },
      featureViews: (header?.featureViews ?? []).map((v) => ({ name: v.name, version: v.version })),
    };
  }

  /**
   * The newest snapshot of the dataset `snapshotId` belongs to (a retrain reads the data as it is
   * now); the same id when nothing newer exists.
   */
  async newestSnapshotLike(snapshotId: string): Promise<string> {
    const unary = <Res>(send: (callback: (error: ServiceError | null, response: Res) => void) => unknown, what: string) =>
      new Promise<Res>((resolve, reject) => send((error, response) => (error ? reject(upstreamError(error, what)) : resolve(response))));
    const { snapshot } = await unary<ingestionV1.GetSnapshotResponse>((cb) => this.ingestion.getSnapshot({ snapshotId }, cb), `snapshot "${snapshotId}"`);
    const dataset = snapshot?.dataset ?? '';
    const newest = await unary<ingestionV1.ListSnapshotsResponse>((cb) => this.ingestion.listSnapshots({ dataset, page: { pageSize: 1, pageToken: '' } }, cb), `snapshots of "${dataset}"`);
    return newest.snapshots[0]?.snapshotId ?? snapshotId;
  }

  /** Both sources stream a header with the columns, then batches of rows. */
  private async read<H extends { columns: commonV1.ColumnSchema[] }>(stream: ClientReadableStream<unknown>, signal: AbortSignal, onRows: (rows: number) => void, what: string): Promise<{ table: Table; header?: H }> {
    const cancel = () => stream.cancel();
    signal.addEventListener('abort', cancel);
    const table: Table = { columns: [], rows: [] };
    let header: H | undefined;
    try {
      for await (const { message } of stream as AsyncIterable<{ message?: { $case: string; value: unknown } }>) {
        if (message?.$case === 'header') {
          header = message.value as H;
          table.columns = header.columns.map((c) => ({ name: c.name, kind: KIND[c.type] ?? 'categorical' }));
        } else if (message?.$case === 'rows') {
          for (const row of (message.value as { rows: commonV1.Row[] }).rows) table.rows.push(row.values.map(cellOf));
          onRows(table.rows.length);
        }
      }
      return { table, header };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw upstreamError(error as ServiceError, what, `reading ${what}`);
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

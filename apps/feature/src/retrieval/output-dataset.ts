import { type ClientWritableStream, type ServiceError, status } from '@grpc/grpc-js';
import { uuidv7 } from 'uuidv7';
import { RpcError } from '@mlops/grpc';
import { commonV1, ingestionV1 } from '@mlops/proto';
import { fromValue } from '../feature.mapper';
import { fromIngestion } from './ingestion-errors';

const CONTRACT_TYPES: Partial<Record<commonV1.DataType, string>> = {
  [commonV1.DataType.DATA_TYPE_INT]: 'int',
  [commonV1.DataType.DATA_TYPE_FLOAT]: 'float',
  [commonV1.DataType.DATA_TYPE_STRING]: 'string',
  [commonV1.DataType.DATA_TYPE_CATEGORICAL]: 'string',
  [commonV1.DataType.DATA_TYPE_BOOL]: 'bool',
  [commonV1.DataType.DATA_TYPE_TIMESTAMP]: 'timestamp',
};
const NAME = /^[a-z][a-z0-9_]*$/;
const RECORDS_PER_MESSAGE = 5_000;

export interface OutputShape {
  dataset: string;
  columns: commonV1.ColumnSchema[];
  timestampColumn: string;
  entityKeys: string[];
  labels: Record<string, string>;
}

/**
 * A retrieval's result written back as an ingestion dataset and frozen as a snapshot the training
 * service can name: the contract is derived from the output columns, the rows go through one
 * IngestRecords stream (one ingestion transaction: the dataset gets all of them or none), and the
 * snapshot is taken once they are in. The dataset must be new or empty, so the snapshot holds
 * exactly this result.
 */
export class OutputDataset {
  private pending: ingestionV1.IngestRecord[] = [];

  private constructor(
    private readonly client: ingestionV1.IngestionServiceClient,
    private readonly shape: OutputShape,
    private readonly stream: ClientWritableStream<ingestionV1.IngestRecordsRequest>,
    private readonly response: Promise<ingestionV1.IngestRecordsResponse>,
  ) {}

  static async open(client: ingestionV1.IngestionServiceClient, shape: OutputShape): Promise<OutputDataset> {
    if (!NAME.test(shape.dataset)) throw RpcError.invalidArgument(`"${shape.dataset}" is not a dataset name`, [{ field: 'output_dataset', description: 'lower_snake_case' }]);
    const unnamed = shape.columns.filter((c) => !NAME.test(c.name)).map((c) => c.name);
    if (unnamed.length > 0) throw RpcError.invalidArgument(`column(s) ${unnamed.join(', ')} cannot be dataset fields`, [{ field: 'output_dataset', description: 'output columns must be lower_snake_case to be written as a dataset' }]);
    const stats = await unary<ingestionV1.GetDatasetStatsResponse>((cb) => client.getDatasetStats(ingestionV1.GetDatasetStatsRequest.fromPartial({ dataset: shape.dataset }), cb)).catch((error: ServiceError) => {
      if (error.code === status.NOT_FOUND) return undefined;
      throw fromIngestion(error, `reading the stats of output dataset "${shape.dataset}"`);
    });
    if (stats && stats.received > 0) {
      throw new RpcError(status.FAILED_PRECONDITION, `output dataset "${shape.dataset}" already holds ${stats.received} records; name a new one`, [{ field: 'output_dataset', description: 'a new or empty dataset' }], 'OUTPUT_DATASET_NOT_EMPTY');
    }
    await unary((cb) => client.applyContract(ingestionV1.ApplyContractRequest.fromPartial({ document: contractOf(shape) }), cb)).catch((error: ServiceError) => {
      if (error.code !== status.FAILED_PRECONDITION && error.code !== status.INVALID_ARGUMENT) throw fromIngestion(error, `applying the contract of output dataset "${shape.dataset}"`);
      throw new RpcError(status.FAILED_PRECONDITION, `the output dataset's contract was refused by ingestion: ${error.details}`, [{ field: 'output_dataset', description: 'name a new dataset' }], 'OUTPUT_CONTRACT_REFUSED');
    });
    let stream!: ClientWritableStream<ingestionV1.IngestRecordsRequest>;
    const response = new Promise<ingestionV1.IngestRecordsResponse>((resolve, reject) => {
      stream = client.ingestRecords((error, value) => (error ? reject(error) : resolve(value)));
    });
    response.catch(() => undefined); // observed in finish()
    stream.on('error', () => undefined); // the callback above gets the error; an unheard 'error' event would crash the process
    stream.write({ message: { $case: 'header', value: { dataset: shape.dataset, batchId: `retrieval-${uuidv7()}`, contractVersion: '' } } });
    return new OutputDataset(client, shape, stream, response);
  }

  async add(cells: commonV1.FeatureValue[]): Promise<void> {
    const record = Object.fromEntries(this.shape.columns.map((c, i) => [c.name, fromValue(cells[i])]));
    this.pending.push({ payload: { $case: 'json', value: Buffer.from(JSON.stringify(record)) } });
    if (this.pending.length >= RECORDS_PER_MESSAGE) await this.flush();
  }

  /** Commits the rows and takes the snapshot; returns its id. */
  async finish(): Promise<string> {
    await this.flush();
    this.stream.end();
    const counts = await this.response.catch((error: ServiceError) => Promise.reject(fromIngestion(error, `writing output dataset "${this.shape.dataset}"`)));
    if (counts.quarantined > 0) throw new RpcError(status.INTERNAL, `ingestion quarantined ${counts.quarantined} output rows (batch ${counts.batchId})`, [], 'OUTPUT_ROWS_QUARANTINED');
    const { snapshot } = await unary<ingestionV1.CreateSnapshotResponse>((cb) =>
      this.client.createSnapshot(ingestionV1.CreateSnapshotRequest.fromPartial({ dataset: this.shape.dataset, description: 'point-in-time retrieval', labels: this.shape.labels }), cb),
    ).catch((error: ServiceError) => Promise.reject(fromIngestion(error, `snapshotting output dataset "${this.shape.dataset}"`)));
    return snapshot!.snapshotId;
  }

  /** Abandons the rows: ingestion rolls the stream's transaction back. */
  abort(): void {
    this.stream.cancel();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const records = this.pending;
    this.pending = [];
    if (this.stream.write({ message: { $case: 'batch', value: { records } } })) return;
    // Wait for room, unless ingestion ends the call first (its answer then says why).
    const drained = new Promise<void>((resolve) => this.stream.once('drain', resolve));
    await Promise.race([drained, this.response.then(() => Promise.reject(new RpcError(status.INTERNAL, 'ingestion ended the output stream early', [], 'OUTPUT_WRITE_FAILED')))]);
  }
}

function contractOf(shape: OutputShape): string {
  const required = new Set([shape.timestampColumn, ...shape.entityKeys]);
  return JSON.stringify({
    dataset: shape.dataset,
    version: '1.0.0',
    description: 'point-in-time features written by the feature service',
    entity_keys: shape.entityKeys,
    event_time_field: shape.timestampColumn,
    fields: shape.columns.map((c) => ({ name: c.name, type: CONTRACT_TYPES[c.type] ?? 'string', required: required.has(c.name), nullable: !required.has(c.name) })),
  });
}

function unary<T>(invoke: (cb: (error: ServiceError | null, value: T) => void) => unknown): Promise<T> {
  return new Promise((resolve, reject) => invoke((error, value) => (error ? reject(error) : resolve(value))));
}

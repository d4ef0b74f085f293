import { Inject, Injectable } from '@nestjs/common';
import { credentials, type ServiceError, status } from '@grpc/grpc-js';
import { RpcError } from '@mlops/grpc';
import { type OnServiceStop, SERVICE_CONFIG } from '@mlops/platform';
import { ingestionV1 } from '@mlops/proto';
import { type FeatureConfig } from '../config';
import { fromIngestion } from './ingestion-errors';
import { OutputDataset, type OutputShape } from './output-dataset';

/** The ingestion service's gRPC API, for reading dataset snapshots (entity rows of large retrievals). */
@Injectable()
export class IngestionClient implements OnServiceStop {
  private readonly client: ingestionV1.IngestionServiceClient;

  constructor(@Inject(SERVICE_CONFIG) config: FeatureConfig) {
    this.client = new ingestionV1.IngestionServiceClient(config.INGESTION_ADDRESS, credentials.createInsecure());
  }

  /** A snapshot's header, then its row batches in snapshot order (event time); ingestion's errors are passed on with their code. */
  async *readSnapshot(snapshotId: string, signal: AbortSignal): AsyncGenerator<ingestionV1.ReadSnapshotResponse> {
    const stream = this.client.readSnapshot(ingestionV1.ReadSnapshotRequest.fromPartial({ snapshotId, batchSize: 5_000 }));
    const cancel = () => stream.cancel();
    signal.addEventListener('abort', cancel);
    try {
      for await (const message of stream) yield message as ingestionV1.ReadSnapshotResponse;
    } catch (error) {
      const e = error as ServiceError;
      if (e.code === status.NOT_FOUND) throw RpcError.notFound(`entity snapshot "${snapshotId}" not found in ingestion`);
      throw fromIngestion(e, `reading entity snapshot "${snapshotId}"`);
    } finally {
      signal.removeEventListener('abort', cancel);
      stream.cancel();
    }
  }

  /** A dataset to write a retrieval's result into (see OutputDataset). */
  openOutput(shape: OutputShape): Promise<OutputDataset> {
    return OutputDataset.open(this.client, shape);
  }

  onServiceStop(): Promise<void> {
    this.client.close();
    return Promise.resolve();
  }
}

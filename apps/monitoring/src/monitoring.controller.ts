import { Injectable } from '@nestjs/common';
import { RpcError, type ServiceImplementation } from '@mlops/grpc';
import { GrpcController } from '@mlops/platform';
import { monitoringV1 } from '@mlops/proto';
import { decodePageToken, encodePageToken, pageSize, type PagePosition } from './domain/page-token';
import { MonitoredModelRepository } from './models/monitored-model.repository';

/** The monitoring gRPC API. Reports, drift, alerts and policies answer UNIMPLEMENTED until the monitoring issue. */
@Injectable()
@GrpcController(monitoringV1.MonitoringServiceService)
export class MonitoringController implements ServiceImplementation<typeof monitoringV1.MonitoringServiceService> {
  constructor(private readonly models: MonitoredModelRepository) {}

  async listMonitoredModels(request: monitoringV1.ListMonitoredModelsRequest): Promise<monitoringV1.ListMonitoredModelsResponse> {
    let after: PagePosition | undefined;
    try {
      after = decodePageToken(request.page?.pageToken ?? '');
    } catch (error) {
      throw RpcError.invalidArgument('invalid page token', [{ field: 'page.page_token', description: (error as Error).message }]);
    }
    const { models, more } = await this.models.page(pageSize(request.page?.pageSize), after);
    const last = models.at(-1);
    return {
      models: models.map((m) => ({ name: m.name, task: m.task, registeredAt: m.registeredAt })),
      page: { nextPageToken: more && last ? encodePageToken({ registeredAt: last.registeredAt.toISOString(), name: last.name }) : '' },
    };
  }
}

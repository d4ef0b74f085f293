import * as grpc from '@grpc/grpc-js';
import { featureV1 } from '@mlops/proto';

/** The feature service's online API over real gRPC, with values and failures the test controls. */
export class FakeFeatureService {
  private server?: grpc.Server;
  readonly requests: featureV1.GetOnlineFeaturesRequest[] = [];
  failing = false;
  /** How long each lookup takes. */
  delayMs = 0;

  async start(values: Record<string, number>): Promise<number> {
    this.server = new grpc.Server();
    const names = Object.keys(values);
    this.server.addService(featureV1.FeatureServiceService, {
      getOnlineFeatures: (call_: grpc.ServerUnaryCall<featureV1.GetOnlineFeaturesRequest, featureV1.GetOnlineFeaturesResponse>, callback: grpc.sendUnaryData<featureV1.GetOnlineFeaturesResponse>) => {
        this.requests.push(call_.request);
        if (this.failing) return callback({ code: grpc.status.UNAVAILABLE, details: 'online store down' });
        setTimeout(() => callback(null, featureV1.GetOnlineFeaturesResponse.fromPartial({
          featureNames: names,
          results: call_.request.entities.map((entity) => ({ entity, values: names.map((name) => ({ value: { kind: { $case: 'doubleValue', value: values[name] } }, status: featureV1.FeatureStatus.FEATURE_STATUS_PRESENT })) })),
        })), this.delayMs);
      },
    });
    return new Promise((resolve, reject) => this.server!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.tryShutdown(() => resolve()) : resolve()));
  }
}

import { Injectable } from '@nestjs/common';
import { type ServiceImplementation } from '@mlops/grpc';
import { GrpcController } from '@mlops/platform';
import { featureV1 } from '@mlops/proto';

/**
 * The feature gRPC API (proto/mlops/feature/v1). Its calls answer UNIMPLEMENTED, naming the method,
 * until the feature issue implements them; the server, health, reflection and events are live.
 */
@Injectable()
@GrpcController(featureV1.FeatureServiceService)
export class FeatureController implements ServiceImplementation<typeof featureV1.FeatureServiceService> {}

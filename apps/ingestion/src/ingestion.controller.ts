import { Injectable } from '@nestjs/common';
import { type ServiceImplementation } from '@mlops/grpc';
import { GrpcController } from '@mlops/platform';
import { ingestionV1 } from '@mlops/proto';

/**
 * The ingestion gRPC API (proto/mlops/ingestion/v1). Its calls answer UNIMPLEMENTED, naming the method,
 * until the ingestion issue implements them; the server, health, reflection and events are live.
 */
@Injectable()
@GrpcController(ingestionV1.IngestionServiceService)
export class IngestionController implements ServiceImplementation<typeof ingestionV1.IngestionServiceService> {}

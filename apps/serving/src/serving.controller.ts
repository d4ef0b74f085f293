import { Injectable } from '@nestjs/common';
import { type ServiceImplementation } from '@mlops/grpc';
import { GrpcController } from '@mlops/platform';
import { servingV1 } from '@mlops/proto';

/**
 * The serving gRPC API (proto/mlops/serving/v1). Its calls answer UNIMPLEMENTED, naming the method,
 * until the serving issue implements them; the server, health, reflection and events are live.
 */
@Injectable()
@GrpcController(servingV1.ServingServiceService)
export class ServingController implements ServiceImplementation<typeof servingV1.ServingServiceService> {}

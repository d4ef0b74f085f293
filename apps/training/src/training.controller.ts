import { Injectable } from '@nestjs/common';
import { type ServiceImplementation } from '@mlops/grpc';
import { GrpcController } from '@mlops/platform';
import { trainingV1 } from '@mlops/proto';

/**
 * The training gRPC API (proto/mlops/training/v1). Its calls answer UNIMPLEMENTED, naming the method,
 * until the training issue implements them; the server, health, reflection and events are live.
 */
@Injectable()
@GrpcController(trainingV1.TrainingServiceService)
export class TrainingController implements ServiceImplementation<typeof trainingV1.TrainingServiceService> {}

import { Injectable } from '@nestjs/common';
import { type ServiceImplementation } from '@mlops/grpc';
import { GrpcController } from '@mlops/platform';
import { inference } from '@mlops/proto';

/**
 * The Open Inference Protocol (KServe V2, `inference.GRPCInferenceService`) on the serving port, so
 * KServe and Triton clients work unchanged. UNIMPLEMENTED until the serving issue loads models.
 */
@Injectable()
@GrpcController(inference.GRPCInferenceServiceService)
export class InferenceController implements ServiceImplementation<typeof inference.GRPCInferenceServiceService> {}

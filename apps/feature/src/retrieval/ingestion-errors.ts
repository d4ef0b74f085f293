import { type ServiceError, status } from '@grpc/grpc-js';
import { RpcError } from '@mlops/grpc';

/** An ingestion error passed on with its own code (UNAVAILABLE stays retryable), saying what failed. */
export function fromIngestion(error: ServiceError, what: string): RpcError {
  const code = error.code === status.CANCELLED || error.code === undefined ? status.INTERNAL : error.code;
  return new RpcError(code, `${what} in ingestion failed: ${error.details || error.message}`, [], 'INGESTION_FAILED');
}

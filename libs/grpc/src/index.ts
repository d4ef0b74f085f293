export { RpcError, type FieldViolation } from './rpc-error';
export { GrpcServer, type GrpcServerOptions } from './grpc-server';
export { bindService, type CallContext, type ServiceImplementation } from './bind-service';
export { decodeStatusDetails, type DecodedStatusDetails, toServiceError } from './status-details';
export { chunksAfterHeader, openingHeader } from './client-stream';
export { pageOf } from './paging';

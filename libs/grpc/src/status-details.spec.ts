import { status, type ServiceError } from '@grpc/grpc-js';
import { RpcError } from './rpc-error';
import { decodeStatusDetails, toServiceError } from './status-details';

describe('status details', () => {
  it.each([
    [RpcError.unauthenticated('token expired', 'TOKEN_EXPIRED'), status.UNAUTHENTICATED, 'TOKEN_EXPIRED'],
    [RpcError.unauthenticated('no token'), status.UNAUTHENTICATED, 'UNAUTHENTICATED'],
    [
      RpcError.permissionDenied('role "admin" or higher is required', 'ROLE_REQUIRED'),
      status.PERMISSION_DENIED,
      'ROLE_REQUIRED',
    ],
  ])('carry the code, message and reason of %s to the client', (error, code, reason) => {
    expect(decodeStatusDetails(toServiceError(error) as ServiceError)).toEqual({
      code,
      message: error.message,
      fieldViolations: [],
      reason,
    });
  });
});

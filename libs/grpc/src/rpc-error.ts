import { status } from '@grpc/grpc-js';

export interface FieldViolation {
  /** Path of the offending field in the request, e.g. `records[3].delay`. */
  field: string;
  description: string;
}

/**
 * An error a handler throws on purpose: it reaches the client as this gRPC status, with the field
 * violations in the standard `google.rpc.BadRequest` detail so any gRPC client can read them.
 */
export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
    readonly fieldViolations: FieldViolation[] = [],
    /** Machine-readable reason, sent as `google.rpc.ErrorInfo.reason`. */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }

  static invalidArgument(message: string, fieldViolations: FieldViolation[] = []): RpcError {
    return new RpcError(status.INVALID_ARGUMENT, message, fieldViolations, 'INVALID_ARGUMENT');
  }

  static notFound(message: string): RpcError {
    return new RpcError(status.NOT_FOUND, message, [], 'NOT_FOUND');
  }

  static alreadyExists(message: string): RpcError {
    return new RpcError(status.ALREADY_EXISTS, message, [], 'ALREADY_EXISTS');
  }

  static unavailable(message: string): RpcError {
    return new RpcError(status.UNAVAILABLE, message, [], 'UNAVAILABLE');
  }

  /** The caller could not be identified (no, malformed or expired credentials). */
  static unauthenticated(message: string, reason = 'UNAUTHENTICATED'): RpcError {
    return new RpcError(status.UNAUTHENTICATED, message, [], reason);
  }

  /** The caller is known but may not do this. */
  static permissionDenied(message: string, reason = 'PERMISSION_DENIED'): RpcError {
    return new RpcError(status.PERMISSION_DENIED, message, [], reason);
  }
}

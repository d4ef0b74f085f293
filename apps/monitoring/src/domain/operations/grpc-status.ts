/**
 * gRPC status code names by number (grpc/doc/statuscodes.md). Written out here because the
 * @grpc/grpc-js `status` enum is a framework import, which the domain core may not use.
 */
const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/** The highest status code gRPC defines (UNAUTHENTICATED). */
export const MAX_GRPC_CODE = GRPC_STATUS_NAMES.length - 1;

/**
 * The name of a gRPC status code, e.g. 3 → "INVALID_ARGUMENT"; `CODE_<n>` for a number gRPC does
 * not define (e.g. 17 → "CODE_17"). It never throws: status codes come from stored requests, and
 * one unknown code must never stop a report.
 */
export function grpcStatusName(code: number): string {
  return (Number.isInteger(code) ? GRPC_STATUS_NAMES[code] : undefined) ?? `CODE_${code}`;
}

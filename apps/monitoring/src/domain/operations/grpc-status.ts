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

/** The name of a gRPC status code, e.g. 3 → "INVALID_ARGUMENT". Throws on a number gRPC does not define. */
export function grpcStatusName(code: number): string {
  const name = GRPC_STATUS_NAMES[code];
  if (name === undefined) throw new Error(`${code} is not a gRPC status code (0 to ${GRPC_STATUS_NAMES.length - 1})`);
  return name;
}

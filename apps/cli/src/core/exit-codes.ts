import { status } from '@grpc/grpc-js';

/** Exit codes that mean something to scripts (the BSD sysexits values). */
export const EXIT = {
  ok: 0,
  /** Any other failure. */
  failure: 1,
  /** The command line was wrong. */
  usage: 64,
  /** The input (a file, a value) was malformed or refused as invalid. */
  dataError: 65,
  /** A file or a named thing (model, version, run) does not exist. */
  notFound: 66,
  /** A service is down or unreachable. */
  unavailable: 69,
  /** Try again: the server is busy or something moved under the call. */
  tempFailure: 75,
  /** No token, or a token without the role the call needs. */
  noPermission: 77,
} as const;

const BY_STATUS = new Map<status, number>([
  [status.INVALID_ARGUMENT, EXIT.dataError],
  [status.FAILED_PRECONDITION, EXIT.dataError],
  [status.OUT_OF_RANGE, EXIT.dataError],
  [status.NOT_FOUND, EXIT.notFound],
  [status.UNAVAILABLE, EXIT.unavailable],
  [status.DEADLINE_EXCEEDED, EXIT.unavailable],
  [status.RESOURCE_EXHAUSTED, EXIT.tempFailure],
  [status.ABORTED, EXIT.tempFailure],
  [status.ALREADY_EXISTS, EXIT.tempFailure],
  [status.UNAUTHENTICATED, EXIT.noPermission],
  [status.PERMISSION_DENIED, EXIT.noPermission],
]);

/** The exit code for a call that failed with a gRPC status. */
export function exitCodeOf(code: status): number {
  return BY_STATUS.get(code) ?? EXIT.failure;
}

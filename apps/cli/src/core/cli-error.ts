import { type ServiceError, status } from '@grpc/grpc-js';
import { decodeStatusDetails } from '@mlops/grpc';
import { EXIT, exitCodeOf } from './exit-codes';

/** A failure the user can act on: one line saying what went wrong and what to do, and an exit code. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
  }
}

const isServiceError = (error: unknown): error is ServiceError => typeof (error as ServiceError | undefined)?.code === 'number' && 'metadata' in (error as object);

/** A gRPC failure of a call to `service` at `address`, in one line with what to do about it. */
export function fromRpcError(error: unknown, service: string, address: string): Error {
  if (!isServiceError(error)) return error as Error;
  const exitCode = exitCodeOf(error.code);
  if (error.code === status.UNAVAILABLE || error.code === status.DEADLINE_EXCEEDED) {
    return new CliError(`the ${service} service at ${address} is not answering (${shortReason(error.details)}): start the platform with \`npm start\`, or point the CLI at it with --${service}-address or MLOPS_${service.toUpperCase()}_ADDRESS`, exitCode);
  }
  if (error.code === status.UNAUTHENTICATED) {
    return new CliError(`${service} refused the call without a valid token (${error.details}): set MLOPS_TOKEN or pass --token (\`npm run -s token -- <you> <role>\` signs one for the local platform)`, exitCode);
  }
  if (error.code === status.PERMISSION_DENIED) return new CliError(`${service}: ${error.details}: use a token with the role the call needs (--as <role> for the local platform)`, exitCode);
  // Field violations the message does not already spell out.
  const violations = decodeStatusDetails(error).fieldViolations.filter((v) => !error.details.includes(v.description)).map((v) => `${v.field}: ${v.description}`);
  const detail = violations.length > 0 ? ` (${violations.join('; ')})` : '';
  return new CliError(`${service}: ${error.details}${detail}`, exitCode);
}

/** grpc-js explains a refused connection at length; the socket error says it in two words. */
export function shortReason(details: string): string {
  const socket = /connect (E[A-Z]+)/.exec(details);
  if (socket) return socket[1] === 'ECONNREFUSED' ? 'connection refused' : socket[1];
  return details.split('. ')[0];
}

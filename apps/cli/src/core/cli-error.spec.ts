import { Metadata, status } from '@grpc/grpc-js';
import { RpcError, toServiceError } from '@mlops/grpc';
import { type CliError, fromRpcError } from './cli-error';
import { EXIT } from './exit-codes';

const serviceError = (code: status, details: string, metadata = new Metadata()) => Object.assign(new Error(details), { code, details, metadata });

describe('fromRpcError', () => {
  it('tells what to do when a service is down, with exit 69', () => {
    const error = fromRpcError(serviceError(status.UNAVAILABLE, 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:20056. Resolution note: '), 'monitoring', '127.0.0.1:20056') as CliError;
    expect(error.exitCode).toBe(EXIT.unavailable);
    expect(error.message).toBe('the monitoring service at 127.0.0.1:20056 is not answering (connection refused): start the platform with `npm start`, or point the CLI at it with --monitoring-address or MLOPS_MONITORING_ADDRESS');
  });

  it('maps refusals to exit codes: invalid 65, not found 66, busy 75, no permission 77', () => {
    expect([status.INVALID_ARGUMENT, status.NOT_FOUND, status.RESOURCE_EXHAUSTED, status.PERMISSION_DENIED, status.UNAUTHENTICATED, status.INTERNAL].map((code) => (fromRpcError(serviceError(code, 'x'), 'registry', 'a') as CliError).exitCode)).toEqual([65, 66, 75, 77, 77, 1]);
  });

  it('adds the field violations the message does not already carry', () => {
    const rpc = RpcError.invalidArgument('invalid rules', [{ field: 'rules.rules[0].metric', description: 'unknown feature "wingspan"' }]);
    const metadata = toServiceError(rpc).metadata!;
    const error = fromRpcError(serviceError(status.INVALID_ARGUMENT, 'invalid rules', metadata), 'monitoring', 'a');
    expect(error.message).toBe('monitoring: invalid rules (rules.rules[0].metric: unknown feature "wingspan")');
  });

  it('passes other errors through', () => {
    const plain = new Error('boom');
    expect(fromRpcError(plain, 'serving', 'a')).toBe(plain);
  });
});

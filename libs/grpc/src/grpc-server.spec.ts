import * as grpc from '@grpc/grpc-js';
import { ErrorInfo } from '@mlops/proto';
import { createLogger } from '@mlops/telemetry';
import { healthStatus } from '@mlops/testing';
import { type CallContext } from './bind-service';
import { GrpcServer } from './grpc-server';
import { RpcError } from './rpc-error';
import { decodeStatusDetails } from './status-details';

// A tiny service over a real protobuf message, shaped exactly like ts-proto's grpc-js output.
const method = <Req extends boolean, Res extends boolean>(name: string, requestStream: Req, responseStream: Res) =>
  ({
    path: `/test.v1.EchoService/${name}`,
    requestStream,
    responseStream,
    requestSerialize: (m: ErrorInfo) => Buffer.from(ErrorInfo.encode(m).finish()),
    requestDeserialize: (b: Buffer) => ErrorInfo.decode(b),
    responseSerialize: (m: ErrorInfo) => Buffer.from(ErrorInfo.encode(m).finish()),
    responseDeserialize: (b: Buffer) => ErrorInfo.decode(b),
  }) as const;
const EchoService = {
  echo: method('Echo', false, false),
  fail: method('Fail', false, false),
  slow: method('Slow', false, false),
  repeat: method('Repeat', false, true),
  join: method('Join', true, false),
  missing: method('Missing', false, false),
} as const;

const info = (reason: string): ErrorInfo => ({ reason, domain: 'test', metadata: {} });
const logger = createLogger('grpc-test', 'silent');

describe('GrpcServer', () => {
  let server: GrpcServer;
  let client: grpc.Client & Record<string, (...args: unknown[]) => unknown>;
  let port: number;
  const aborted: string[] = [];
  let releaseSlow: () => void = () => undefined;
  let lastEchoSignal: AbortSignal | undefined;

  beforeAll(async () => {
    server = new GrpcServer({ host: '127.0.0.1', port: 0, shutdownTimeoutMs: 300, descriptorSet: Buffer.alloc(0), logger });
    server.addService(EchoService, {
      echo: async (request, ctx: CallContext) => {
        lastEchoSignal = ctx.signal;
        return info(`echo:${request.reason}`);
      },
      fail: async (request) => {
        if (request.reason === 'bad') throw RpcError.invalidArgument('reason is not allowed', [{ field: 'reason', description: 'must not be "bad"' }]);
        throw new Error('database password=hunter2 leaked?');
      },
      slow: (request, ctx: CallContext) =>
        new Promise<ErrorInfo>((resolve) => {
          ctx.signal.addEventListener('abort', () => aborted.push(request.reason));
          releaseSlow = () => resolve(info('slow-done'));
        }),
      repeat: async function* (request) {
        for (let i = 0; i < 3; i++) yield info(`${request.reason}-${i}`);
      },
      join: async (requests) => {
        const reasons: string[] = [];
        for await (const request of requests) reasons.push(request.reason);
        return info(reasons.join('+'));
      },
    });
    port = await server.start();
    const Client = grpc.makeGenericClientConstructor(EchoService, 'EchoService');
    client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as typeof client;
  });

  afterAll(async () => {
    client.close();
    await server.shutdown();
  });

  const unary = (name: string, reason: string, options: grpc.CallOptions = {}) =>
    new Promise<ErrorInfo>((resolve, reject) =>
      (client[name] as (r: ErrorInfo, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: ErrorInfo) => void) => void)(info(reason), options, (error, response) =>
        error ? reject(error) : resolve(response),
      ),
    );

  it('reports NOT_SERVING until told otherwise', async () => {
    expect(await healthStatus(port)).toBe('NOT_SERVING');
    server.setServing(true);
    expect(await healthStatus(port)).toBe('SERVING');
    expect(await healthStatus(port, 'test.v1.EchoService')).toBe('SERVING');
  });

  it('answers unary calls', async () => {
    expect((await unary('echo', 'hi')).reason).toBe('echo:hi');
  });

  it('does not abort the signal of a call that was answered (grpc-js reports every closed stream as cancelled)', async () => {
    await unary('echo', 'answered');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lastEchoSignal?.aborted).toBe(false);
  });

  it('sends RpcError as its status with field violations in the standard details', async () => {
    const error = (await unary('fail', 'bad').catch((e: unknown) => e)) as grpc.ServiceError;
    expect(decodeStatusDetails(error)).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      message: 'reason is not allowed',
      fieldViolations: [{ field: 'reason', description: 'must not be "bad"' }],
      reason: 'INVALID_ARGUMENT',
    });
  });

  it('hides unexpected errors behind INTERNAL', async () => {
    const error = (await unary('fail', 'boom').catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.INTERNAL);
    expect(error.details).not.toContain('hunter2');
  });

  it('answers UNIMPLEMENTED for methods without a handler', async () => {
    const error = (await unary('missing', 'x').catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(error.details).toBe('/test.v1.EchoService/Missing is not implemented yet');
  });

  it('aborts the handler signal when the deadline passes', async () => {
    const error = (await unary('slow', 'deadline', { deadline: Date.now() + 100 }).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(aborted).toContain('deadline');
    releaseSlow();
  });

  it('streams responses and reads client streams', async () => {
    const streamed: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = (client.repeat as (r: ErrorInfo) => grpc.ClientReadableStream<ErrorInfo>)(info('n'));
      call.on('data', (m: ErrorInfo) => streamed.push(m.reason));
      call.on('end', resolve);
      call.on('error', reject);
    });
    expect(streamed).toEqual(['n-0', 'n-1', 'n-2']);

    const joined = await new Promise<ErrorInfo>((resolve, reject) => {
      const call = (client.join as (cb: (e: grpc.ServiceError | null, r: ErrorInfo) => void) => grpc.ClientWritableStream<ErrorInfo>)((e, r) => (e ? reject(e) : resolve(r)));
      ['a', 'b', 'c'].forEach((reason) => call.write(info(reason)));
      call.end();
    });
    expect(joined.reason).toBe('a+b+c');
  });
});

describe('GrpcServer shutdown', () => {
  it('lets an in-flight call finish, then refuses new ones', async () => {
    const server = new GrpcServer({ host: '127.0.0.1', port: 0, shutdownTimeoutMs: 5_000, descriptorSet: Buffer.alloc(0), logger });
    server.addService({ slow: EchoService.slow }, { slow: () => new Promise<ErrorInfo>((resolve) => setTimeout(() => resolve(info('finished')), 300)) });
    const port = await server.start();
    const Client = grpc.makeGenericClientConstructor({ slow: EchoService.slow }, 'EchoService');
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & { slow: (r: ErrorInfo, cb: (e: grpc.ServiceError | null, r: ErrorInfo) => void) => void };
    const inFlight = new Promise<ErrorInfo>((resolve, reject) => client.slow(info('x'), (e, r) => (e ? reject(e) : resolve(r))));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.shutdown();
    expect((await inFlight).reason).toBe('finished');
    const refused = await new Promise<grpc.ServiceError>((resolve) => client.slow(info('late'), (e) => resolve(e!)));
    expect(refused.code).toBe(grpc.status.UNAVAILABLE);
    client.close();
  });

  it('cancels calls that outlive the shutdown timeout', async () => {
    const server = new GrpcServer({ host: '127.0.0.1', port: 0, shutdownTimeoutMs: 200, descriptorSet: Buffer.alloc(0), logger });
    server.addService({ slow: EchoService.slow }, { slow: () => new Promise<ErrorInfo>(() => undefined) });
    const port = await server.start();
    const Client = grpc.makeGenericClientConstructor({ slow: EchoService.slow }, 'EchoService');
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & { slow: (r: ErrorInfo, cb: (e: grpc.ServiceError | null) => void) => void };
    const inFlight = new Promise<grpc.ServiceError>((resolve) => client.slow(info('x'), (e) => resolve(e!)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await server.shutdown();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await inFlight).code).toBe(grpc.status.CANCELLED);
    client.close();
  });
});

import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { metrics } from '@opentelemetry/api';
import { type Logger, activeTraceId } from '@mlops/telemetry';
import { RpcError } from './rpc-error';
import { toServiceError } from './status-details';

export interface CallContext {
  /** Full method path, e.g. `/mlops.registry.v1.RegistryService/GetModelVersion`. */
  method: string;
  metadata: grpc.Metadata;
  /** Aborted when the client cancels or the call's deadline passes: long work should stop then. */
  signal: AbortSignal;
  /** The client's deadline, if it set one. */
  deadline?: Date;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- generic over every generated method definition */
type AnyMethod = grpc.MethodDefinition<any, any>;
type RequestOf<M> = M extends grpc.MethodDefinition<infer R, any> ? R : never;
type ResponseOf<M> = M extends grpc.MethodDefinition<any, infer R> ? R : never;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Promise / async-iterable handler shapes, chosen by the method's streaming flags. */
type Handler<M extends AnyMethod> = M extends { requestStream: true; responseStream: true }
  ? (requests: AsyncIterable<RequestOf<M>>, ctx: CallContext) => AsyncIterable<ResponseOf<M>>
  : M extends { requestStream: true }
    ? (requests: AsyncIterable<RequestOf<M>>, ctx: CallContext) => Promise<ResponseOf<M>>
    : M extends { responseStream: true }
      ? (request: RequestOf<M>, ctx: CallContext) => AsyncIterable<ResponseOf<M>>
      : (request: RequestOf<M>, ctx: CallContext) => Promise<ResponseOf<M>>;

/** Handlers for some or all methods of a generated service definition; the rest answer UNIMPLEMENTED. */
export type ServiceImplementation<D extends grpc.ServiceDefinition> = { [K in keyof D]?: Handler<D[K]> };

type ErrorLogger = Pick<Logger, 'error'>;

const meter = metrics.getMeter('@mlops/grpc');
const callDuration = meter.createHistogram('rpc.server.call.duration', {
  description: 'Duration of gRPC calls handled by this server, by method and status code',
  unit: 's',
  // The SDK's default buckets are meant for milliseconds; these resolve 100 µs to 10 s.
  advice: { explicitBucketBoundaries: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] },
});

/**
 * Adapts promise- and iterator-based handlers to grpc-js callbacks. grpc-js is used directly rather
 * than through @nestjs/microservices so the server takes ts-proto's generated definitions as they are
 * (no runtime proto loading that could disagree with the generator), and so every call gets an
 * AbortSignal for its deadline and one place maps errors to statuses with standard details.
 */
export function bindService<D extends grpc.ServiceDefinition>(
  definition: D,
  implementation: ServiceImplementation<D>,
  logger: ErrorLogger,
): grpc.UntypedServiceImplementation {
  const bound: grpc.UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(definition)) {
    const handler = (implementation as Record<string, unknown>)[name] as ((...args: unknown[]) => unknown) | undefined;
    const run = handler ? handler.bind(implementation) : unimplemented(method.path);
    bound[name] = adapt(method, run, logger);
  }
  return bound;
}

function unimplemented(path: string) {
  return () => {
    throw new RpcError(grpc.status.UNIMPLEMENTED, `${path} is not implemented yet`, [], 'UNIMPLEMENTED');
  };
}

type AnyCall = grpc.ServerUnaryCall<unknown, unknown> & grpc.ServerDuplexStream<unknown, unknown>;

/** The call's context, and `settle` to call once the answer is sent. */
function contextOf(call: AnyCall, path: string): { ctx: CallContext; settle: () => void } {
  const controller = new AbortController();
  let settled = false;
  // grpc-js emits 'cancelled' when the stream closes, answered or not: only an unanswered call is cancelled.
  call.on('cancelled', () => {
    if (!settled) controller.abort(new RpcError(grpc.status.CANCELLED, 'call cancelled or deadline exceeded'));
  });
  const deadline = call.getDeadline();
  const deadlineDate = deadline instanceof Date ? deadline : Number.isFinite(deadline) ? new Date(deadline) : undefined;
  return { ctx: { method: path, metadata: call.metadata, signal: controller.signal, deadline: deadlineDate }, settle: () => (settled = true) };
}

function adapt(method: grpc.MethodDefinition<unknown, unknown>, run: (...args: unknown[]) => unknown, logger: ErrorLogger): grpc.UntypedHandleCall {
  const path = method.path;
  const finish = (started: bigint, code: grpc.status) =>
    callDuration.record(Number(process.hrtime.bigint() - started) / 1e9, { 'rpc.method': path, 'rpc.grpc.status_code': code });
  const toStatus = (error: unknown) => statusOf(error, path, logger);

  if (!method.responseStream) {
    const unary = (call: AnyCall, callback: grpc.sendUnaryData<unknown>) => {
      const started = process.hrtime.bigint();
      const { ctx, settle } = contextOf(call, path);
      const input = method.requestStream ? call : call.request;
      Promise.resolve()
        .then(() => run(input, ctx))
        .then(
          (response) => {
            settle();
            finish(started, grpc.status.OK);
            callback(null, response);
          },
          (error: unknown) => {
            settle();
            const serviceError = toStatus(error);
            finish(started, serviceError.code ?? grpc.status.UNKNOWN);
            callback(serviceError);
          },
        );
    };
    return unary as grpc.UntypedHandleCall;
  }

  const streaming = (call: AnyCall) => {
    const started = process.hrtime.bigint();
    const { ctx, settle } = contextOf(call, path);
    const input = method.requestStream ? call : call.request;
    void (async () => {
      try {
        for await (const message of run(input, ctx) as AsyncIterable<unknown>) {
          if (ctx.signal.aborted) return;
          if (!call.write(message)) await once(call, 'drain', { signal: ctx.signal });
        }
        settle();
        finish(started, grpc.status.OK);
        call.end();
      } catch (error) {
        const serviceError = toStatus(error);
        finish(started, serviceError.code ?? grpc.status.UNKNOWN);
        if (!ctx.signal.aborted) call.emit('error', serviceError);
        settle();
      }
    })();
  };
  return streaming as grpc.UntypedHandleCall;
}

function statusOf(error: unknown, path: string, logger: ErrorLogger): Partial<grpc.ServiceError> {
  if (error instanceof RpcError) return toServiceError(error);
  const traceId = activeTraceId();
  logger.error({ err: error, method: path }, 'unhandled error in gRPC handler');
  return toServiceError(
    new RpcError(grpc.status.INTERNAL, `internal error${traceId ? ` (trace ${traceId})` : ''}`, [], 'INTERNAL'),
  );
}

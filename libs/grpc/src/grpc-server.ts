import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { type Logger } from '@mlops/telemetry';
import { bindService, type ServiceImplementation } from './bind-service';

export interface GrpcServerOptions {
  host: string;
  port: number;
  /** In-flight calls get this long to finish on shutdown; then they are cancelled. */
  shutdownTimeoutMs: number;
  /** A serialized FileDescriptorSet of every proto served (the buf image), for server reflection. */
  descriptorSet: Buffer;
  logger: Logger;
}

const HEALTH_SERVICE = 'grpc.health.v1.Health';
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * One gRPC server per service process: the service's own API, `grpc.health.v1` (overall status
 * under the empty name and per service) and server reflection. Starts NOT_SERVING; the host flips
 * it to SERVING once its dependencies are up, and back before draining on shutdown.
 */
export class GrpcServer {
  private readonly server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  private readonly serviceNames: string[] = [];
  private boundPort?: number;

  constructor(private readonly options: GrpcServerOptions) {}

  addService<D extends grpc.ServiceDefinition>(definition: D, implementation: ServiceImplementation<D>): void {
    const name = serviceNameOf(definition);
    this.server.addService(definition, bindService(definition, implementation, this.options.logger));
    this.serviceNames.push(name);
    this.health.setStatus(name, 'NOT_SERVING');
  }

  /** Binds and starts; resolves to the bound port (useful when configured as 0). */
  async start(): Promise<number> {
    const reflectable = {
      ...protoLoader.loadFileDescriptorSetFromBuffer(this.options.descriptorSet),
      ...protoLoader.loadSync(healthProtoPath),
    };
    new ReflectionService(reflectable, { services: [...this.serviceNames, HEALTH_SERVICE] }).addToServer(this.server);
    this.health.addToServer(this.server);
    const address = `${this.options.host}:${this.options.port}`;
    this.boundPort = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(new Error(`cannot listen on ${address}: ${error.message}`)) : resolve(port),
      ),
    );
    this.options.logger.info({ address, port: this.boundPort, services: this.serviceNames }, 'gRPC server listening');
    return this.boundPort;
  }

  setServing(serving: boolean): void {
    const status = serving ? 'SERVING' : 'NOT_SERVING';
    for (const name of ['', ...this.serviceNames]) this.health.setStatus(name, status);
  }

  /**
   * Reports NOT_SERVING, stops accepting calls and lets in-flight ones finish. A client that vanished
   * mid-stream can hold a graceful shutdown forever (grpc-node #1458), hence the forced fallback.
   */
  async shutdown(): Promise<void> {
    this.setServing(false);
    const graceful = new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.shutdownTimeoutMs);
    });
    const outcome = await Promise.race([graceful, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.options.logger.warn({ timeoutMs: this.options.shutdownTimeoutMs }, 'in-flight calls did not drain in time; cancelling them');
      this.server.forceShutdown();
    }
  }
}

function serviceNameOf(definition: grpc.ServiceDefinition): string {
  const [first] = Object.values(definition);
  if (!first) throw new Error('a gRPC service definition must have at least one method');
  return first.path.split('/')[1] ?? first.path;
}

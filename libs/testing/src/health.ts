import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';
import { eventually } from './eventually';

interface HealthClient extends grpc.Client {
  check(request: { service: string }, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: { status: string }) => void): void;
}

const healthPackage = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath, { enums: String })) as unknown as {
  grpc: { health: { v1: { Health: new (address: string, credentials: grpc.ChannelCredentials) => HealthClient } } };
};

/** Asks a server's standard `grpc.health.v1.Health/Check`; resolves to SERVING, NOT_SERVING, ... */
export function healthStatus(port: number, service = ''): Promise<string> {
  const client = new healthPackage.grpc.health.v1.Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise<string>((resolve, reject) =>
    client.check({ service }, { deadline: Date.now() + 2_000 }, (error, response) => {
      client.close();
      if (error) reject(error);
      else resolve(response?.status ?? 'UNKNOWN');
    }),
  );
}

export async function waitForServing(port: number, timeoutMs = 60_000): Promise<void> {
  await eventually(async () => {
    const status = await healthStatus(port);
    if (status !== 'SERVING') throw new Error(`health on port ${port} is ${status}`);
  }, timeoutMs, 250);
}

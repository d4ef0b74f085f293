import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { type Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { issueToken, type Role } from '@mlops/auth';
import { featureV1, ingestionV1, monitoringV1, registryV1, servingV1, trainingV1 } from '@mlops/proto';
import { CliError, fromRpcError } from './cli-error';
import { EXIT } from './exit-codes';

export const SERVICES = {
  ingestion: { port: 20051, client: ingestionV1.IngestionServiceClient },
  feature: { port: 20052, client: featureV1.FeatureServiceClient },
  training: { port: 20053, client: trainingV1.TrainingServiceClient },
  registry: { port: 20054, client: registryV1.RegistryServiceClient },
  serving: { port: 20055, client: servingV1.ServingServiceClient },
  monitoring: { port: 20056, client: monitoringV1.MonitoringServiceClient },
} as const;

export type ServiceName = keyof typeof SERVICES;
type ClientOf<S extends ServiceName> = InstanceType<(typeof SERVICES)[S]['client']>;
/* eslint-disable @typescript-eslint/no-explicit-any -- reading the generated clients' method types */
// The generated clients overload each method; the last overload is (request, metadata, options, callback).
type Fn = (...args: any[]) => any;
type UnaryMethod<C> = { [M in keyof C]: C[M] extends Fn ? (Parameters<C[M]> extends [any, Metadata, any, (error: ServiceError | null, response: any) => void] ? M : never) : never }[keyof C];
type RequestOf<C, M extends keyof C> = C[M] extends Fn ? Parameters<C[M]>[0] : never;
type ResponseOf<C, M extends keyof C> = C[M] extends Fn ? Parameters<Parameters<C[M]>[3]>[1] : never;
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface PlatformOptions {
  /** Per-service address overrides (flags), over MLOPS_<SERVICE>_ADDRESS, over 127.0.0.1:<default port>. */
  addresses: Partial<Record<ServiceName, string>>;
  token?: string;
  /** Role of the token signed with the local platform's secret when no token is given. */
  role: Role;
  /** Subject of that token (four-eyes approvals need two different people). */
  subject?: string;
  timeoutMs: number;
}

/** The running platform as the CLI sees it: a client per service, calls with a deadline and a token, errors in one line. */
export class Platform {
  private readonly clients = new Map<ServiceName, Client>();
  private token?: Promise<string | undefined>;

  constructor(private readonly options: PlatformOptions) {}

  /** The same platform, calling as someone else (locally signed tokens only). */
  as(subject: string, role: Role): Platform {
    return new Platform({ ...this.options, subject, role, token: undefined });
  }

  address(service: ServiceName): string {
    return this.options.addresses[service] ?? process.env[`MLOPS_${service.toUpperCase()}_ADDRESS`] ?? `127.0.0.1:${SERVICES[service].port}`;
  }

  client<S extends ServiceName>(service: S): ClientOf<S> {
    let client = this.clients.get(service);
    if (!client) {
      client = new SERVICES[service].client(this.address(service), credentials.createInsecure());
      this.clients.set(service, client);
    }
    return client as ClientOf<S>;
  }

  /**
   * One unary call: `invoke` receives the client, the call's metadata (with the token when `auth`),
   * its options (deadline) and the callback. Failures come back as CliError, in one line.
   */
  async call<S extends ServiceName, R>(
    service: S,
    invoke: (client: ClientOf<S>, metadata: Metadata, options: { deadline: Date }, callback: (error: ServiceError | null, response: R) => void) => unknown,
    { auth = false, timeoutMs = this.options.timeoutMs } = {},
  ): Promise<R> {
    const metadata = new Metadata();
    // Services without tokens (training, ingestion, feature) record who acted from this header.
    metadata.set('x-mlops-actor', this.options.subject ?? `cli:${userInfo().username}`);
    if (auth) metadata.set('authorization', `Bearer ${await this.bearer()}`);
    try {
      return await new Promise<R>((resolve, reject) => invoke(this.client(service), metadata, { deadline: new Date(Date.now() + timeoutMs) }, (error, response) => (error ? reject(error) : resolve(response))));
    } catch (error) {
      throw fromRpcError(error, service, this.address(service));
    }
  }

  /** One unary call by method name, e.g. `rpc('monitoring', 'getLatestReport', request)`. */
  rpc<S extends ServiceName, M extends UnaryMethod<ClientOf<S>>>(service: S, method: M, request: RequestOf<ClientOf<S>, M>, options: { auth?: boolean; timeoutMs?: number } = {}): Promise<ResponseOf<ClientOf<S>, M>> {
    return this.call<S, ResponseOf<ClientOf<S>, M>>(
      service,
      (client, metadata, callOptions, callback) => (client[method] as (...args: unknown[]) => unknown).call(client, request, metadata, callOptions, callback),
      options,
    );
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
  }

  /** The given token, or one signed with the local platform's secret (as `npm run token` does), or a clear error. */
  private async bearer(): Promise<string> {
    this.token ??= (async () => {
      const given = this.options.token ?? process.env.MLOPS_TOKEN;
      if (given) return given;
      const secret = process.env.AUTH_TOKEN_SECRET ?? localSecret();
      if (!secret) return undefined;
      return issueToken({ secret, subject: this.options.subject ?? `cli:${userInfo().username}`, roles: [this.options.role], ttlSeconds: 600 });
    })();
    const token = await this.token;
    if (!token) throw new CliError('this command needs a token: set MLOPS_TOKEN or pass --token (for the local platform, `npm start` creates a secret the CLI signs with)', EXIT.noPermission);
    return token;
  }
}

/** The secret `npm start` made for the local platform: under the working directory or the CLI's workspace, or above. */
function localSecret(): string | undefined {
  for (const start of [process.cwd(), __dirname]) {
    for (let dir = start; ; dir = dirname(dir)) {
      const file = join(dir, 'var', 'local', 'auth-token-secret');
      if (existsSync(file)) return readFileSync(file, 'utf8').trim();
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

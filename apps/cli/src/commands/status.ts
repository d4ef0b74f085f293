import { credentials, makeClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { type CommandModule } from '../core/context';
import { CliError, shortReason } from '../core/cli-error';
import { EXIT } from '../core/exit-codes';
import { SERVICES, type ServiceName } from '../core/platform';

const HEALTH_TIMEOUT_MS = 2_000;
const HealthClient = makeClientConstructor(healthService, 'grpc.health.v1.Health');

type Check = (request: { service: string }, options: { deadline: Date }, callback: (error: ServiceError | null, response: { status: number | string }) => void) => void;

/** `mlops status`: every service's standard health check, side by side; exit 69 when any is not SERVING. */
export const statusCommands: CommandModule = (program, context) => {
  program
    .command('status')
    .description('health of every service (the standard gRPC health check)')
    .action(async () => {
      const { platform, out } = context();
      const names = Object.keys(SERVICES) as ServiceName[];
      const rows = await Promise.all(names.map(async (service) => ({ service, address: platform.address(service), ...(await health(platform.address(service))) })));
      out.table(rows, { service: (r) => r.service, address: (r) => r.address, status: (r) => r.status, detail: (r) => r.detail });
      const down = rows.filter((r) => r.status !== 'SERVING');
      if (down.length > 0) throw new CliError(`${down.map((r) => r.service).join(', ')} not serving: start the platform with \`npm start\` (logs under tmp/logs/)`, EXIT.unavailable);
    });
};

async function health(address: string): Promise<{ status: string; detail: string }> {
  const client = new HealthClient(address, credentials.createInsecure());
  try {
    const check = (client as unknown as { check: Check }).check.bind(client);
    const response = await new Promise<{ status: number | string }>((resolve, reject) =>
      check({ service: '' }, { deadline: new Date(Date.now() + HEALTH_TIMEOUT_MS) }, (error, answer) => (error ? reject(error) : resolve(answer))),
    );
    return { status: typeof response.status === 'number' ? ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'][response.status] : response.status, detail: '' };
  } catch (error) {
    return { status: 'UNREACHABLE', detail: shortReason((error as Error).message) };
  } finally {
    client.close();
  }
}

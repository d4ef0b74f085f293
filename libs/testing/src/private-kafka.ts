import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port';

const run = promisify(execFile);

/**
 * A Kafka broker of a test's own (deploy/local/kafka.sh on free ports and a fresh state directory,
 * sharing the jars): for a test that stops Kafka under a service, without taking the shared broker
 * away from everyone else. Restartable on the same port; the state is removed at `destroy`.
 */
export class PrivateKafka {
  private env?: NodeJS.ProcessEnv;
  private stateDir?: string;
  brokers = '';

  constructor(private readonly workspaceRoot: string) {}

  async start(): Promise<string> {
    if (!this.env) {
      this.stateDir = await mkdtemp(join(tmpdir(), 'mlops-kafka-'));
      // Without KAFKA_BROKERS, kafka.sh starts a broker instead of deferring to the shared one.
      const inherited = { ...process.env };
      delete inherited.KAFKA_BROKERS;
      const port = await freePort();
      this.env = { ...inherited, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(await freePort()), KAFKA_STATE_DIR: this.stateDir, KAFKA_HEAP_OPTS: '-Xms128m -Xmx256m' };
      this.brokers = `127.0.0.1:${port}`;
    }
    await this.script('start');
    return this.brokers;
  }

  async stop(): Promise<void> {
    if (this.env) await this.script('stop');
  }

  async destroy(): Promise<void> {
    await this.stop();
    if (this.stateDir) await rm(this.stateDir, { recursive: true, force: true });
  }

  private async script(command: 'start' | 'stop'): Promise<void> {
    try {
      await run('bash', [join(this.workspaceRoot, 'deploy/local/kafka.sh'), command], { env: this.env, timeout: 180_000 });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`kafka.sh ${command} failed: ${(stderr || stdout).slice(-2000)}`, { cause: error });
    }
  }
}

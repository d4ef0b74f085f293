import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port';

/**
 * A real S3-compatible server for tests: moto's standalone server, which `npm test` installs (pinned)
 * into `.venv-s3/`, started here on a free loopback port and stopped with the test. With
 * S3_TEST_ENDPOINT set, that server (MinIO, a real bucket's endpoint…) is used instead, with the
 * credentials and region of the environment, and nothing is started.
 */
export class S3TestServer {
  private child?: ChildProcess;
  private exited?: Promise<unknown>;
  private endpoint?: string;

  constructor(private readonly workspaceRoot: string) {}

  /** Starts the server (unless S3_TEST_ENDPOINT names one) and resolves to its endpoint URL once it answers. */
  async start(timeoutMs = 30_000): Promise<string> {
    if (process.env.S3_TEST_ENDPOINT) return (this.endpoint = process.env.S3_TEST_ENDPOINT);
    const server = join(this.workspaceRoot, '.venv-s3', 'bin', 'moto_server');
    if (!existsSync(server)) {
      throw new Error(`${server} is missing: \`npm test\` installs it, or run \`bash -c 'source scripts/common.sh && ensure_s3_test_server'\` (or set S3_TEST_ENDPOINT)`);
    }
    const port = await freePort();
    const output: string[] = [];
    this.child = spawn(server, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    this.exited = new Promise((resolve) => this.child?.once('exit', resolve));
    const endpoint = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`moto_server exited with ${this.child.exitCode}: ${output.join('').slice(-2000)}`);
      if (await fetch(`${endpoint}/moto-api/`).then((r) => r.ok, () => false)) return (this.endpoint = endpoint);
      if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms: ${output.join('').slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * The standard AWS variables pointing the SDK at this server: its endpoint, and for moto a region and
   * placeholder credentials (it accepts any). With S3_TEST_ENDPOINT only the endpoint is set.
   */
  env(): Record<string, string> {
    if (!this.endpoint) throw new Error('the S3 test server has not been started');
    if (!this.child) return { AWS_ENDPOINT_URL_S3: this.endpoint };
    return { AWS_ENDPOINT_URL_S3: this.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

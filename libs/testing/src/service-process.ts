import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitForServing } from './health';

export interface ServiceProcessOptions {
  /** App name under apps/, e.g. `registry`. Runs its built `dist/apps/<name>/src/main.js`. */
  name: string;
  env: Record<string, string>;
  grpcPort: number;
  workspaceRoot: string;
}

/** A real service process, as production runs it: its own Node process, its stdout kept in a log file. */
export class ServiceProcess {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  readonly logFile: string;

  constructor(private readonly options: ServiceProcessOptions) {
    const logDir = join(options.workspaceRoot, 'tmp', 'test-logs');
    mkdirSync(logDir, { recursive: true });
    this.logFile = join(logDir, `${options.name}-${options.grpcPort}.log`);
  }

  start(): this {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    this.child = spawn(process.execPath, ['--enable-source-maps', join(this.options.workspaceRoot, 'dist/apps', this.options.name, 'src/main.js')], {
      env: { ...process.env, ...this.options.env, GRPC_PORT: String(this.options.grpcPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    this.exited = new Promise((resolve) => this.child?.once('exit', (code) => resolve(code)));
    return this;
  }

  async waitUntilServing(timeoutMs = 90_000): Promise<void> {
    await Promise.race([
      waitForServing(this.options.grpcPort, timeoutMs),
      this.exited?.then((code) => Promise.reject(new Error(`${this.options.name} exited with ${code} before serving; see ${this.logFile}`))),
    ]);
  }

  /** Graceful stop (SIGTERM); resolves to the exit code. */
  async stop(): Promise<number | null> {
    if (!this.child || this.child.exitCode !== null) return this.child?.exitCode ?? null;
    this.child.kill('SIGTERM');
    return this.exited ?? null;
  }

  kill(): Promise<number | null> {
    this.child?.kill('SIGKILL');
    return this.exited ?? Promise.resolve(null);
  }

  get exitPromise(): Promise<number | null> | undefined {
    return this.exited;
  }
}

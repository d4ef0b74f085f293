import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventually, infrastructure, ServiceProcess } from '@mlops/testing';

const WORKSPACE = join(__dirname, '..');
const CLI = join(WORKSPACE, 'dist/apps/cli/src/main.js');
const PORTS = { ingestion: 21851, feature: 21852, training: 21853, registry: 21854, serving: 21855, monitoring: 21856 } as const;
const SECRET = randomBytes(32).toString('hex');
const STORE = join(mkdtempSync(join(tmpdir(), 'mlops-quickstart-')), 'store');
const ADDRESSES = Object.entries(PORTS).flatMap(([service, port]) => [`--${service}-address`, `127.0.0.1:${port}`]);

describe('the quickstart on six service processes: flights from Kafka to a served prediction', () => {
  const infra = infrastructure();
  const address = (service: keyof typeof PORTS) => `127.0.0.1:${PORTS[service]}`;
  const services = Object.entries(PORTS).map(
    ([name, port]) =>
      new ServiceProcess({
        name, grpcPort: port, workspaceRoot: WORKSPACE,
        env: {
          KAFKA_BROKERS: infra.kafkaBrokers.join(','), DATABASE_URL: infra.databaseUrl, METRICS_PORT: String(port - 12_000), LOG_LEVEL: 'warn', AUTH_TOKEN_SECRET: SECRET, ARTIFACT_STORE: STORE,
          INGESTION_ADDRESS: address('ingestion'), FEATURE_ADDRESS: address('feature'), REGISTRY_ADDRESS: address('registry'), TRAINING_WORK_DIR: join(STORE, '..', 'work'),
          SOURCE_RECONCILE_INTERVAL_MS: '300', TRAINING_POLL_INTERVAL_MS: '200', SERVING_SYNC_INTERVAL_MS: '300', MONITORING_EVALUATION_INTERVAL_MS: '500',
        },
      }),
  );
  const db = new Client({ connectionString: infra.databaseUrl });

  const mlops = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [CLI, ...ADDRESSES, ...args], { env: { ...process.env, AUTH_TOKEN_SECRET: SECRET, KAFKA_BROKERS: infra.kafkaBrokers.join(','), MLOPS_TOKEN: '' }, timeout: 300_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );

  beforeAll(async () => {
    await db.connect();
    // Deployments left by earlier runs name artifacts in their own stores: serving would try to load them.
    if ((await db.query("SELECT to_regclass('serving.deployments') AS t")).rows[0].t) await db.query('TRUNCATE serving.deployments, serving.deployment_history, serving.servable_versions');
    for (const service of services) service.start();
    await Promise.all(services.map((service) => service.waitUntilServing()));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await db.end();
  });

  it('replays flights, quarantines the broken ones, trains, registers, promotes with two people, serves, and says how long it took', async () => {
    const run = await mlops('quickstart', '--every', '40');
    if (run.code !== 0) throw new Error(`the quickstart exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
    const stored = /contract validation: (\d+) stored, (\d+) quarantined/.exec(run.stdout);
    expect(Number(stored?.[2])).toBe(3);
    expect(Number(stored?.[1])).toBeGreaterThan(20_000);
    const model = /registered (flights-delay-\w+) v1 from the run/.exec(run.stdout)?.[1];
    expect(model).toBeDefined();
    expect(run.stdout).toMatch(/stage: done/);
    expect(run.stdout).toMatch(/first prediction: \w+ → \w+, \d+ miles.*: P\(delay > 15 min\) = 0\.\d{3} \(v1, arm stable\)/);
    const seconds = Number(/time to first prediction: ([\d.]+) s/.exec(run.stdout)?.[1]);
    expect(seconds).toBeGreaterThan(0);

    // The end state, through the CLI: v1 is the champion, requested by one person and approved by another.
    const shown = JSON.parse((await mlops('--json', 'models', 'show', model!)).stdout) as { registeredModel: { aliases: Record<string, number> } };
    expect(shown.registeredModel.aliases.champion).toBe(1);
    const promotions = JSON.parse((await mlops('--json', 'promotions', 'list', model!)).stdout) as { state: string; requestedBy: string; approvals: { actor: string }[] }[];
    expect(promotions.map((p) => [p.state, p.requestedBy, p.approvals.map((a) => a.actor)])).toEqual([['PROMOTION_STATE_PROMOTED', 'quickstart:alice', ['quickstart:bob']]]);
    // The first prediction reached monitoring through serving's prediction log.
    await eventually(async () => {
      const { rows } = await db.query('SELECT count(*)::int AS n FROM monitoring.predictions p JOIN monitoring.prediction_series s USING (series_id) WHERE s.model_name = $1', [model]);
      expect(rows[0].n).toBe(1);
    }, 30_000);
  }, 300_000);
});

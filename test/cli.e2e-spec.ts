import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Producer } from 'kafkajs';
import { Client } from 'pg';
import { envelopeHeaders, type EventDefinition, Events, newEnvelope } from '@mlops/events';
import { commonV1, eventsV1 } from '@mlops/proto';
import { eventually, infrastructure, KafkaProbe, ServiceProcess } from '@mlops/testing';
import { runCli } from './support/cli';

const WORKSPACE = join(__dirname, '..');
const PORT = 21756;
const SECRET = randomBytes(32).toString('hex');
const FILES = mkdtempSync(join(tmpdir(), 'mlops-cli-'));
/** Addresses nothing listens on: the other services are "down" for this test. */
const DOWN = ['ingestion', 'feature', 'training', 'registry', 'serving'].flatMap((s) => [`--${s}-address`, '127.0.0.1:1']);

/** Runs the built CLI as a user would, in its own process. */
const mlops = (...args: string[]) => runCli(['--monitoring-address', `127.0.0.1:${PORT}`, ...args], { AUTH_TOKEN_SECRET: SECRET, MLOPS_TOKEN: '' }, 60_000);

const file = (name: string, text: string) => {
  const path = join(FILES, name);
  writeFileSync(path, text);
  return path;
};

describe('the mlops CLI against a real monitoring service', () => {
  const infra = infrastructure();
  const model = `cli-${randomBytes(3).toString('hex')}`;
  const env = { KAFKA_BROKERS: infra.kafkaBrokers.join(','), DATABASE_URL: infra.databaseUrl, METRICS_PORT: String(PORT - 12_000), LOG_LEVEL: 'warn', AUTH_TOKEN_SECRET: SECRET, ARTIFACT_STORE: join(FILES, 'store') };
  const service = new ServiceProcess({ name: 'monitoring', grpcPort: PORT, workspaceRoot: WORKSPACE, env });
  const probe = new KafkaProbe(infra.kafkaBrokers);
  const db = new Client({ connectionString: infra.databaseUrl });
  let producer: Producer;

  async function emit<T>(definition: EventDefinition<T>, payload: T): Promise<string> {
    const envelope = newEnvelope(definition);
    await producer.send({ topic: definition.topic, messages: [{ key: definition.key(payload), value: Buffer.from(definition.codec.encode(payload).finish()), headers: envelopeHeaders(envelope) }] });
    return envelope.id;
  }

  beforeAll(async () => {
    await db.connect();
    service.start();
    await service.waitUntilServing();
    producer = probe.client.producer();
    await producer.connect();
    const id = await emit(Events.registeredModelCreated, eventsV1.RegisteredModelCreated.fromPartial({ name: model, task: commonV1.TaskType.TASK_TYPE_BINARY_CLASSIFICATION, createdAt: new Date() }));
    await eventually(async () => expect((await db.query('SELECT 1 FROM monitoring.processed_events WHERE event_id = $1', [id])).rowCount).toBe(1), 30_000);
  }, 120_000);

  afterAll(async () => {
    await producer?.disconnect();
    await service.stop();
    await db.end();
  });

  it('has --help everywhere and refuses a bad command line with exit 64', async () => {
    const help = await mlops('--help');
    expect(help.code).toBe(0);
    for (const command of ['status', 'predict', 'drift', 'alerts', 'rules', 'policy', 'labels']) expect(help.stdout).toContain(command);
    const rulesHelp = await mlops('rules', 'apply', '--help');
    expect([rulesHelp.code, rulesHelp.stdout]).toEqual([0, expect.stringContaining('replace the rules with a YAML or JSON document')]);
    const usage = await mlops('predict', model, '--feature', 'distance');
    expect([usage.code, usage.stderr.trim()]).toEqual([64, 'mlops: --feature "distance": expected name=value']);
    expect((await mlops('no-such-command')).code).toBe(64);
  });

  it('says which services are down, in a table and one line, exit 69', async () => {
    const status = await mlops('status', ...DOWN);
    expect(status.code).toBe(69);
    expect(status.stdout).toMatch(/^monitoring\s+127\.0\.0\.1:21756\s+SERVING/m);
    expect(status.stdout).toMatch(/^registry\s+127\.0\.0\.1:1\s+UNREACHABLE/m);
    expect(status.stderr.trim()).toBe('mlops: ingestion, feature, training, registry, serving not serving: start the platform with `npm start` (logs under tmp/logs/)');
    const json = JSON.parse((await mlops('--json', 'status', ...DOWN)).stdout) as { service: string; status: string }[];
    expect(json.find((s) => s.service === 'monitoring')?.status).toBe('SERVING');
    const down = await mlops('alerts', '--monitoring-address', '127.0.0.1:1');
    expect(down.code).toBe(69);
    expect(down.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^mlops: the monitoring service at 127\.0\.0\.1:1 is not answering .*: start the platform with `npm start`/)]);
  });

  it('applies alert rules from a file, and says in one line what is wrong with a missing or malformed one', async () => {
    const missing = await mlops('rules', 'apply', model, join(FILES, 'nope.yaml'));
    expect([missing.code, missing.stderr.trim()]).toEqual([66, `mlops: ${join(FILES, 'nope.yaml')}: no such file`]);
    const malformed = await mlops('rules', 'apply', model, file('bad.yaml', 'rules:\n  - name: a\n    metric: drift_share\n    comparison: "!="\n    threshold: 0.5\n'));
    expect(malformed.code).toBe(65);
    expect(malformed.stderr.trim()).toMatch(/^mlops: monitoring: .*line 4/);
    expect(malformed.stderr.trim().split('\n')).toHaveLength(1);

    const rules = file('rules.yaml', 'rules:\n  - { name: drifting, metric: drift_share, comparison: ">=", threshold: 0.5, for: 1h }\n');
    const applied = await mlops('--as', 'contributor', '--subject', 'carol', 'rules', 'apply', model, rules);
    expect([applied.code, applied.stdout.trim()]).toEqual([0, `1 rules stored for "${model}", revision 1`]);
    const viewerToo = await mlops('--as', 'viewer', 'rules', 'apply', model, rules);
    expect(viewerToo.code).toBe(77);
    const shown = JSON.parse((await mlops('--json', 'rules', 'show', model)).stdout) as { rules: { name: string; metric: string }[]; revision: number };
    expect([shown.revision, shown.rules.map((r) => [r.name, r.metric])]).toEqual([1, [['drifting', 'drift_share']]]);
  });

  it('reads reports, alerts and label coverage, with clear answers when there is nothing yet', async () => {
    const drift = await mlops('drift', model);
    expect(drift.code).toBe(66);
    expect(drift.stderr.trim()).toMatch(/^mlops: monitoring: .*report/i);
    expect(JSON.parse((await mlops('--json', 'alerts', model)).stdout)).toEqual([]);
    const labels = JSON.parse((await mlops('--json', 'labels', model)).stdout) as { predictions?: string | number };
    expect(Number(labels.predictions ?? 0)).toBe(0);
    const unknown = await mlops('alerts', `nope-${model}`);
    expect([unknown.code, unknown.stderr]).toEqual([66, expect.stringContaining(`nope-${model}`)]);
  });
});

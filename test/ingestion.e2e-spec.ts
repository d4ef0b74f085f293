import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Kafka, logLevel } from 'kafkajs';
import { common, parse, Root } from 'protobufjs';
import { Client } from 'pg';
import { decodeStatusDetails } from '@mlops/grpc';
import { ingestionV1 as pb } from '@mlops/proto';
import { eventually, infrastructure, KafkaProbe, ServiceProcess } from '@mlops/testing';
import { call, createTopic, failure } from './support/grpc';
import { type Flight, FLIGHTS_PARQUET, flightsContract, readFlights } from './support/flights';

const WORKSPACE = join(__dirname, '..');
const PORT = 21151;
const SLICE = 40_000;


/** Broken rows an upstream producer might send, each with the rule and field it must be quarantined for. */
const BROKEN: { value: string; rule: pb.ViolationRule; field: string }[] = [
  { value: JSON.stringify({ date: '2001-01-01T06:00:00Z', delay: 'late', distance: 500, origin: 'ATL', destination: 'SAV' }), rule: pb.ViolationRule.VIOLATION_RULE_TYPE, field: 'delay' },
  { value: JSON.stringify({ date: '2001-01-01T06:00:00Z', delay: 3, distance: -5, origin: 'ATL', destination: 'SAV' }), rule: pb.ViolationRule.VIOLATION_RULE_RANGE, field: 'distance' },
  { value: JSON.stringify({ delay: 3, distance: 500, origin: 'ATL', destination: 'SAV' }), rule: pb.ViolationRule.VIOLATION_RULE_REQUIRED, field: 'date' },
  { value: JSON.stringify({ date: '2001-01-01T06:00:00Z', delay: 3, distance: 500, origin: 'XQZ', destination: 'SAV' }), rule: pb.ViolationRule.VIOLATION_RULE_CATEGORY, field: 'origin' },
  { value: '{"date": "2001-01-01T06:00:00Z", "delay": 3,', rule: pb.ViolationRule.VIOLATION_RULE_PARSE, field: '' },
  { value: JSON.stringify({ date: '2001-02-30T06:00:00Z', delay: 3, distance: 500, origin: 'ATL', destination: 'SAV' }), rule: pb.ViolationRule.VIOLATION_RULE_TYPE, field: 'date' },
];

describe('ingestion on the real flights data (real Kafka, PostgreSQL and service process)', () => {
  const infra = infrastructure();
  const run = randomBytes(3).toString('hex');
  const kafkaDataset = `flights_kafka_${run}`;
  const fileDataset = `flights_file_${run}`;
  const topic = `upstream.flights.${run}`;
  const kafka = new Kafka({ clientId: 'upstream-producer', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const env = {
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    DATABASE_URL: infra.databaseUrl,
    METRICS_PORT: String(PORT - 12_000),
    SOURCE_RECONCILE_INTERVAL_MS: '300',
    SNAPSHOT_POLICY_INTERVAL_MS: '300',
    IMPORT_POLL_INTERVAL_MS: '200',
    LOG_LEVEL: 'warn',
  };
  const service = () => new ServiceProcess({ name: 'ingestion', grpcPort: PORT, workspaceRoot: WORKSPACE, env });
  let ingestion: ServiceProcess;
  let client: pb.IngestionServiceClient;
  let db: Client;
  let flights: Flight[];

  const stats = (dataset: string) => call<pb.GetDatasetStatsResponse>((cb) => client.getDatasetStats({ dataset }, cb));

  beforeAll(async () => {
    flights = await readFlights(SLICE);
    db = new Client({ connectionString: infra.databaseUrl });
    await db.connect();
    await createTopic(kafka, topic);
    ingestion = service().start();
    await ingestion.waitUntilServing();
    client = new pb.IngestionServiceClient(`127.0.0.1:${PORT}`, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await ingestion?.stop();
    await db?.end();
  });

  it('applies a contract and refuses a breaking change without a new major version, naming the field', async () => {
    const applied = await call<pb.ApplyContractResponse>((cb) => client.applyContract({ document: flightsContract(kafkaDataset, { topic }), format: 0, dryRun: false }, cb));
    expect(applied.applied).toBe(true);
    expect(applied.contract?.fields.map((f) => f.name)).toEqual(['date', 'delay', 'distance', 'origin', 'destination']);

    const again = await call<pb.ApplyContractResponse>((cb) => client.applyContract({ document: flightsContract(kafkaDataset, { topic }), format: 0, dryRun: false }, cb));
    expect(again.applied).toBe(false);

    const refused = await failure(call((cb) => client.applyContract({ document: flightsContract(kafkaDataset, { topic, version: '1.1.0', withoutDistance: true }), format: 0, dryRun: false }, cb)));
    expect(refused.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(refused.details).toContain('"distance"');
    expect(decodeStatusDetails(refused).fieldViolations.map((v) => v.field)).toEqual(['fields.distance']);
    const latest = await call<pb.GetContractResponse>((cb) => client.getContract({ dataset: kafkaDataset, version: '' }, cb));
    expect(latest.contract?.version).toBe('1.0.0');
  });

  it('reconciles every record produced to Kafka, quarantines broken ones with their reasons, and survives SIGKILL mid-stream', async () => {
    const producer = kafka.producer();
    await producer.connect();
    const messages = flights.map((f) => ({ key: f.origin, value: JSON.stringify(f) }));
    // Broken rows spread through the stream, as they arrive in real life.
    BROKEN.forEach((broken, i) => messages.splice(Math.floor(((i + 1) * messages.length) / (BROKEN.length + 1)), 0, { key: 'broken', value: broken.value }));
    for (let i = 0; i < messages.length; i += 5_000) await producer.send({ topic, messages: messages.slice(i, i + 5_000) });
    await producer.disconnect();

    // Kill the service while it is consuming, then start it again.
    const partWay = await eventually(async () => {
      const s = await stats(kafkaDataset);
      if (s.received === 0) throw new Error('not consuming yet');
      return s.received;
    }, 60_000, 10);
    await ingestion.kill();
    expect(partWay).toBeLessThan(messages.length);
    ingestion = service().start();
    await ingestion.waitUntilServing();

    const final = await eventually(async () => {
      const s = await stats(kafkaDataset);
      if (s.received < messages.length) throw new Error(`received ${s.received} of ${messages.length}`);
      return s;
    }, 120_000);
    expect(final.received).toBe(messages.length);
    expect(final.stored + final.quarantined).toBe(final.received);
    expect(final.quarantined).toBe(BROKEN.length);
    expect(final.stored).toBe(flights.length);

    // No row lost, none stored twice: every Kafka offset is in exactly one place.
    const { rows } = await db.query<{ stored: string; distinct_refs: string; quarantined: string }>(
      `SELECT (SELECT count(*) FROM ingestion.records WHERE dataset = $1) AS stored,
              (SELECT count(DISTINCT source_ref) FROM ingestion.records WHERE dataset = $1) AS distinct_refs,
              (SELECT count(*) FROM ingestion.quarantine WHERE dataset = $1) AS quarantined`,
      [kafkaDataset],
    );
    expect(rows[0]).toEqual({ stored: String(flights.length), distinct_refs: String(flights.length), quarantined: String(BROKEN.length) });

    const quarantine = await call<pb.ListQuarantineResponse>((cb) => client.listQuarantine({ dataset: kafkaDataset, batchId: '', field: '', rule: 0, timeRange: undefined, page: { pageSize: 100, pageToken: '' } }, cb));
    for (const broken of BROKEN) {
      const entry = quarantine.records.find((r) => Buffer.from(r.raw).toString('utf8') === broken.value);
      expect({ value: broken.value, violations: entry?.violations.map((v) => [v.rule, v.field]) }).toEqual({ value: broken.value, violations: [[broken.rule, broken.field]] });
      expect(entry?.violations[0].message.length).toBeGreaterThan(10);
    }
  });

  it('sends each quarantined record to the dead-letter topic with its reasons', async () => {
    const probe = new KafkaProbe(infra.kafkaBrokers);
    await probe.start(['ingestion.record.dead_lettered.v1']);
    try {
      // The outbox publishes at least once (the SIGKILL above may land between a publish and its
      // bookkeeping); consumers deduplicate by event id, and so does this test.
      const mine = await eventually(() => {
        const found = probe.on('ingestion.record.dead_lettered.v1').filter((m) => m.key?.toString() === kafkaDataset);
        const byEventId = new Map(found.map((m) => [m.headers?.['event-id']?.toString(), m]));
        if (byEventId.size < BROKEN.length) throw new Error(`${byEventId.size} dead letters so far`);
        return [...byEventId.values()];
      }, 30_000);
      const { eventsV1 } = await import('@mlops/proto');
      const decoded = mine.map((m) => eventsV1.RecordDeadLettered.decode(m.value!));
      expect(decoded.map((d) => Buffer.from(d.raw).toString('utf8')).sort()).toEqual(BROKEN.map((b) => b.value).sort());
      expect(decoded.every((d) => d.violations.length > 0 && d.quarantineId !== '')).toBe(true);
    } finally {
      await probe.stop();
    }
  });

  it('imports the same flights from the Parquet file with progress, with the same counts and the same rows as the Kafka path', async () => {
    await call((cb) => client.applyContract({ document: flightsContract(fileDataset), format: 0, dryRun: false }, cb));
    const started = await call<pb.StartFileImportResponse>((cb) =>
      client.startFileImport({ dataset: fileDataset, source: { $case: 'filePath', value: FLIGHTS_PARQUET }, format: 0, csv: undefined, batchSize: 5_000, requestId: `import-${run}`, maxRows: SLICE }, cb),
    );
    const jobId = started.job!.jobId;
    const progress: number[] = [];
    const job = await eventually(async () => {
      const { job } = await call<pb.GetImportJobResponse>((cb) => client.getImportJob({ jobId }, cb));
      progress.push(job!.rowsRead);
      if (job!.state !== pb.ImportJobState.IMPORT_JOB_STATE_SUCCEEDED) throw new Error(`import ${job!.state}: ${job!.rowsRead} rows, ${job!.error}`);
      return job!;
    }, 120_000, 50);
    expect(job.rowsRead).toBe(SLICE);
    expect(job.rowsStored + job.rowsQuarantined).toBe(job.rowsRead);
    expect(job.progress).toBe(1);
    expect(new Set(progress).size).toBeGreaterThan(1); // progress was visible while it ran

    const [viaKafka, viaFile] = await Promise.all([stats(kafkaDataset), stats(fileDataset)]);
    expect(viaFile.stored).toBe(viaKafka.stored);
    expect(viaFile.quarantined).toBe(0);

    // Snapshots of both hold the very same rows in the same order.
    const snapshot = (dataset: string) => call<pb.CreateSnapshotResponse>((cb) => client.createSnapshot({ dataset, eventTimeRange: undefined, description: 'parity', labels: {} }, cb));
    const [a, b] = await Promise.all([snapshot(kafkaDataset), snapshot(fileDataset)]);
    expect(a.snapshot?.rowCount).toBe(SLICE);
    expect(b.snapshot?.rowCount).toBe(SLICE);
    expect((await snapshot(fileDataset)).created).toBe(false); // same content, same address
    const read = (snapshotId: string) =>
      new Promise<string[]>((resolve, reject) => {
        const rows: string[] = [];
        client
          .readSnapshot({ snapshotId, columns: [], batchSize: 5_000, offset: 0, limit: 0 })
          .on('data', (m: pb.ReadSnapshotResponse) => {
            if (m.message?.$case === 'rows') for (const row of m.message.value.rows) rows.push(JSON.stringify(row.values));
          })
          .on('end', () => resolve(rows))
          .on('error', reject);
      });
    const [rowsA, rowsB] = await Promise.all([read(a.snapshot!.snapshotId), read(b.snapshot!.snapshotId)]);
    expect(rowsA.length).toBe(SLICE);
    expect(rowsB).toEqual(rowsA);
  });

  it('ingests a client stream atomically and idempotently by batch id', async () => {
    const batchId = `batch-${run}`;
    const send = () =>
      new Promise<pb.IngestRecordsResponse>((resolve, reject) => {
        const stream = client.ingestRecords((error, response) => (error ? reject(error) : resolve(response)));
        stream.write({ message: { $case: 'header', value: { dataset: fileDataset, batchId, contractVersion: '' } } });
        const records = flights.slice(0, 99).map((f) => ({ payload: { $case: 'json' as const, value: Buffer.from(JSON.stringify(f)) } }));
        records.push({ payload: { $case: 'json', value: Buffer.from(BROKEN[0].value) } });
        stream.write({ message: { $case: 'batch', value: { records } } });
        stream.end();
      });
    const before = await stats(fileDataset);
    const first = await send();
    expect([first.received, first.stored, first.quarantined]).toEqual([100, 99, 1]);
    expect(first.quarantineSample[0].violations[0].field).toBe('delay');
    const second = await send();
    expect([second.received, second.stored, second.quarantined]).toEqual([100, 99, 1]);
    const after = await stats(fileDataset);
    expect(after.received - before.received).toBe(100);
  });

  it('consumes protobuf-encoded flights through the same validation, storing the same rows as JSON', async () => {
    const dataset = `flights_proto_${run}`;
    const protoTopic = `upstream.flights.proto.${run}`;
    const schema = [
      'syntax = "proto3";',
      'package upstream.v1;',
      'import "google/protobuf/timestamp.proto";',
      'message Flight {',
      '  google.protobuf.Timestamp date = 1;',
      '  int32 delay = 2;',
      '  int32 distance = 3;',
      '  string origin = 4;',
      '  string destination = 5;',
      '}',
    ].join('\n');
    // The upstream producer's own encoder, independent of the service's decoder.
    const root = new Root();
    root.addJSON(common.get('google/protobuf/timestamp.proto')!.nested!);
    parse(schema, root, { keepCase: true });
    const Flight = root.lookupType('upstream.v1.Flight');
    const encode = (f: Flight) => {
      const millis = Date.parse(f.date);
      return Buffer.from(Flight.encode(Flight.fromObject({ ...f, date: { seconds: Math.floor(millis / 1000), nanos: (millis % 1000) * 1e6 } })).finish());
    };
    const slice = flights.slice(0, 5_000);
    const broken = [
      { value: Buffer.from('not protobuf at all'), rule: pb.ViolationRule.VIOLATION_RULE_PARSE, field: '' },
      { value: encode({ ...slice[0], delay: 9_999 }), rule: pb.ViolationRule.VIOLATION_RULE_RANGE, field: 'delay' },
      { value: encode({ ...slice[1], origin: 'XQZ' }), rule: pb.ViolationRule.VIOLATION_RULE_CATEGORY, field: 'origin' },
    ];
    await createTopic(kafka, protoTopic);
    const applied = await call<pb.ApplyContractResponse>((cb) => client.applyContract({ document: flightsContract(dataset, { topic: protoTopic, protobuf: { message: 'upstream.v1.Flight', schema } }), format: 0, dryRun: false }, cb));
    expect(applied.contract?.source).toMatchObject({ encoding: pb.ValueEncoding.VALUE_ENCODING_PROTOBUF, protobufMessage: 'upstream.v1.Flight' });

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: protoTopic, messages: [...slice.map((f) => ({ key: f.origin, value: encode(f) })), ...broken.map((b) => ({ key: 'broken', value: b.value }))] });
    await producer.disconnect();

    const final = await eventually(async () => {
      const s = await stats(dataset);
      if (s.received < slice.length + broken.length) throw new Error(`received ${s.received}`);
      return s;
    }, 60_000);
    expect([final.received, final.stored, final.quarantined]).toEqual([slice.length + broken.length, slice.length, broken.length]);
    // The same flights arrived as JSON on the Kafka path above: every protobuf row hashes to one of those.
    const { rows } = await db.query<{ missing: string }>(
      `SELECT count(*) AS missing FROM ingestion.records p
       WHERE p.dataset = $1 AND NOT EXISTS (SELECT 1 FROM ingestion.records k WHERE k.dataset = $2 AND k.row_hash = p.row_hash)`,
      [dataset, kafkaDataset],
    );
    expect(rows[0].missing).toBe('0');
    const quarantine = await call<pb.ListQuarantineResponse>((cb) => client.listQuarantine({ dataset, batchId: '', field: '', rule: 0, timeRange: undefined, page: { pageSize: 10, pageToken: '' } }, cb));
    for (const b of broken) {
      const entry = quarantine.records.find((r) => Buffer.from(r.raw).equals(b.value));
      expect(entry?.violations.map((v) => [v.rule, v.field])).toEqual([[b.rule, b.field]]);
    }
  });

  it('takes snapshots by the size and schedule policy of the contract', async () => {
    const dataset = `flights_policy_${run}`;
    await call((cb) => client.applyContract({ document: flightsContract(dataset, { snapshots: { every_rows: 1_000, every_seconds: 3 } }), format: 0, dryRun: false }, cb));
    const ingest = (rows: Flight[], batchId: string) =>
      new Promise<pb.IngestRecordsResponse>((resolve, reject) => {
        const stream = client.ingestRecords((error, response) => (error ? reject(error) : resolve(response)));
        stream.write({ message: { $case: 'header', value: { dataset, batchId, contractVersion: '' } } });
        stream.write({ message: { $case: 'batch', value: { records: rows.map((f) => ({ payload: { $case: 'json' as const, value: Buffer.from(JSON.stringify(f)) } })) } } });
        stream.end();
      });
    const snapshots = async () => (await call<pb.ListSnapshotsResponse>((cb) => client.listSnapshots({ dataset, page: { pageSize: 10, pageToken: '' } }, cb))).snapshots.reverse();

    // Both bounds are reached by the first check (no snapshot yet, 1000 rows): size is named.
    await ingest(flights.slice(0, 1_000), `policy-a-${run}`);
    const [bySize] = await eventually(async () => {
      const list = await snapshots();
      if (list.length === 0) throw new Error('no snapshot yet');
      return list;
    }, 30_000);
    expect([bySize.trigger, bySize.rowCount]).toEqual([pb.SnapshotTrigger.SNAPSHOT_TRIGGER_SIZE, 1_000]);

    await ingest(flights.slice(1_000, 1_010), `policy-b-${run}`);
    const later = await eventually(async () => {
      const list = await snapshots();
      if (list.length < 2) throw new Error('no scheduled snapshot yet');
      return list;
    }, 30_000);
    expect(later.map((x) => [x.trigger, x.rowCount])).toEqual([
      [pb.SnapshotTrigger.SNAPSHOT_TRIGGER_SIZE, 1_000],
      [pb.SnapshotTrigger.SNAPSHOT_TRIGGER_SCHEDULE, 1_010],
    ]);
    expect(later[1].createdAt!.getTime() - later[0].createdAt!.getTime()).toBeGreaterThanOrEqual(3_000);
  });

  it('answers bad input with precise statuses', async () => {
    const unknown = await failure(call((cb) => client.getDatasetStats({ dataset: 'no_such_dataset' }, cb)));
    expect(unknown.code).toBe(grpc.status.NOT_FOUND);

    const malformed = await failure(call((cb) => client.applyContract({ document: 'dataset: x\nversion: 1.0.0\nfields:\n  - { name: a, type: decimal }\n', format: 0, dryRun: false }, cb)));
    expect(malformed.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(decodeStatusDetails(malformed).fieldViolations.find((v) => v.field === 'fields[0].type')?.description).toMatch(/^line 4/);

    const oversized = await failure(
      new Promise((resolve, reject) => {
        const stream = client.ingestRecords((error, response) => (error ? reject(error) : resolve(response)));
        stream.write({ message: { $case: 'header', value: { dataset: fileDataset, batchId: '', contractVersion: '' } } });
        stream.write({ message: { $case: 'batch', value: { records: Array.from({ length: 10_001 }, () => ({ payload: { $case: 'json' as const, value: Buffer.from('{}') } })) } } });
        stream.end();
      }),
    );
    expect(oversized.code).toBe(grpc.status.RESOURCE_EXHAUSTED);

    const wrongFormat = await failure(
      call((cb) => client.startFileImport({ dataset: fileDataset, source: { $case: 'filePath', value: FLIGHTS_PARQUET }, format: pb.FileFormat.FILE_FORMAT_CSV, csv: undefined, batchSize: 0, requestId: '', maxRows: 0 }, cb)),
    );
    expect(wrongFormat.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(wrongFormat.details).toContain('Parquet');
  });
});

import { statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { enumName, featureV1, ingestionV1 as pb } from '@mlops/proto';
import { type CommandModule } from '../core/context';
import { CliError } from '../core/cli-error';
import { EXIT } from '../core/exit-codes';
import { readText } from '../core/files';
import { type Output } from '../core/output';
import { type Platform } from '../core/platform';
import { parseInstant } from '../core/proto-json';

const POLL_MS = 500;
/** Records per stream message: well under ingestion's INGEST_MAX_BATCH_RECORDS (10 000 by default). */
const RECORDS_PER_MESSAGE = 1_000;

/** YAML or JSON by the file's extension; the services detect the format themselves when it says neither. */
function documentFormat(file: string): 'yaml' | 'json' | 'detect' {
  const extension = extname(file).toLowerCase();
  return extension === '.json' ? 'json' : extension === '.yaml' || extension === '.yml' ? 'yaml' : 'detect';
}

/** A contract document as ApplyContract takes it: the text as written, so the service's errors name its lines. */
export function contractRequestFrom(file: string, text: string, dryRun: boolean): pb.ApplyContractRequest {
  const format = { yaml: pb.ContractFormat.CONTRACT_FORMAT_YAML, json: pb.ContractFormat.CONTRACT_FORMAT_JSON, detect: pb.ContractFormat.CONTRACT_FORMAT_UNSPECIFIED }[documentFormat(file)];
  return { document: text, format, dryRun };
}

/** A definitions document as ApplyDefinitions takes it. */
export function definitionsRequestFrom(file: string, text: string, o: { plan?: boolean; confirmIncompatible?: boolean; prune?: boolean }): featureV1.ApplyDefinitionsRequest {
  const format = { yaml: featureV1.DefinitionFormat.DEFINITION_FORMAT_YAML, json: featureV1.DefinitionFormat.DEFINITION_FORMAT_JSON, detect: featureV1.DefinitionFormat.DEFINITION_FORMAT_UNSPECIFIED }[documentFormat(file)];
  return { document: text, format, planOnly: Boolean(o.plan), confirmIncompatible: Boolean(o.confirmIncompatible), prune: Boolean(o.prune) };
}

export type RecordsFormat = 'jsonl' | 'csv' | 'parquet';

/** How a file is ingested: JSON lines are streamed by the CLI (IngestRecords); CSV and Parquet are imported by the service (StartFileImport). */
export function recordsFormat(file: string, given?: string): RecordsFormat {
  const format = (given ?? '').toLowerCase() || { '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.json': 'jsonl', '.csv': 'csv', '.parquet': 'parquet' }[extname(file).toLowerCase()];
  if (format === 'jsonl' || format === 'csv' || format === 'parquet') return format;
  throw new CliError(given ? `--format must be jsonl, csv or parquet, got "${given}"` : `${file}: cannot tell the format from the extension: pass --format jsonl, csv or parquet`, EXIT.usage);
}

/** One JSON record as sent, with the line of the file it came from. */
export interface SourceRecord {
  line: number;
  json: string;
}

/**
 * The records of a JSON-lines file: each non-blank line verbatim (the service validates it and
 * keeps a malformed one in quarantine, raw). A file holding one JSON array is read as its elements.
 */
export function recordsFromText(text: string, file: string): SourceRecord[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch (error) {
      throw new CliError(`${file}: starts with "[" but is not a JSON array: ${(error as Error).message}`, EXIT.dataError);
    }
    return (list as unknown[]).map((item, i) => ({ line: i + 1, json: JSON.stringify(item) }));
  }
  const records: SourceRecord[] = [];
  text.split('\n').forEach((line, i) => {
    const json = line.replace(/\r$/, '');
    if (json.trim() !== '') records.push({ line: i + 1, json });
  });
  return records;
}

/** The stream IngestRecords takes: the header, then batches of at most `perMessage` records. */
export function ingestMessages(header: pb.IngestHeader, records: readonly SourceRecord[], perMessage = RECORDS_PER_MESSAGE): pb.IngestRecordsRequest[] {
  const messages: pb.IngestRecordsRequest[] = [{ message: { $case: 'header', value: header } }];
  for (let i = 0; i < records.length; i += perMessage) {
    messages.push({ message: { $case: 'batch', value: { records: records.slice(i, i + perMessage).map((r) => ({ payload: { $case: 'json', value: Buffer.from(r.json, 'utf8') } })) } } });
  }
  return messages;
}

/** The file line of a quarantined record: its source_ref is `<batch id>:<index in the stream>`. */
export function lineOfRecord(sourceRef: string, records: readonly SourceRecord[]): number | undefined {
  const index = Number(sourceRef.slice(sourceRef.lastIndexOf(':') + 1));
  return Number.isInteger(index) ? records[index]?.line : undefined;
}

/** Sends the messages of one IngestRecords stream (one atomic batch), waiting on the stream's buffer. */
function ingest(platform: Platform, messages: pb.IngestRecordsRequest[]): Promise<pb.IngestRecordsResponse> {
  return platform.call<'ingestion', pb.IngestRecordsResponse>('ingestion', (client, metadata, options, callback) => {
    let done = false;
    const stream = client.ingestRecords(metadata, options, (error, response) => {
      done = true;
      callback(error, response);
    });
    void (async () => {
      for (const message of messages) {
        if (done) return;
        if (stream.write(message)) continue;
        await new Promise<void>((resume) => {
          const go = () => {
            stream.off('drain', go).off('close', go);
            resume();
          };
          stream.on('drain', go).on('close', go);
        });
      }
      stream.end();
    })().catch(() => undefined); // a failed call reports through its callback
  });
}

/** A file path the service can open: absolute, and existing here (the service reads it itself). */
function localFile(file: string): string {
  try {
    if (!statSync(file).isFile()) throw new CliError(`${file}: not a file`, EXIT.notFound);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read it (${code ?? (error as Error).message})`, EXIT.notFound);
  }
  return resolve(file);
}

/** Polls until `isDone`, reporting each new state line once. */
async function pollUntil<T>(fetch: () => Promise<T>, isDone: (value: T) => boolean, describe: (value: T) => string, out: Output): Promise<T> {
  let last = '';
  for (;;) {
    const value = await fetch();
    const line = describe(value);
    if (line !== last && !out.json) process.stderr.write(`${line}\n`);
    last = line;
    if (isDone(value)) return value;
    await sleep(POLL_MS);
  }
}

const jobStateName = (state: pb.ImportJobState) => enumName(pb.ImportJobState, state, 'IMPORT_JOB_STATE_').toLowerCase();
const materializationStateName = (state: featureV1.MaterializationJobState) => enumName(featureV1.MaterializationJobState, state, 'MATERIALIZATION_JOB_STATE_').toLowerCase();
const changeKindName = (kind: pb.FieldChangeKind) => enumName(pb.FieldChangeKind, kind, 'FIELD_CHANGE_KIND_').toLowerCase().replace(/_/g, ' ');

/** A `--from`/`--to` instant, or a usage error naming the flag. */
function instantOption(value: string, flag: string): Date {
  const instant = parseInstant(value);
  if (!instant) throw new CliError(`${flag} must be an ISO date or date-time such as 2001-03-01 or 2001-03-01T06:00:00Z (no zone = UTC), got "${value}"`, EXIT.usage);
  return instant;
}

/** The range a materialization covers: `--from` (default: the start of 1970, all history) to `--to` (default: now). */
export function materializeRange(o: { from?: string; to?: string }, now = new Date()): { start: Date; end: Date } {
  const start = o.from === undefined ? new Date(0) : instantOption(o.from, '--from');
  const end = o.to === undefined ? now : instantOption(o.to, '--to');
  if (start >= end) throw new CliError(`--from (${start.toISOString()}) must be before --to (${end.toISOString()})`, EXIT.usage);
  return { start, end };
}

const snapshotFields = (s: pb.Snapshot) => ({
  snapshot: s.snapshotId, dataset: s.dataset, contract: s.contractVersion, rows: s.rowCount, quarantined: s.quarantinedCount,
  events: `${s.eventTimeRange?.start?.toISOString() ?? '?'} .. ${s.eventTimeRange?.end?.toISOString() ?? '?'}`, created: s.createdAt,
});

/** `mlops contracts apply`, `ingest`, `snapshots`, `features apply`, `features materialize`: ingestion and the feature store. */
export const dataCommands: CommandModule = (program, context) => {
  const contracts = program.command('contracts').description('data contracts (ingestion)');
  contracts
    .command('apply <file>')
    .description(
      'apply a data contract document, YAML or JSON (ApplyContract). The service checks it and reports every problem with its line; a breaking change needs a new major version. See apps/ingestion/README.md, "Contracts"',
    )
    .option('--dry-run', 'check it and show the changes without applying')
    .action(async (file: string, o: { dryRun?: boolean }) => {
      const { platform, out } = context();
      const answer = await platform.rpc('ingestion', 'applyContract', contractRequestFrom(file, readText(file), Boolean(o.dryRun)));
      const contract = answer.contract;
      const what = `${contract?.dataset ?? '?'} contract ${contract?.version ?? '?'}`;
      const over = answer.previousVersion ? ` over ${answer.previousVersion}` : ' (first version)';
      const breaking = answer.breaking ? ', breaking' : '';
      if (o.dryRun) out.say(`dry run, nothing applied: ${what}${over}, ${answer.changes.length} field changes${breaking}`);
      else out.say(answer.applied ? `${what} applied${over}${breaking}` : `${what}: unchanged (identical to the applied version)`);
      if (out.json) return out.record({}, pb.ApplyContractResponse.toJSON(answer));
      if (answer.changes.length === 0) return;
      out.say('');
      out.table(answer.changes, { field: (c) => c.field, change: (c) => changeKindName(c.kind), breaking: (c) => (c.breaking ? 'yes' : 'no'), detail: (c) => c.description });
    });

  program
    .command('ingest <dataset> <file>')
    .description(
      "ingest records into a dataset, each validated against its contract: stored, or quarantined with reasons. JSON lines (.jsonl, .ndjson, .json; or one JSON array) are streamed by the CLI as one atomic batch (IngestRecords). CSV and Parquet are imported by the ingestion service from the same path (StartFileImport), so it must see the file (the local platform). Large files may need a longer --timeout",
    )
    .option('--format <format>', 'jsonl, csv or parquet (default: from the extension)')
    .option('--batch-id <id>', 'idempotency key of a JSON-lines batch: sending it again returns the first counts and stores nothing twice')
    .option('--contract-version <version>', 'refuse unless the dataset is at this contract version (JSON lines)')
    .option('--delimiter <char>', 'CSV field delimiter (default ",")')
    .action(async (dataset: string, file: string, o: { format?: string; batchId?: string; contractVersion?: string; delimiter?: string }) => {
      const { platform, out } = context();
      const format = recordsFormat(file, o.format);
      if (format === 'jsonl') {
        const records = recordsFromText(readText(file), file);
        if (records.length === 0) throw new CliError(`${file}: no records`, EXIT.dataError);
        const answer = await ingest(platform, ingestMessages({ dataset, batchId: o.batchId ?? '', contractVersion: o.contractVersion ?? '' }, records));
        if (out.json) return out.record({}, pb.IngestRecordsResponse.toJSON(answer));
        out.record({ dataset, batch: answer.batchId, contract: answer.contractVersion, received: answer.received, stored: answer.stored, quarantined: answer.quarantined });
        if (answer.quarantineSample.length === 0) return;
        out.say(`\nquarantined${answer.quarantined > answer.quarantineSample.length ? ` (the first ${answer.quarantineSample.length}; \`ListQuarantine\` has them all)` : ''}:`);
        const reasons = answer.quarantineSample.flatMap((q) => q.violations.map((v) => ({ line: lineOfRecord(q.sourceRef, records), field: v.field, rule: enumName(pb.ViolationRule, v.rule, 'VIOLATION_RULE_').toLowerCase(), reason: v.message })));
        out.table(reasons, { line: (r) => r.line, field: (r) => r.field, rule: (r) => r.rule, reason: (r) => r.reason });
        return;
      }
      if (o.batchId || o.contractVersion) throw new CliError('--batch-id and --contract-version apply to JSON lines only', EXIT.usage);
      const path = localFile(file);
      const started = await platform.rpc(
        'ingestion',
        'startFileImport',
        pb.StartFileImportRequest.fromPartial({
          dataset,
          source: { $case: 'filePath', value: path },
          format: format === 'csv' ? pb.FileFormat.FILE_FORMAT_CSV : pb.FileFormat.FILE_FORMAT_PARQUET,
          csv: o.delimiter ? { delimiter: o.delimiter, nullValues: [] } : undefined,
        }),
      );
      const done = await pollUntil(
        async () => (await platform.rpc('ingestion', 'getImportJob', { jobId: started.job!.jobId })).job!,
        (job) => job.state === pb.ImportJobState.IMPORT_JOB_STATE_SUCCEEDED || job.state === pb.ImportJobState.IMPORT_JOB_STATE_FAILED,
        (job) => `import ${job.jobId}: ${jobStateName(job.state)} ${Math.round(job.progress * 100)}%, ${job.rowsRead} rows read`,
        out,
      );
      if (out.json) out.record({}, pb.ImportJob.toJSON(done));
      else out.record({ dataset, job: done.jobId, batch: done.batchId, contract: done.contractVersion, received: done.rowsRead, stored: done.rowsStored, quarantined: done.rowsQuarantined });
      if (done.state === pb.ImportJobState.IMPORT_JOB_STATE_FAILED) throw new CliError(`import ${done.jobId} of ${file} failed: ${done.error}`, EXIT.failure);
    });

  const snapshots = program.command('snapshots').description('immutable dataset snapshots (ingestion): what training reads');
  snapshots
    .command('create <dataset>')
    .description('freeze what the dataset has stored now (CreateSnapshot); a training spec names the snapshot id')
    .option('--description <text>', 'what it is for')
    .action(async (dataset: string, o: { description?: string }) => {
      const { platform, out } = context();
      const { snapshot } = await platform.rpc('ingestion', 'createSnapshot', pb.CreateSnapshotRequest.fromPartial({ dataset, description: o.description ?? '' }));
      if (!snapshot) throw new CliError('the ingestion service returned no snapshot', EXIT.failure);
      out.record(snapshotFields(snapshot), pb.Snapshot.toJSON(snapshot));
    });
  snapshots
    .command('list <dataset>')
    .description("the dataset's snapshots, newest first (ListSnapshots)")
    .action(async (dataset: string) => {
      const { platform, out } = context();
      const { snapshots: list } = await platform.rpc('ingestion', 'listSnapshots', { dataset, page: { pageSize: 100, pageToken: '' } });
      out.table(list, { snapshot: (s) => s.snapshotId, rows: (s) => s.rowCount, quarantined: (s) => s.quarantinedCount, through: (s) => s.eventTimeRange?.end, created: (s) => s.createdAt, description: (s) => s.description }, list.map((s) => pb.Snapshot.toJSON(s)));
    });

  const features = program.command('features').description('feature definitions and materialization (the feature store)');
  features
    .command('apply <file>')
    .description(
      'plan and apply a definitions document of entities, feature views and feature services, YAML or JSON (ApplyDefinitions). All of it applies or none; incompatible changes are refused unless confirmed. See apps/feature/README.md, "Definitions"',
    )
    .option('--plan', 'only show the plan')
    .option('--confirm-incompatible', 'apply even with incompatible changes (removed or retyped features, other keys, deletions)')
    .option('--prune', 'delete applied objects the document no longer has')
    .action(async (file: string, o: { plan?: boolean; confirmIncompatible?: boolean; prune?: boolean }) => {
      const { platform, out } = context();
      const answer = await platform.rpc('feature', 'applyDefinitions', definitionsRequestFrom(file, readText(file), o));
      const changing = answer.plan.filter((c) => c.action !== featureV1.PlanAction.PLAN_ACTION_UNCHANGED).length;
      out.say(answer.applied ? `applied: ${changing} of ${answer.plan.length} objects changed` : changing === 0 ? 'nothing to change' : `plan only: ${changing} of ${answer.plan.length} objects would change${answer.hasIncompatibleChanges ? ', some incompatibly (apply with --confirm-incompatible)' : ''}`);
      out.say('');
      out.table(
        answer.plan,
        {
          action: (c) => enumName(featureV1.PlanAction, c.action, 'PLAN_ACTION_').toLowerCase(),
          kind: (c) => enumName(featureV1.ObjectKind, c.kind, 'OBJECT_KIND_').toLowerCase().replace('_', ' '),
          name: (c) => c.name,
          version: (c) => (c.fromVersion === c.toVersion ? c.toVersion || undefined : `${c.fromVersion || '-'} → ${c.toVersion || '-'}`),
          incompatible: (c) => (c.incompatible ? 'yes' : 'no'),
          details: (c) => c.details.join('; '),
        },
        featureV1.ApplyDefinitionsResponse.toJSON(answer),
      );
    });

  features
    .command('materialize [views...]')
    .description('copy feature values of a time range from the offline to the online store (Materialize); every online view when none is named. Idempotent')
    .option('--from <time>', 'start of the event-time range, ISO date or date-time (default: all history)')
    .option('--to <time>', 'end of the range (default: now)')
    .option('--wait', 'wait until the job ends and print its counts')
    .action(async (views: string[], o: { from?: string; to?: string; wait?: boolean }) => {
      const { platform, out } = context();
      const { job } = await platform.rpc('feature', 'materialize', { featureViews: views, range: materializeRange(o) });
      if (!job) throw new CliError('the feature service returned no job', EXIT.failure);
      const done = o.wait
        ? await pollUntil(
            async () => (await platform.rpc('feature', 'getMaterializationJob', { jobId: job.jobId })).job!,
            (j) => j.state === featureV1.MaterializationJobState.MATERIALIZATION_JOB_STATE_SUCCEEDED || j.state === featureV1.MaterializationJobState.MATERIALIZATION_JOB_STATE_FAILED,
            (j) => `materialization ${j.jobId}: ${materializationStateName(j.state)}, ${j.rowsRead} rows read`,
            out,
          )
        : job;
      out.record(
        {
          job: done.jobId,
          state: materializationStateName(done.state),
          views: done.featureViews.map((v) => `${v.name} v${v.version}`).join(', '),
          range: `${done.range?.start?.toISOString() ?? '?'} .. ${done.range?.end?.toISOString() ?? '?'}`,
          'rows read': o.wait ? done.rowsRead : undefined,
          'values written': o.wait ? done.valuesWritten : undefined,
          error: done.error,
        },
        featureV1.MaterializationJob.toJSON(done),
      );
      if (done.state === featureV1.MaterializationJobState.MATERIALIZATION_JOB_STATE_FAILED) throw new CliError(`materialization ${done.jobId} failed: ${done.error}`, EXIT.failure);
    });
};

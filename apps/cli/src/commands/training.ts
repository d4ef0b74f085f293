import { SingleBar } from 'cli-progress';
import { type Command } from 'commander';
import { DocumentError, type DocumentProblem, formatPath, type LocatedDocument, parseLocatedDocument } from '@mlops/documents';
import { enumName, trainingV1 as pb } from '@mlops/proto';
import { z } from 'zod';
import { type CommandModule } from '../core/context';
import { CliError, fromRpcError } from '../core/cli-error';
import { positiveInt } from '../core/numbers';
import { EXIT } from '../core/exit-codes';
import { readText } from '../core/files';
import { type Output } from '../core/output';
import { type Platform } from '../core/platform';
import { compact, type DocumentPath, messageType, protoJson } from '../core/proto-json';

/** One line from a document's problems: `line 7: split.time.train.end: ...; ...` (at most five). */
function problemsLine(problems: DocumentProblem[]): string {
  const shown = new DocumentError(problems.slice(0, 5)).message;
  return problems.length > 5 ? `${shown}; and ${problems.length - 5} more` : shown;
}

/**
 * A TrainingSpec from a document (the message's JSON form, snake_case or camelCase keys), or a
 * CliError naming every problem by path (and line, when `locate` can find it).
 */
export function specFromDocument(document: unknown, source = 'spec', locate: (path: DocumentPath, message: string) => DocumentProblem = (path, message) => ({ path: formatPath(path), message })): pb.TrainingSpec {
  if (document === null || document === undefined) throw new CliError(`${source}: empty document: expected a training spec (data, label, features, trainer, split, ...)`, EXIT.dataError);
  const { json, problems } = protoJson(messageType('mlops.training.v1.TrainingSpec'), document);
  if (problems.length > 0) throw new CliError(`${source}: ${problemsLine(problems.map((p) => locate(p.path, p.message)))}`, EXIT.dataError);
  return pb.TrainingSpec.fromJSON(json);
}

/** A training spec file (YAML or JSON), its problems located by line. */
export function readSpec(file: string): pb.TrainingSpec {
  const text = readText(file);
  let parsed: LocatedDocument<unknown>;
  try {
    parsed = parseLocatedDocument(text, z.unknown());
  } catch (error) {
    if (error instanceof DocumentError) throw new CliError(`${file}: not valid YAML or JSON: ${problemsLine(error.problems)}`, EXIT.dataError);
    throw error;
  }
  return specFromDocument(parsed.data, file, parsed.locate);
}

/** The spec with its data read from `snapshotId` (for a feature-service source, its entity rows); unchanged without one. */
export function withSnapshot(spec: pb.TrainingSpec, snapshotId: string | undefined): pb.TrainingSpec {
  if (!snapshotId) return spec;
  const source = spec.data?.source;
  if (source?.$case === 'featureService') return { ...spec, data: { source: { $case: 'featureService', value: { ...source.value, entitySnapshotId: snapshotId } } } };
  return { ...spec, data: { source: { $case: 'snapshotId', value: snapshotId } } };
}

// ---------------------------------------------------------------------------------------------------
// Runs: start, show, follow, compare.
// ---------------------------------------------------------------------------------------------------

const TERMINAL = [pb.RunStatus.RUN_STATUS_SUCCEEDED, pb.RunStatus.RUN_STATUS_FAILED, pb.RunStatus.RUN_STATUS_CANCELLED];
export const statusName = (status: pb.RunStatus) => enumName(pb.RunStatus, status, 'RUN_STATUS_').toLowerCase() || 'unknown';
export const stageName = (stage: pb.PipelineStage | undefined) => (stage === undefined ? '' : enumName(pb.PipelineStage, stage, 'PIPELINE_STAGE_').toLowerCase());
const failureKind = (kind: pb.FailureKind) => enumName(pb.FailureKind, kind, 'FAILURE_KIND_').toLowerCase();

/** Where the run's data comes from, in a few words. */
function dataOf(spec: pb.TrainingSpec | undefined): string | undefined {
  const source = spec?.data?.source;
  if (!source) return undefined;
  if (source.$case === 'snapshotId') return `snapshot ${source.value}`;
  const service = source.value.featureService;
  return `feature service ${service?.name ?? '?'}${service?.version ? ` v${service.version}` : ''} on entity snapshot ${source.value.entitySnapshotId}`;
}

function trainerOf(spec: pb.TrainingSpec | undefined): string | undefined {
  const kind = spec?.trainer?.kind;
  if (!kind) return undefined;
  return kind.$case === 'builtin' ? enumName(pb.BuiltinTrainerKind, kind.value, 'BUILTIN_TRAINER_KIND_').toLowerCase() : `external: ${kind.value.command.join(' ')}`;
}

/** Why a run failed, in one line. */
export function failureLine(run: pb.Run): string {
  const failure = run.failure;
  if (!failure) return `run ${run.runId} ${statusName(run.status)}`;
  const stage = stageName(failure.stage);
  const log = failure.log?.digest ? ` (trainer log ${failure.log.digest})` : '';
  return `run ${run.runId} failed${stage ? ` in ${stage}` : ''} (${failureKind(failure.kind) || 'unknown'}): ${failure.message}${log}`;
}

function registeredAs(run: pb.Run): string | undefined {
  const name = run.outputs?.registeredModelName || run.spec?.registerAs;
  if (!name) return undefined;
  const version = run.outputs?.registeredVersion;
  return version ? `${name} v${version}` : run.status === pb.RunStatus.RUN_STATUS_SUCCEEDED ? `${name} (the registry assigns the version from the run's completion event)` : name;
}

/** The key facts of a run, for `runs show` and the end of `runs follow`. */
function runRecord(run: pb.Run): Record<string, unknown> {
  const progress = run.stage !== undefined && run.stage !== pb.PipelineStage.PIPELINE_STAGE_UNSPECIFIED ? `${stageName(run.stage)} (${Math.round(run.progress * 100)}%)` : undefined;
  return {
    run: run.runId,
    name: run.name,
    experiment: run.experimentId,
    status: statusName(run.status),
    stage: progress,
    'started by': run.startedBy,
    created: run.createdAt,
    started: run.startTime,
    ended: run.endTime,
    attempt: run.attempt || undefined,
    data: dataOf(run.spec) ?? (run.dataVersion?.snapshotId ? `snapshot ${run.dataVersion.snapshotId}` : undefined),
    trainer: trainerOf(run.spec),
    seed: run.seed || undefined,
    model: registeredAs(run),
    failure: run.failure ? failureLine(run) : undefined,
  };
}

interface MetricRow {
  kind: string;
  key: string;
  value: unknown;
  step?: number;
}

/** Params then metrics of a run, sorted by key. */
export function runValues(run: pb.Run): MetricRow[] {
  const params = Object.entries(run.params)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]): MetricRow => ({ kind: 'param', key, value }));
  const metrics = [...run.metrics].sort((a, b) => a.key.localeCompare(b.key)).map((m): MetricRow => ({ kind: 'metric', key: m.key, value: m.value, step: m.step }));
  return [...params, ...metrics];
}


function printRun(out: Output, run: pb.Run): void {
  if (out.json) return out.record({}, pb.Run.toJSON(run));
  out.record(compact(runRecord(run)));
  const values = runValues(run);
  if (values.length === 0) return;
  out.say('');
  out.table(values, { kind: (r) => r.kind, key: (r) => r.key, value: (r) => r.value, step: (r) => (r.kind === 'metric' ? r.step : undefined) });
}

/** A comparison as a table: a row per param and metric (tags on request), a column per run. */
export function comparisonTable(answer: pb.CompareRunsResponse, options: { tags?: boolean; differentOnly?: boolean } = {}): { rows: pb.ComparisonRow[]; columns: Record<string, (row: pb.ComparisonRow) => unknown> } {
  const kinds = [pb.ComparisonKind.COMPARISON_KIND_PARAM, pb.ComparisonKind.COMPARISON_KIND_METRIC, ...(options.tags ? [pb.ComparisonKind.COMPARISON_KIND_TAG] : [])];
  const rows = answer.rows.filter((r) => kinds.includes(r.kind) && (!options.differentOnly || r.differs)).sort((a, b) => kinds.indexOf(a.kind) - kinds.indexOf(b.kind) || a.key.localeCompare(b.key));
  const columns: Record<string, (row: pb.ComparisonRow) => unknown> = {
    kind: (r) => enumName(pb.ComparisonKind, r.kind, 'COMPARISON_KIND_').toLowerCase(),
    key: (r) => r.key,
  };
  answer.runIds.forEach((runId, i) => {
    columns[runId] = (r) => (r.cells[i]?.present ? r.cells[i].value : undefined);
  });
  columns.differs = (r) => (r.differs ? 'yes' : 'no');
  return { rows, columns };
}

/** A progress update in a few words: `running · train · 45% · validation_log_loss 0.4512 @37`. */
export function progressLine(update: pb.WatchRunResponse): string {
  const metric = latestMetric(update.metrics);
  return [statusName(update.status), stageName(update.stage), `${Math.round(update.progress * 100)}%`, metric, update.message].filter(Boolean).join(' · ');
}

function latestMetric(metrics: pb.Metric[]): string {
  if (metrics.length === 0) return '';
  const last = metrics.reduce((a, b) => (b.step > a.step || (b.step === a.step && b.key.startsWith('validation')) ? b : a));
  return `${last.key} ${last.value.toPrecision(4)}${last.step ? ` @${last.step}` : ''}`;
}

/**
 * Which updates deserve a line when progress is printed as plain lines (not a TTY): a change of
 * status or stage, or another tenth of the way done. Returns the line, or undefined to stay quiet.
 */
export function plainProgress(): (update: pb.WatchRunResponse) => string | undefined {
  let last: { status: pb.RunStatus; stage: pb.PipelineStage; tenth: number } | undefined;
  return (update) => {
    const tenth = Math.floor(update.progress * 10);
    if (last && last.status === update.status && last.stage === update.stage && last.tenth === tenth) return undefined;
    last = { status: update.status, stage: update.stage, tenth };
    return progressLine(update);
  };
}

/** Follows a run to its end over WatchRun (a bar on a TTY, lines otherwise, nothing under --json) and returns it as GetRun has it. */
async function followRun(platform: Platform, out: Output, runId: string): Promise<pb.Run> {
  const tty = !out.json && Boolean(process.stderr.isTTY);
  const bar = tty ? new SingleBar({ format: '{bar} {percentage}% | {detail}', hideCursor: true, stream: process.stderr, barsize: 30 }) : undefined;
  const plain = plainProgress();
  bar?.start(100, 0, { detail: 'waiting for the run' });
  const stream = platform.client('training').watchRun(pb.WatchRunRequest.fromPartial({ runId }));
  try {
    for await (const update of stream as AsyncIterable<pb.WatchRunResponse>) {
      if (bar) bar.update(Math.round(update.progress * 100), { detail: [statusName(update.status), stageName(update.stage), latestMetric(update.metrics)].filter(Boolean).join(' · ') });
      else if (!out.json) {
        const line = plain(update);
        if (line) process.stderr.write(`${line}\n`);
      }
    }
  } catch (error) {
    throw fromRpcError(error, 'training', platform.address('training'));
  } finally {
    bar?.stop();
    stream.cancel();
  }
  const { run } = await platform.rpc('training', 'getRun', { runId });
  if (!run) throw new CliError(`run ${runId}: the training service returned no run`, EXIT.failure);
  return run;
}

/** Prints a finished run; a run that did not succeed is a CliError saying why (exit 1). */
function finish(out: Output, run: pb.Run): void {
  if (out.json) out.record({}, pb.Run.toJSON(run));
  if (run.status === pb.RunStatus.RUN_STATUS_SUCCEEDED) {
    if (!out.json) printRun(out, run);
    return;
  }
  if (!TERMINAL.includes(run.status)) throw new CliError(`run ${run.runId} is still ${statusName(run.status)}: the watch ended early; follow it again`, EXIT.tempFailure);
  throw new CliError(run.status === pb.RunStatus.RUN_STATUS_FAILED ? failureLine(run) : `run ${run.runId} was ${statusName(run.status)}`, EXIT.failure);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An experiment's id by name or id; NOT_FOUND (exit 66) when there is none. */
async function existingExperiment(platform: Platform, experiment: string): Promise<string> {
  const key = UUID.test(experiment) ? ({ $case: 'experimentId', value: experiment } as const) : ({ $case: 'name', value: experiment } as const);
  const { experiment: found } = await platform.rpc('training', 'getExperiment', { key });
  if (!found) throw new CliError(`no experiment "${experiment}"`, EXIT.notFound);
  return found.experimentId;
}

/** The experiment's id: by id when it looks like one, else by name, created when absent (as MLflow's set_experiment). */
async function experimentId(platform: Platform, out: Output, experiment: string): Promise<string> {
  const key = UUID.test(experiment) ? ({ $case: 'experimentId', value: experiment } as const) : ({ $case: 'name', value: experiment } as const);
  try {
    const found = await platform.rpc('training', 'getExperiment', { key });
    if (found.experiment) return found.experiment.experimentId;
  } catch (error) {
    if (!(error instanceof CliError && error.exitCode === EXIT.notFound) || key.$case === 'experimentId') throw error;
  }
  try {
    const { experiment: created } = await platform.rpc('training', 'createExperiment', { name: experiment, description: '', tags: {} });
    out.say(`created experiment "${experiment}"`);
    return created!.experimentId;
  } catch (error) {
    // Created by someone else in between: take theirs.
    if (!(error instanceof CliError && error.exitCode === EXIT.tempFailure)) throw error;
    return (await platform.rpc('training', 'getExperiment', { key })).experiment!.experimentId;
  }
}

/** `key=value` pairs into a map; a pair without `=` is a usage error naming it. */
export function pairs(values: readonly string[], flag: string): Record<string, string> {
  return Object.fromEntries(
    values.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new CliError(`${flag} "${pair}": expected key=value`, EXIT.usage);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `mlops runs ...`: the training service's pipeline runs. */
export const trainingCommands: CommandModule = (program, context) => {
  const runs = program.command('runs').description('training runs: start one from a spec, follow it, show and compare runs');

  runs
    .command('start <spec-file>')
    .description(
      'queue a pipeline run from a TrainingSpec in YAML or JSON (StartTrainingRun): data, label, features, trainer, hyperparameters, split, seed, evaluation, register_as. ' +
        'Keys in snake_case or camelCase; enums with or without their prefix (GBDT, BINARY_CLASSIFICATION); timestamps as ISO dates (no zone = UTC); durations as 30m, 1h. ' +
        'Every unknown key or bad value is reported with its line. See apps/training/README.md, "The spec"',
    )
    .requiredOption('--experiment <name>', 'experiment to run in, by name (created if absent) or id')
    .option('--name <name>', 'display name of the run')
    .option('--tag <key=value>', 'a tag on the run (repeat)', collect, [])
    .option('--request-id <id>', 'idempotency key: starting again with it returns the same run')
    .option('--snapshot <id>', "train on this snapshot (a feature-service source: its entity rows) instead of the spec's")
    .option('--follow', 'then follow the run until it ends (as `runs follow`)')
    .action(async (file: string, o: { experiment: string; name?: string; tag: string[]; requestId?: string; snapshot?: string; follow?: boolean }) => {
      const { platform, out } = context();
      const spec = withSnapshot(readSpec(file), o.snapshot);
      const tags = pairs(o.tag, '--tag');
      const experiment = await experimentId(platform, out, o.experiment);
      const { run } = await platform.rpc('training', 'startTrainingRun', pb.StartTrainingRunRequest.fromPartial({ experimentId: experiment, name: o.name ?? '', spec, tags, requestId: o.requestId ?? '' }));
      if (!run) throw new CliError('the training service returned no run', EXIT.failure);
      if (o.follow) {
        out.say(`run ${run.runId} ${statusName(run.status)}`);
        return finish(out, await followRun(platform, out, run.runId));
      }
      out.record({ run: run.runId, name: run.name, status: statusName(run.status), experiment: o.experiment, follow: `mlops runs follow ${run.runId}` }, pb.Run.toJSON(run));
    });

  runs
    .command('show <run-id>')
    .description('a run: status, stage, data, trainer, failure, registered model, params and metrics (GetRun)')
    .action(async (runId: string) => {
      const { platform, out } = context();
      const { run } = await platform.rpc('training', 'getRun', { runId });
      if (!run) throw new CliError(`run ${runId}: the training service returned no run`, EXIT.failure);
      printRun(out, run);
    });

  runs
    .command('follow <run-id>')
    .description('follow a run until it ends (WatchRun): a progress bar on a terminal, a line per stage otherwise, the final run under --json. Exits 1 if the run failed or was cancelled, saying why')
    .action(async (runId: string) => {
      const { platform, out } = context();
      finish(out, await followRun(platform, out, runId));
    });

  runs
    .command('cancel <run-id>')
    .description('cancel a queued or running run (CancelRun)')
    .option('--reason <text>', 'why, recorded on the run', '')
    .action(async (runId: string, o: { reason: string }) => {
      const { platform, out } = context();
      const { run } = await platform.rpc('training', 'cancelRun', { runId, reason: o.reason });
      out.record({ run: runId, status: run ? statusName(run.status) : undefined }, run && pb.Run.toJSON(run));
    });

  runs
    .command('list')
    .description('runs, newest first, with their status and primary metric (SearchRuns); filter MLflow-style, e.g. "metrics.roc_auc > 0.55 AND params.trainer = \'gbdt\'"')
    .option('--experiment <name>', 'only this experiment, by name or id')
    .option('--filter <expression>', 'a SearchRuns filter')
    .option('--order-by <key>', 'sort key, e.g. "metrics.roc_auc DESC"', 'attributes.start_time DESC')
    .option('--limit <n>', 'at most this many', (v) => positiveInt(v, '--limit'), 50)
    .action(async (o: { experiment?: string; filter?: string; orderBy: string; limit: number }) => {
      const { platform, out } = context();
      const experimentIds = o.experiment ? [await existingExperiment(platform, o.experiment)] : [];
      const { runs: found } = await platform.rpc('training', 'searchRuns', { experimentIds, filter: o.filter ?? '', orderBy: [o.orderBy], page: { pageSize: o.limit, pageToken: '' } });
      const primary = (r: pb.Run) => r.metrics.find((m) => m.key === (r.outputs?.evaluation?.primaryMetric || 'roc_auc'));
      out.table(
        found,
        { run: (r) => r.runId, name: (r) => r.name, status: (r) => statusName(r.status), metric: (r) => primary(r) && `${primary(r)!.key}=${primary(r)!.value.toFixed(4)}`, started: (r) => r.startTime, by: (r) => r.startedBy },
        found.map((r) => pb.Run.toJSON(r)),
      );
    });

  const compare: Command = runs
    .command('compare <run-ids...>')
    .description('runs side by side (CompareRuns): a row per param and metric, a column per run, and whether they differ')
    .option('--metric <keys>', 'only these metrics (comma-separated)')
    .option('--param <keys>', 'only these params (comma-separated)')
    .option('--tags', 'include tags')
    .option('--different', 'only the rows whose values differ');
  compare.action(async (runIds: string[], o: { metric?: string; param?: string; tags?: boolean; different?: boolean }) => {
    const { platform, out } = context();
    if (runIds.length < 2) throw new CliError('compare needs two runs or more', EXIT.usage);
    const list = (value: string | undefined) => (value ?? '').split(',').map((k) => k.trim()).filter(Boolean);
    const answer = await platform.rpc('training', 'compareRuns', { runIds, metricKeys: list(o.metric), paramKeys: list(o.param) });
    const { rows, columns } = comparisonTable(answer, { tags: o.tags, differentOnly: o.different });
    out.table(rows, columns, pb.CompareRunsResponse.toJSON({ runIds: answer.runIds, rows }));
  });
};

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainingV1 as pb } from '@mlops/proto';
import { CliError } from '../core/cli-error';
import { EXIT } from '../core/exit-codes';
import { parseDuration, parseInstant } from '../core/proto-json';
import { comparisonTable, failureLine, pairs, plainProgress, progressLine, readSpec, runValues, specFromDocument, withSnapshot } from './training';

const { RunStatus, PipelineStage } = pb;

/** The spec of the training e2e test, as a person writes it in YAML. */
const written = {
  data: { snapshot_id: 'sha256:abc' },
  label: { column: 'delay', expression: 'delay > 15', task: 'binary_classification' },
  features: ['origin', 'destination', 'distance'],
  trainer: { builtin: 'GBDT' },
  hyperparameters: { rounds: 40, max_depth: 5 },
  split: { time: { time_column: 'date', train: { end: '2001-03-01' }, test: { start: '2001-03-01T00:00:00Z' }, validation_fraction: 0.2 } },
  seed: 7,
  evaluation: { slice_features: ['origin'], calibration_bins: 10 },
  register_as: 'flights_delay',
};

const cutoff = new Date('2001-03-01T00:00:00Z');
const expected = pb.TrainingSpec.fromPartial({
  data: { source: { $case: 'snapshotId', value: 'sha256:abc' } },
  label: { column: 'delay', expression: 'delay > 15', task: 1 },
  features: ['origin', 'destination', 'distance'],
  trainer: { kind: { $case: 'builtin', value: pb.BuiltinTrainerKind.BUILTIN_TRAINER_KIND_GBDT } },
  hyperparameters: { rounds: 40, max_depth: 5 },
  split: { kind: { $case: 'time', value: { timeColumn: 'date', train: { end: cutoff }, test: { start: cutoff }, validationFraction: 0.2 } } },
  seed: 7,
  evaluation: { sliceFeatures: ['origin'], calibrationBins: 10 },
  registerAs: 'flights_delay',
});

const failureOf = (run: () => unknown): CliError => {
  try {
    run();
  } catch (error) {
    return error as CliError;
  }
  throw new Error('expected it to fail');
};

describe('training spec documents', () => {
  it('reads snake_case keys, enums without their prefix and date-only timestamps (UTC) into the message', () => {
    expect(specFromDocument(written)).toEqual(expected);
  });

  it("reads the message's own JSON form back (what `runs show --json` prints)", () => {
    const external = pb.TrainingSpec.fromPartial({ ...expected, trainer: { kind: { $case: 'external', value: { command: ['python', 'train.py'], env: { A: '1' }, timeout: { seconds: 1800, nanos: 0 } } } } });
    expect(specFromDocument(pb.TrainingSpec.toJSON(external))).toEqual(external);
  });

  it('takes durations as 30m or 1h30m', () => {
    const spec = specFromDocument({ ...written, trainer: { external: { command: ['./train'], timeout: '1h30m' } } });
    expect(spec.trainer?.kind).toEqual({ $case: 'external', value: { command: ['./train'], env: {}, timeout: { seconds: 5400, nanos: 0 }, workingDir: '' } });
  });

  it('names every problem by path: unknown keys, unknown enum values, impossible dates, alternatives given together, wrong types', () => {
    const error = failureOf(() =>
      specFromDocument({
        ...written,
        hyperparams: { rounds: 3 },
        trainer: { builtin: 'GBM' },
        data: { snapshot_id: 's', feature_service: { entity_snapshot_id: 'e' } },
        split: { time: { train: { end: '2001-02-30' } } },
        features: 'origin',
        seed: -1,
      }, 'spec.yaml'),
    );
    expect(error).toBeInstanceOf(CliError);
    expect(error.exitCode).toBe(EXIT.dataError);
    expect(error.message.startsWith('spec.yaml: ')).toBe(true);
    expect(error.message).toContain('data.feature_service: snapshot_id and feature_service are alternatives: give one');
    expect(error.message).toContain('features: expected a list, got "origin"');
    expect(error.message).toContain('trainer.builtin: "GBM" is not one of LOGISTIC_REGRESSION, LINEAR_REGRESSION, GBDT');
    expect(error.message).toContain('split.time.train.end: expected a date or date-time');
    expect(error.message).toContain('seed: expected a whole number of 0 or more, got -1');
    expect(error.message).toContain('and 1 more'); // hyperparams: six problems, five shown
  });

  it('refuses a key given in both spellings and an empty document', () => {
    expect(failureOf(() => specFromDocument({ ...written, registerAs: 'x' })).message).toBe('spec: registerAs: given twice (also as register_as)');
    expect(failureOf(() => specFromDocument(null, 'empty.yaml')).message).toMatch(/^empty\.yaml: empty document/);
  });

  describe('files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-cli-spec-'));
    const file = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };

    it('says a missing file is missing, by its path', () => {
      const error = failureOf(() => readSpec(join(dir, 'nope.yaml')));
      expect([error.message, error.exitCode]).toEqual([`${join(dir, 'nope.yaml')}: no such file`, EXIT.notFound]);
    });

    it('names the line of a syntax error and of each problem', () => {
      const broken = file('broken.yaml', 'data:\n  snapshot_id: [unclosed\n');
      expect(failureOf(() => readSpec(broken)).message).toMatch(new RegExp(`^${broken}: not valid YAML or JSON: line \\d+`));
      const wrong = file('wrong.yaml', 'data: { snapshot_id: s }\nlabel: { column: delay }\nfeatures: [a]\ntrainer:\n  builtin: gbm\n');
      const error = failureOf(() => readSpec(wrong));
      expect([error.message, error.exitCode]).toEqual([`${wrong}: line 5: trainer.builtin: "gbm" is not one of LOGISTIC_REGRESSION, LINEAR_REGRESSION, GBDT`, EXIT.dataError]);
    });

    it('reads a valid file', () => {
      expect(readSpec(file('ok.json', JSON.stringify(written)))).toEqual(expected);
    });
  });
});

describe('instants and durations', () => {
  it('reads ISO dates and date-times, no zone meaning UTC, and refuses impossible ones', () => {
    expect(parseInstant('2001-03-01')?.toISOString()).toBe('2001-03-01T00:00:00.000Z');
    expect(parseInstant('2001-03-01 06:30')?.toISOString()).toBe('2001-03-01T06:30:00.000Z');
    expect(parseInstant('2001-03-01T06:30:00+0200')?.toISOString()).toBe('2001-03-01T04:30:00.000Z');
    expect(parseInstant('2001-03-01T06:30:00.25Z')?.toISOString()).toBe('2001-03-01T06:30:00.250Z');
    expect(['2001-02-30', '2001-03-01T25:00', 'yesterday', 20010301].map(parseInstant)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('reads durations with units, compound ones and the { seconds, nanos } form', () => {
    expect(['90s', '1h30m', '500ms', '7d', '1.5h', { seconds: 2, nanos: 500_000_000 }].map(parseDuration)).toEqual([90, 5400, 0.5, 604_800, 5400, 2.5]);
    expect(['90', 90, '1 h', 'h', { minutes: 3 }].map(parseDuration)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('runs', () => {
  const compared = pb.CompareRunsResponse.fromPartial({
    runIds: ['run-a', 'run-b'],
    rows: [
      { kind: pb.ComparisonKind.COMPARISON_KIND_TAG, key: 'team', cells: [{ present: true, value: 'x' }, { present: true, value: 'y' }], differs: true },
      { kind: pb.ComparisonKind.COMPARISON_KIND_METRIC, key: 'roc_auc', cells: [{ present: true, value: '0.7123', number: 0.7123 }, { present: true, value: '0.7301', number: 0.7301 }], differs: true },
      { kind: pb.ComparisonKind.COMPARISON_KIND_PARAM, key: 'rounds', cells: [{ present: true, value: '40' }, { present: true, value: '40' }], differs: false },
      { kind: pb.ComparisonKind.COMPARISON_KIND_PARAM, key: 'max_depth', cells: [{ present: true, value: '5' }, { present: false, value: '' }], differs: true },
    ],
  });
  const render = (table: ReturnType<typeof comparisonTable>) => [Object.keys(table.columns), ...table.rows.map((row) => Object.values(table.columns).map((cell) => cell(row)))];

  it('puts params then metrics in rows and a column per run, a missing value empty, tags left out', () => {
    expect(render(comparisonTable(compared))).toEqual([
      ['kind', 'key', 'run-a', 'run-b', 'differs'],
      ['param', 'max_depth', '5', undefined, 'yes'],
      ['param', 'rounds', '40', '40', 'no'],
      ['metric', 'roc_auc', '0.7123', '0.7301', 'yes'],
    ]);
  });

  it('includes tags on request and keeps only differing rows with differentOnly', () => {
    expect(comparisonTable(compared, { tags: true, differentOnly: true }).rows.map((r) => r.key)).toEqual(['max_depth', 'roc_auc', 'team']);
  });

  const update = (status: pb.RunStatus, stage: pb.PipelineStage, progress: number, metrics: Partial<pb.Metric>[] = []) =>
    pb.WatchRunResponse.fromPartial({ runId: 'r', status, stage, progress, metrics });

  it('describes an update in one line with its latest step metric', () => {
    const line = progressLine(update(RunStatus.RUN_STATUS_RUNNING, PipelineStage.PIPELINE_STAGE_TRAIN, 0.456, [{ key: 'train_log_loss', value: 0.5, step: 37 }, { key: 'validation_log_loss', value: 0.45123, step: 37 }, { key: 'train_log_loss', value: 0.6, step: 36 }]));
    expect(line).toBe('running · train · 46% · validation_log_loss 0.4512 @37');
  });

  it('prints plain progress only on a new status or stage or another tenth done', () => {
    const next = plainProgress();
    const lines = [
      update(RunStatus.RUN_STATUS_QUEUED, PipelineStage.PIPELINE_STAGE_QUEUED, 0),
      update(RunStatus.RUN_STATUS_RUNNING, PipelineStage.PIPELINE_STAGE_FETCH, 0.05),
      update(RunStatus.RUN_STATUS_RUNNING, PipelineStage.PIPELINE_STAGE_FETCH, 0.08),
      update(RunStatus.RUN_STATUS_RUNNING, PipelineStage.PIPELINE_STAGE_TRAIN, 0.12),
      update(RunStatus.RUN_STATUS_RUNNING, PipelineStage.PIPELINE_STAGE_TRAIN, 0.19),
      update(RunStatus.RUN_STATUS_RUNNING, PipelineStage.PIPELINE_STAGE_TRAIN, 0.21),
      update(RunStatus.RUN_STATUS_SUCCEEDED, PipelineStage.PIPELINE_STAGE_DONE, 1),
    ].map(next);
    expect(lines).toEqual(['queued · queued · 0%', 'running · fetch · 5%', undefined, 'running · train · 12%', undefined, 'running · train · 21%', 'succeeded · done · 100%']);
  });

  it('says why a run failed: stage, kind, message and trainer log', () => {
    const run = pb.Run.fromPartial({ runId: 'r1', status: RunStatus.RUN_STATUS_FAILED, failure: { kind: pb.FailureKind.FAILURE_KIND_INVALID_INPUT, stage: PipelineStage.PIPELINE_STAGE_SPLIT, message: 'one label class in the training rows', log: { digest: 'sha256:f00' } } });
    expect(failureLine(run)).toBe('run r1 failed in split (invalid_input): one label class in the training rows (trainer log sha256:f00)');
  });

  it('lists params then metrics, each sorted by key', () => {
    const run = pb.Run.fromPartial({ params: { rounds: '40', learning_rate: '0.1' }, metrics: [{ key: 'roc_auc', value: 0.7, step: 0 }, { key: 'log_loss', value: 0.4, step: 0 }] });
    expect(runValues(run).map((r) => `${r.kind}:${r.key}`)).toEqual(['param:learning_rate', 'param:rounds', 'metric:log_loss', 'metric:roc_auc']);
  });

  it('reads --tag key=value pairs and refuses one without "="', () => {
    expect(pairs(['team=risk', 'note=a=b'], '--tag')).toEqual({ team: 'risk', note: 'a=b' });
    expect(() => pairs(['team'], '--tag')).toThrow(new CliError('--tag "team": expected key=value', EXIT.usage));
  });
});

describe('withSnapshot', () => {
  const featureSource = pb.TrainingSpec.fromPartial({ data: { source: { $case: 'featureService', value: { featureService: { name: 'delays', version: 2 }, entitySnapshotId: 'sha256:old', eventTimestampColumn: 'date' } } }, features: ['origin'] });

  it('points a feature-service source at the snapshot as its entity rows, keeping the service and columns', () => {
    expect(withSnapshot(featureSource, 'sha256:new').data?.source).toEqual({ $case: 'featureService', value: { featureService: { name: 'delays', version: 2 }, entitySnapshotId: 'sha256:new', eventTimestampColumn: 'date' } });
  });

  it('makes any other spec read the snapshot, and leaves the spec alone without one', () => {
    const fromSnapshot = pb.TrainingSpec.fromPartial({ data: { source: { $case: 'snapshotId', value: 'sha256:old' } } });
    expect(withSnapshot(fromSnapshot, 'sha256:new').data?.source).toEqual({ $case: 'snapshotId', value: 'sha256:new' });
    expect(withSnapshot(pb.TrainingSpec.fromPartial({}), 'sha256:new').data?.source).toEqual({ $case: 'snapshotId', value: 'sha256:new' });
    expect(withSnapshot(featureSource, undefined)).toBe(featureSource);
  });
});

import { createHash } from 'node:crypto';
import { type PipelineProgress, runBuiltinPipeline } from './run-pipeline';
import { checkSpec, type PipelineSpec } from './spec';
import { seededRandom } from './split';
import { InvalidInputError, prepareDataset, type Table } from './table';

const DAY = 86_400_000;
const JAN = Date.UTC(2001, 0, 1);

/** Synthetic flights: late more often from busy hubs, in the evening and on long routes. */
function flightsTable(rows = 3_000): Table {
  const random = seededRandom('7');
  const hubs = ['ATL', 'ORD', 'DFW', 'LAX', 'SLC'];
  return {
    columns: [
      { name: 'date', kind: 'timestamp' },
      { name: 'origin', kind: 'categorical' },
      { name: 'hour', kind: 'numeric' },
      { name: 'distance', kind: 'numeric' },
      { name: 'delay', kind: 'numeric' },
    ],
    rows: Array.from({ length: rows }, (_, i) => {
      const origin = hubs[i % hubs.length];
      const hour = Math.floor(random() * 24);
      const distance = random() < 0.05 ? null : Math.round(100 + random() * 2_000);
      const risk = (origin === 'ORD' ? 0.3 : 0) + (hour > 16 ? 0.3 : 0) + ((distance ?? 0) > 1_500 ? 0.2 : 0);
      const delay = random() < 0.1 + risk ? 20 + Math.round(random() * 60) : Math.round(random() * 10);
      return [JAN + Math.floor((i / rows) * 90 * DAY), origin, hour, distance, delay];
    }),
  };
}

const spec = (overrides: Partial<PipelineSpec> = {}): PipelineSpec => ({
  data: { kind: 'snapshot', snapshotId: 'sha256:x' },
  label: { column: 'delay', expression: 'delay > 15', task: 'binary' },
  features: ['origin', 'hour', 'distance'],
  trainer: { kind: 'gbdt' },
  hyperparameters: { rounds: 30, max_depth: 4 },
  split: { kind: 'time', column: 'date', train: { endMs: JAN + 59 * DAY }, test: { startMs: JAN + 59 * DAY }, validationFraction: 0.2 },
  seed: '42',
  evaluation: { primaryMetric: 'roc_auc', sliceFeatures: ['origin'], calibrationBins: 5 },
  registerAs: '',
  ...overrides,
});

function run(s: PipelineSpec, table = flightsTable(), progress: PipelineProgress[] = []) {
  const { trainer, violations } = checkSpec(s);
  expect(violations).toEqual([]);
  if (!trainer || trainer.kind === 'external') throw new Error('built-in trainer expected');
  return runBuiltinPipeline(prepareDataset(table, s), s, trainer, (p) => progress.push(p));
}

const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('the built-in training pipeline', () => {
  it('learns the signal, evaluates on later rows only, and reports progress stage by stage', () => {
    const progress: PipelineProgress[] = [];
    const table = flightsTable();
    const result = run(spec(), table, progress);
    expect(result.evaluation.metrics.roc_auc).toBeGreaterThan(0.65);
    // Rows from the 60th day on are the test rows; the latest fifth of the rest validates.
    const later = table.rows.filter((r) => (r[0] as number) >= JAN + 59 * DAY).length;
    expect(result.rows.test).toBe(later);
    expect(result.rows.validation).toBe(Math.floor((3_000 - later) * 0.2));
    expect(result.rows.train).toBe(3_000 - later - result.rows.validation);
    expect(result.evaluation.slices.map((s) => s.value).sort()).toEqual(['ATL', 'DFW', 'LAX', 'ORD', 'SLC']);
    expect(result.evaluation.calibration.reduce((n, b) => n + b.count, 0)).toBe(later);
    expect([...new Set(progress.map((p) => p.stage))]).toEqual(['split', 'train', 'evaluate', 'profile', 'package']);
    expect(progress.map((p) => p.progress)).toEqual([...progress.map((p) => p.progress)].sort((a, b) => a - b));
    expect(progress.filter((p) => p.stage === 'train').flatMap((p) => p.metrics.map((m) => m.key))).toContain('validation_log_loss');
    expect(result.profile.features.map((f) => [f.name, f.kind])).toEqual([['origin', 'categorical'], ['hour', 'numeric'], ['distance', 'numeric']]);
    expect(result.profile.features[2].nullRate).toBeGreaterThan(0);
    expect(result.params).toMatchObject({ rounds: '30', maxDepth: '4', learningRate: '0.1' });
  });

  it('gives the same metrics and the same model bytes for the same spec, data and seed', () => {
    for (const s of [spec(), spec({ trainer: { kind: 'logistic' }, hyperparameters: {} }), spec({ split: { kind: 'random', train: 0.6, validation: 0.2, test: 0.2 } })]) {
      const [a, b] = [run(s), run(s)];
      expect(digest(a.modelBytes)).toBe(digest(b.modelBytes));
      expect(a.evaluation).toEqual(b.evaluation);
    }
    const other = run(spec({ split: { kind: 'random', train: 0.6, validation: 0.2, test: 0.2 }, seed: '43' }));
    expect(digest(other.modelBytes)).not.toBe(digest(run(spec({ split: { kind: 'random', train: 0.6, validation: 0.2, test: 0.2 } })).modelBytes));
  });

  it('refuses data no model should be trained on, naming the problem', () => {
    const table = flightsTable(500);
    const fail = (t: Table, s = spec()) => {
      try {
        run(s, t);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidInputError);
        return (error as Error).message;
      }
      throw new Error('expected the run to fail');
    };
    expect(fail({ ...table, rows: [] })).toBe('the training data has no rows');
    expect(fail({ ...table, rows: table.rows.map((r) => [...r.slice(0, 4), 3]) })).toMatch(/^the label has one class in the training rows \(all 0, \d+ rows\); a classifier needs both$/);
    expect(fail({ ...table, rows: table.rows.map((r) => [...r.slice(0, 3), null, r[4]]) })).toBe('feature "distance" is null in every training row');
    expect(fail({ ...table, rows: table.rows.map((r, i) => (i === 7 ? [r[0], r[1], Number.POSITIVE_INFINITY, r[3], r[4]] : r)) })).toBe('feature "hour" holds Infinity (row 7); NaN and Infinity are not values — send null for missing');
    expect(fail(table, spec({ features: ['origin', 'gate'] }))).toBe('feature "gate" is not a column of the training data (columns: date, origin, hour, distance, delay)');
    expect(fail({ ...table, rows: table.rows.map((r) => [...r.slice(0, 4), 'late']) })).toBe('label "delay": "late" is not a number to compare with 15');
  });

  it('checks a spec before any data is read, field by field', () => {
    const { violations } = checkSpec(spec({
      features: ['delay', 'hour', 'hour'],
      hyperparameters: { max_depth: 40, learning_rate: 'fast', colsample: 0.5 },
      label: { column: 'delay', expression: 'delay >> 15', task: 'binary' },
      split: { kind: 'time', column: 'date', train: { endMs: JAN + 60 * DAY }, test: { startMs: JAN + 30 * DAY }, validationFraction: 0.1 },
      seed: '-1',
    }));
    expect(violations.map((v) => v.field)).toEqual([
      'spec.label.expression', 'spec.features[0]', 'spec.features[2]', 'spec.split.time.test.start', 'spec.evaluation.slice_features[0]', 'spec.seed',
      'spec.hyperparameters.max_depth', 'spec.hyperparameters.learning_rate', 'spec.hyperparameters.colsample',
    ]);
    expect(violations.find((v) => v.field === 'spec.hyperparameters.max_depth')?.description).toBe('a whole number in [1, 16], not 40');
  });

  it('trains regressors of the delay itself: GBDT with squared loss beats the linear model on a step-shaped signal', () => {
    const regression = (overrides: Partial<PipelineSpec>) => spec({ label: { column: 'delay', expression: '', task: 'regression' }, evaluation: { primaryMetric: '', sliceFeatures: ['origin'], calibrationBins: 0 }, ...overrides });
    const progress: PipelineProgress[] = [];
    const gbdt = run(regression({ hyperparameters: { rounds: 60, max_depth: 4 } }), flightsTable(), progress);
    const linear = run(regression({ trainer: { kind: 'linear' }, hyperparameters: { l2: 1 } }));
    for (const result of [gbdt, linear]) {
      expect(result.output).toBe('prediction');
      expect(Object.keys(result.evaluation.metrics)).toEqual(['rmse', 'mae', 'r2']);
      expect(result.evaluation.calibration).toEqual([]);
      expect(result.evaluation.slices[0].metrics).toHaveProperty('mean_label');
    }
    // The delay jumps by ~45 minutes with a risk draw: no line fits that as well as trees do.
    expect(gbdt.evaluation.metrics.r2).toBeGreaterThan(linear.evaluation.metrics.r2);
    expect(linear.evaluation.metrics.r2).toBeGreaterThan(0);
    expect(progress.flatMap((p) => p.metrics.map((m) => m.key))).toContain('validation_rmse');
    expect(gbdt.params).toMatchObject({ objective: 'squared' });
  });

  it('matches trainers to tasks and metrics to tasks, and refuses a constant regression label', () => {
    const fields = (s: PipelineSpec) => checkSpec(s).violations.map((v) => `${v.field}: ${v.description}`);
    expect(fields(spec({ trainer: { kind: 'linear' } , hyperparameters: {} }))).toEqual(['spec.trainer.builtin: linear trains regression, not binary']);
    expect(fields(spec({ label: { column: 'delay', expression: '', task: 'regression' }, trainer: { kind: 'logistic' }, hyperparameters: {}, evaluation: { primaryMetric: 'roc_auc', sliceFeatures: [], calibrationBins: 0 } }))).toEqual([
      'spec.evaluation.primary_metric: one of rmse, mae, r2 for this task',
      'spec.trainer.builtin: logistic trains binary, not regression',
    ]);
    expect(fields(spec({ label: { column: 'delay', expression: 'delay > 15', task: 'regression' } }))[0]).toMatch(/^spec.label.expression: a regression learns the column's number itself/);
    const constant = flightsTable(300);
    expect(() => run(spec({ label: { column: 'delay', expression: '', task: 'regression' }, evaluation: { primaryMetric: '', sliceFeatures: [], calibrationBins: 0 } }), { ...constant, rows: constant.rows.map((r) => [...r.slice(0, 4), 12]) })).toThrow(
      /^the label is 12 in every training row \(\d+ rows\); there is nothing to regress$/,
    );
  });
});

// Training figures: the built-in GBDT and LightGBM (Python, through the external-trainer contract)
// on the same real flights and the same split, side by side: training time and test ROC-AUC, both
// scored by the platform (LightGBM's model.onnx is opened and evaluated as any external model is).
// Train January–February, validate on the latest tenth of it, test on March; label delay > 15.
// `npm run bench -- training`; BENCH_ROWS (1500000) flights from the start of the year. LightGBM is
// installed from PyPI into .bench/venv on first use; BENCH_SKIP_LIGHTGBM=1 leaves it out.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zstdDecompressSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..');
const training = (path) => require(join(root, 'dist/apps/training/src', path));
const { parquetReadObjects } = require('hyparquet');
const { prepareDataset } = training('domain/pipeline/table.js');
const { checkSpec } = training('domain/pipeline/spec.js');
const { assessPredictions, checkedSplit, runBuiltinPipeline } = training('domain/pipeline/run-pipeline.js');
const { runExternalTrainer } = training('pipeline/external-trainer.js');
const { scoreWithOnnx } = training('pipeline/onnx-scorer.js');

const ROWS = Number(process.env.BENCH_ROWS ?? 1_500_000);
const MARCH = Date.UTC(2001, 2, 1);
const APRIL = Date.UTC(2001, 3, 1);
const PYTHON_PACKAGES = ['lightgbm==4.6.0', 'scikit-learn==1.5.2', 'onnxmltools==1.13.0', 'onnx==1.17.0', 'numpy==2.1.3'];
const seconds = (since) => ((performance.now() - since) / 1000).toFixed(1);

async function readTable() {
  const bytes = readFileSync(join(root, 'node_modules/vega-datasets/data/flights-3m.parquet'));
  const rows = await parquetReadObjects({
    file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    rowEnd: ROWS,
    compressors: { ZSTD: (input) => new Uint8Array(zstdDecompressSync(input)) },
  });
  return {
    columns: [
      { name: 'date', kind: 'timestamp' }, { name: 'origin', kind: 'categorical' }, { name: 'destination', kind: 'categorical' },
      { name: 'distance', kind: 'numeric' }, { name: 'hour', kind: 'numeric' }, { name: 'delay', kind: 'numeric' },
    ],
    rows: rows.map((r) => [r.date.getTime(), r.origin, r.destination, Number(r.distance), r.date.getUTCHours() + r.date.getUTCMinutes() / 60, Number(r.delay)]),
  };
}

function lightgbmPython() {
  const venv = join(root, '.bench/venv');
  const python = join(venv, 'bin/python');
  if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  console.log('installing LightGBM from PyPI into .bench/venv (pinned; quick once installed)...');
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...PYTHON_PACKAGES], { stdio: 'inherit' });
  return python;
}

const spec = (trainer) => ({
  data: { kind: 'snapshot', snapshotId: 'bench' },
  label: { column: 'delay', expression: 'delay > 15', task: 'binary' },
  features: ['origin', 'destination', 'distance', 'hour'],
  trainer,
  hyperparameters: { rounds: 300, learning_rate: 0.1, max_depth: 8, min_samples_leaf: 100, early_stopping_rounds: 20 },
  split: { kind: 'time', column: 'date', train: { endMs: MARCH }, test: { startMs: MARCH, endMs: APRIL }, validationFraction: 0.1 },
  seed: '7',
  evaluation: { primaryMetric: 'roc_auc', sliceFeatures: [], calibrationBins: 10 },
  registerAs: '',
});

let started = performance.now();
const table = await readTable();
console.log(`read ${table.rows.length} flights in ${seconds(started)} s`);

const builtinSpec = spec({ kind: 'gbdt' });
const { trainer } = checkSpec(builtinSpec);
started = performance.now();
const dataset = prepareDataset(table, builtinSpec);
const parts = checkedSplit(dataset, builtinSpec);
console.log(`prepared and split in ${seconds(started)} s: ${parts.train.length} training, ${parts.validation.length} validation, ${parts.test.length} test rows`);

started = performance.now();
let rounds = 0;
const builtin = runBuiltinPipeline(dataset, builtinSpec, trainer, (p) => {
  if (p.stage !== 'train' || p.metrics.length === 0) return;
  rounds = p.metrics[0].step;
  if (rounds % 25 === 0) console.log(`built-in GBDT: round ${rounds}, ${seconds(started)} s, validation log loss ${p.metrics[1]?.value.toFixed(5)}`);
});
const builtinSeconds = seconds(started);
console.log(`built-in GBDT: ${rounds} rounds, ${builtinSeconds} s, March ROC-AUC ${builtin.evaluation.metrics.roc_auc.toFixed(4)}`);
const figures = [{ trainer: 'built-in GBDT (depth 8)', seconds: builtinSeconds, rounds, roc_auc: builtin.evaluation.metrics.roc_auc, log_loss: builtin.evaluation.metrics.log_loss }];

if (process.env.BENCH_SKIP_LIGHTGBM !== '1') {
  const python = lightgbmPython();
  const external = { kind: 'external', command: [python, join(root, 'bench/lightgbm_trainer.py')], env: {}, timeoutMs: 3_600_000 };
  const externalSpec = { ...spec(external), hyperparameters: { ...builtinSpec.hyperparameters, num_leaves: 255 } };
  started = performance.now();
  const result = await runExternalTrainer(external, externalSpec, dataset, parts, mkdtempSync(join(tmpdir(), 'bench-lightgbm-')), new AbortController().signal);
  const contractSeconds = seconds(started);
  const predictions = await scoreWithOnnx(result.modelBytes, dataset.features, parts.test, 'probability');
  const { evaluation } = assessPredictions(dataset, parts, externalSpec, predictions, 'probability');
  figures.push({
    trainer: `LightGBM ${PYTHON_PACKAGES[0].split('==')[1]} (255 leaves), external`, seconds: `${contractSeconds} (fit ${result.metrics.fit_seconds.toFixed(1)})`,
    rounds: result.metrics.best_iteration, roc_auc: evaluation.metrics.roc_auc, log_loss: evaluation.metrics.log_loss,
  });
}

console.log(`\nMarch flights (test), label delay > 15, trained on ${parts.train.length} January–February flights:`);
console.table(figures.map((f) => ({ ...f, roc_auc: f.roc_auc.toFixed(4), log_loss: f.log_loss.toFixed(4) })));
console.log('seconds: the built-in row is the whole pipeline (train, evaluate, profile, export); the external row is the contract end to end (files written, Python started, fit, ONNX written), fit alone in brackets.');

// Drift report figures: how long monitoring's per-window report takes over 1,000,000 rows × 10
// features (7 numeric, 3 categorical), next to Evidently's DataDriftPreset on the same data in the
// same run, with both sides' per-column method, score and verdict side by side.
// Data: seeded, generated here: a 100,000-row reference and a 1,000,000-row current window; some
// columns shifted or rescaled, one integer column with 5 values, one categorical with 300 categories,
// a few nulls and unseen categories. Both are written as CSV to a temporary directory, which Evidently
// reads, so both sides see the same values (checked: per-column counts and sums must agree).
// Ours, timed separately and from dist/ (the built code the services run): (a) the reference profile
// as training builds it (profileFeatures: 20-bin histogram, 5,000-value reservoir, top 100 categories
// + the rest; for the features, the label and the model's probability) and its wire form
// (referenceProfileOf), mapped to monitoring's domain ReferenceProfile by the service's own mapping
// (referenceProfileFrom);
// (b) the headline: windowReport (dist/apps/monitoring/src/domain/report/window-report.js), what the
// service computes per window, over the window's instances as the service reads them from PostgreSQL
// (objects of inputs, a probability, label null) and one served request each: drift of every feature
// and of the prediction, data quality, operations, performance; also once with every instance
// labelled; (b') featureDrift alone per column, the part DataDriftPreset does. The model is a
// stand-in (a logistic of a few inputs); labels are drawn from it. Reading the prediction log and
// building the instance objects are not included, nor is Evidently's CSV read (printed apart).
// Evidently: pinned in bench/monitoring-evidently.requirements.txt, installed from PyPI into
// .bench/evidently-venv on first use (python3 -m venv + pip); bench/monitoring_evidently.py runs
// Report([DataDriftPreset()]) with declared column types and default methods on the raw 100,000-row
// reference, then (apart) a report of one ValueDrift per column: the preset's per-column drift
// without its DriftedColumnsCount, which computes every column's drift twice more. If Python or the
// install fails, that side is skipped with the reason, not the bench.
// Each side's report runs BENCH_RUNS times (3; Evidently in a fresh process each); medians are
// compared. Figures are printed, never asserted. `npm run bench -- monitoring-drift` (which starts
// Kafka and PostgreSQL as for every bench; this one uses neither, so after `nx run-many -t build`,
// `node bench/monitoring-drift.mjs` is enough); BENCH_ROWS (1,000,000) current rows,
// BENCH_REFERENCE_ROWS (100,000), BENCH_RUNS; PYTHON (python3) creates the venv. A few minutes on
// 2 cores, plus about a minute for the first install.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..');
const training = (path) => require(join(root, 'dist/apps/training/src', path));
const monitoring = (path) => require(join(root, 'dist/apps/monitoring/src', path));
const { profileFeatures, SAMPLE_SIZE } = training('domain/profile.js');
const { referenceProfileOf } = training('pipeline/reference-profile.js');
const { seededRandom } = training('domain/pipeline/split.js');
const { featureDrift } = monitoring('domain/drift/drift-score.js');
const { windowReport } = monitoring('domain/report/window-report.js');
const { referenceProfileFrom } = monitoring('versions/reference-profile.mapper.js');
const { commonV1 } = require(join(root, 'dist/libs/proto/src/index.js'));

const CURRENT_ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const REFERENCE_ROWS = Number(process.env.BENCH_REFERENCE_ROWS ?? 100_000);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
/** The service's MONITORING_MIN_SAMPLE_SIZE default (apps/monitoring/src/config.ts). */
const MIN_SAMPLE_SIZE = 30;
const VENV = join(root, '.bench/evidently-venv');
const REQUIREMENTS = join(root, 'bench/monitoring-evidently.requirements.txt');
const work = mkdtempSync(join(tmpdir(), 'bench-monitoring-drift-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

// ---- The data ----
const random = seededRandom('20250611');
const normal = (mean, sd) => mean + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const rounded = (digits) => (x) => Math.round(x * 10 ** digits) / 10 ** digits;
const binomial = (n, p) => {
  let k = 0;
  for (let i = 0; i < n; i++) k += random() < p ? 1 : 0;
  return k;
};
/** A sampler of indices by weight (cumulative table, binary search). */
function weighted(weights) {
  const total = weights.reduce((s, w) => s + w, 0);
  let acc = 0;
  const cumulative = Float64Array.from(weights, (w) => (acc += w) / total);
  return () => {
    const u = random();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}
const HOUR_WEIGHTS = Array.from({ length: 24 }, (_, h) => 1 + 3 * Math.exp(-(((h - 14) / 5) ** 2)));
const REGIONS = ['north', 'south', 'east', 'west', 'central', 'coast', 'mountain', 'valley', 'lakes', 'plains', 'islands', 'metro'];
const MERCHANTS = Array.from({ length: 310 }, (_, i) => `m${String(i).padStart(3, '0')}`);
const zipf = Array.from({ length: 300 }, (_, k) => 1 / (k + 1) ** 1.1);
const zipfTotal = zipf.reduce((s, w) => s + w, 0);

/**
 * The features: a generator per side (reference, current), null rates per side, and what changed.
 * Numbers are rounded to a few decimals, as logged values would be; categories are indices into `values`.
 */
const FEATURES = [
  { name: 'amount', kind: 'numeric', change: 'none (log-normal)', gen: [() => rounded(2)(Math.exp(normal(3, 0.8))), () => rounded(2)(Math.exp(normal(3, 0.8)))] },
  { name: 'score', kind: 'numeric', change: 'none, 1% nulls', nulls: [0.01, 0.01], gen: [() => rounded(4)(normal(0, 1)), () => rounded(4)(normal(0, 1))] },
  { name: 'latency_ms', kind: 'numeric', change: 'mean +0.4 sd', gen: [() => rounded(1)(normal(200, 30)), () => rounded(1)(normal(212, 30))] },
  { name: 'temperature', kind: 'numeric', change: 'sd ×1.3', gen: [() => rounded(2)(normal(20, 5)), () => rounded(2)(normal(20, 6.5))] },
  { name: 'balance', kind: 'numeric', change: 'mean +0.05 sd', gen: [() => rounded(2)(normal(1000, 250)), () => rounded(2)(normal(1012.5, 250))] },
  { name: 'items', kind: 'numeric', change: 'integer 0-4, Bin(4, .3) → Bin(4, .4)', gen: [() => binomial(4, 0.3), () => binomial(4, 0.4)] },
  { name: 'hour', kind: 'numeric', change: 'none, integer 0-23, nulls 0.2% → 3%', nulls: [0.002, 0.03], gen: [weighted(HOUR_WEIGHTS), weighted(HOUR_WEIGHTS)] },
  {
    name: 'channel', kind: 'categorical', change: 'none, +0.4% unseen "kiosk"', values: ['web', 'app', 'store', 'phone', 'partner', 'kiosk'],
    gen: [weighted([45, 30, 15, 7, 3, 0]), weighted([45, 30, 15, 7, 3, 0.4])],
  },
  {
    name: 'region', kind: 'categorical', change: 'metro 4% → 18%, 0.5% nulls', nulls: [0.005, 0.005], values: REGIONS,
    gen: [weighted([14, 12, 11, 10, 9, 9, 8, 7, 6, 5, 5, 4]), weighted([10, 10, 9, 9, 8, 8, 7, 6, 5, 5, 5, 18])],
  },
  {
    name: 'merchant', kind: 'categorical', change: 'none, 300 Zipf categories, +0.5% in 10 new', nulls: [0.001, 0.001], values: MERCHANTS,
    gen: [weighted([...zipf, ...new Array(10).fill(0)]), weighted([...zipf, ...new Array(10).fill((0.005 * zipfTotal) / 10)])],
  },
];
const NUMERIC = FEATURES.filter((f) => f.kind === 'numeric').map((f) => f.name);
const CATEGORICAL = FEATURES.filter((f) => f.kind === 'categorical').map((f) => f.name);
const NULL_CODE = 0xffff;

/** Columns of `rows` rows from side 0 (reference) or 1 (current): Float64Array with NaN for null, or Uint16Array of category codes. */
function generate(rows, side) {
  const columns = Object.fromEntries(FEATURES.map((f) => [f.name, f.kind === 'numeric' ? new Float64Array(rows) : new Uint16Array(rows)]));
  for (let i = 0; i < rows; i++) {
    for (const f of FEATURES) {
      const isNull = f.nulls && random() < f.nulls[side];
      const value = f.gen[side]();
      columns[f.name][i] = isNull ? (f.kind === 'numeric' ? Number.NaN : NULL_CODE) : value;
    }
  }
  return columns;
}

function writeCsv(path, columns, rows) {
  const fd = openSync(path, 'w');
  writeSync(fd, `${FEATURES.map((f) => f.name).join(',')}\n`);
  const cell = FEATURES.map((f) =>
    f.kind === 'numeric' ? (i) => (Number.isNaN(columns[f.name][i]) ? '' : String(columns[f.name][i])) : (i) => (columns[f.name][i] === NULL_CODE ? '' : f.values[columns[f.name][i]]),
  );
  const CHUNK = 20_000;
  for (let start = 0; start < rows; start += CHUNK) {
    const lines = [];
    for (let i = start; i < Math.min(rows, start + CHUNK); i++) lines.push(cell.map((c) => c(i)).join(','));
    writeSync(fd, `${lines.join('\n')}\n`);
  }
  closeSync(fd);
}

/** The logged values of a column as the service holds a window: numbers (NaN for null) or strings and nulls. */
const loggedValues = (f, column) => (f.kind === 'numeric' ? column : Array.from(column, (code) => (code === NULL_CODE ? null : f.values[code])));

// ---- Evidently's interpreter ----
function evidentlyPython() {
  const python = join(VENV, 'bin/python');
  const stamp = join(VENV, 'requirements.installed');
  const wanted = readFileSync(REQUIREMENTS, 'utf8');
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return { python };
  console.log('installing Evidently (bench/monitoring-evidently.requirements.txt) from PyPI into .bench/evidently-venv (once)...');
  const step = (command, args) => execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 900_000 });
  try {
    step(process.env.PYTHON ?? 'python3', ['-m', 'venv', '--clear', VENV]);
    step(join(VENV, 'bin/pip'), ['install', '--disable-pip-version-check', '--quiet', '-r', REQUIREMENTS]);
    writeFileSync(stamp, wanted);
    return { python };
  } catch (error) {
    const reason = String(error.stderr ?? '').trim().split('\n').filter(Boolean).pop() ?? error.message;
    return { skipped: `could not be installed: ${reason}` };
  }
}

function runPython(python, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DO_NOT_TRACK: '1' } });
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(Buffer.concat(out).toString()) : reject(new Error(`exited with ${code}: ${Buffer.concat(err).toString().trim().split('\n').slice(-3).join(' | ')}`))));
  });
}

// ---- Ours ----
/**
 * The model under watch, a stand-in: monitoring sees only its inputs and its output, a probability
 * (nulls count as 0). Labels are drawn from it with their own generator, so the features are the
 * same values as without them.
 */
const probability = (columns, i) => {
  const v = (name) => (Number.isNaN(columns[name][i]) ? 0 : columns[name][i]);
  const logit = -1 + 0.8 * v('score') + 0.02 * (v('latency_ms') - 200) + 0.3 * v('items') + (columns.channel[i] === 0 ? 0.2 : 0);
  return rounded(4)(1 / (1 + Math.exp(-logit)));
};
const labelRandom = seededRandom('5150');
const outcomes = (rows, columns) => {
  const predictions = new Float64Array(rows);
  const labels = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    predictions[i] = probability(columns, i);
    labels[i] = labelRandom() < predictions[i] ? 1 : 0;
  }
  return { predictions, labels };
};

/**
 * (a) Training's profile of the reference (features, label, prediction), its wire form, and
 * monitoring's domain ReferenceProfile from it, as ReferenceProfiles.of builds it for a version.
 */
function buildReference(referenceColumns, { predictions, labels }) {
  const columns = FEATURES.map((f) => ({ name: f.name, kind: f.kind, values: Array.from(loggedValues(f, referenceColumns[f.name]), (v) => (Number.isNaN(v) ? null : v)) }));
  const started = performance.now();
  const features = profileFeatures(columns);
  const [label, prediction] = profileFeatures([{ name: 'label', kind: 'numeric', values: Array.from(labels) }, { name: 'probability', kind: 'numeric', values: Array.from(predictions) }]);
  const wire = referenceProfileOf({ rowCount: REFERENCE_ROWS, features, label, prediction }, 'bench');
  const reference = referenceProfileFrom(wire, commonV1.TaskType.TASK_TYPE_BINARY_CLASSIFICATION);
  return { reference, seconds: (performance.now() - started) / 1000 };
}

/**
 * The window as the service hands it to windowReport: one instance per logged prediction with its
 * inputs as read back from PostgreSQL's JSON (numbers, strings, null), its probability and its label
 * (null: not joined yet); one served request per prediction (one instance each, status OK).
 */
function windowInput(reference, columns, { predictions, labels }, labelled) {
  const instances = new Array(CURRENT_ROWS);
  const requests = new Array(CURRENT_ROWS);
  const getters = FEATURES.map((f) => [f.name, f.kind === 'numeric' ? (i) => (Number.isNaN(columns[f.name][i]) ? null : columns[f.name][i]) : (i) => (columns[f.name][i] === NULL_CODE ? null : f.values[columns[f.name][i]])]);
  for (let i = 0; i < CURRENT_ROWS; i++) {
    const inputs = {};
    for (const [name, get] of getters) inputs[name] = get(i);
    instances[i] = { inputs, prediction: predictions[i], label: labelled ? labels[i] : null };
    requests[i] = { latencyMs: 2 + (i % 97) / 10, statusCode: 0 };
  }
  return { reference, instances, requests, durationSeconds: 3600, minSampleSize: MIN_SAMPLE_SIZE };
}

/** (b) What the service computes per window, timed: windowReport (drift of every feature and the prediction, quality, performance, operations). */
function timedWindowReport(input) {
  const started = performance.now();
  const result = windowReport(input);
  return { result, seconds: (performance.now() - started) / 1000 };
}

/** (b') Only the part DataDriftPreset does: featureDrift per column on its non-null values (taken out of the column columnar, as the old bench did). */
function perColumnDrift(reference, window) {
  const columns = [];
  const started = performance.now();
  for (const f of FEATURES) {
    const columnStarted = performance.now();
    const logged = window[f.name];
    let present;
    if (f.kind === 'numeric') {
      present = [];
      for (let i = 0; i < logged.length; i++) if (!Number.isNaN(logged[i])) present.push(logged[i]);
    } else {
      present = logged.filter((v) => v !== null);
    }
    const drift = featureDrift(reference.features.find((r) => r.name === f.name).drift, present, { minCurrentSize: MIN_SAMPLE_SIZE });
    columns.push({ name: f.name, drift, seconds: (performance.now() - columnStarted) / 1000 });
  }
  return { columns, seconds: (performance.now() - started) / 1000 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const s = (seconds) => `${seconds.toFixed(seconds < 10 ? 3 : 1)} s`;
const rate = (rows, seconds) => `${Math.round(rows / seconds).toLocaleString('en-US')} rows/s`;
const score = (x) => (x === undefined ? '' : x.toFixed(4));

// ---- The run ----
let started = performance.now();
const referenceData = generate(REFERENCE_ROWS, 0);
const currentData = generate(CURRENT_ROWS, 1);
const referenceCsv = join(work, 'reference.csv');
const currentCsv = join(work, 'current.csv');
writeCsv(referenceCsv, referenceData, REFERENCE_ROWS);
writeCsv(currentCsv, currentData, CURRENT_ROWS);
console.log(`data: ${REFERENCE_ROWS.toLocaleString('en-US')} reference rows, ${CURRENT_ROWS.toLocaleString('en-US')} current rows, ${FEATURES.length} features (${NUMERIC.length} numeric, ${CATEGORICAL.length} categorical), generated and written as CSV in ${s((performance.now() - started) / 1000)}`);
for (const f of FEATURES) console.log(`  ${f.name.padEnd(12)} ${f.kind.padEnd(12)} ${f.change}`);

const evidently = evidentlyPython();

// Ours: (a) once per model version, (b) once per window.
const referenceOutcomes = outcomes(REFERENCE_ROWS, referenceData);
const currentOutcomes = outcomes(CURRENT_ROWS, currentData);
const built = [];
for (let run = 0; run < RUNS; run++) built.push(buildReference(referenceData, referenceOutcomes));
const { reference } = built[0];
started = performance.now();
const input = windowInput(reference, currentData, currentOutcomes, false);
const inputSeconds = (performance.now() - started) / 1000;
const runs = [];
for (let run = 0; run < RUNS; run++) runs.push(timedWindowReport(input));
const report = runs[0].result;
// The same window with every prediction labelled: performance overall and per slice of each categorical input as well.
for (const [i, instance] of input.instances.entries()) instance.label = currentOutcomes.labels[i];
const labelledRuns = [];
for (let run = 0; run < RUNS; run++) labelledRuns.push(timedWindowReport(input));
input.instances = undefined;
input.requests = undefined;
const window = Object.fromEntries(FEATURES.map((f) => [f.name, loggedValues(f, currentData[f.name])]));
const columnRuns = [];
for (let run = 0; run < RUNS; run++) columnRuns.push(perColumnDrift(reference, window));
const oursPeakMiB = process.resourceUsage().maxRSS / 1024;
const profileSeconds = median(built.map((b) => b.seconds));
const reportSeconds = median(runs.map((r) => r.seconds));
const labelledSeconds = median(labelledRuns.map((r) => r.seconds));
const driftSeconds = median(columnRuns.map((r) => r.seconds));
const sameDrift = columnRuns[0].columns.every((c) => JSON.stringify(c.drift) === JSON.stringify(report.featureDrift.find((d) => d.feature === c.name).drift));
// Ours, per column, as the window report has it: its drift verdict and its quality.
const ours = FEATURES.map((f) => ({ name: f.name, drift: report.featureDrift.find((d) => d.feature === f.name).drift, quality: report.quality.columns.find((q) => q.name === f.name) }));

const runsOf = (list) => `runs: ${list.map((r) => s(r.seconds)).join(', ')}`;
console.log(`\nours (dist/, one Node thread): reference profile of ${REFERENCE_ROWS.toLocaleString('en-US')} rows (a), report over the ${CURRENT_ROWS.toLocaleString('en-US')}-row window (b); medians of ${RUNS} runs`);
console.log(`  (a) profile (features, label, prediction) + monitoring's ReferenceProfile from its wire form: ${s(profileSeconds)} (${runsOf(built)})`);
console.log(`  (b) windowReport, the service's per-window computation (drift of ${FEATURES.length} features + the prediction, quality, performance, operations; labels not joined yet):`);
console.log(`      ${s(reportSeconds)}, ${rate(CURRENT_ROWS, reportSeconds)} (${runsOf(runs)})`);
console.log(`  (b) windowReport with every prediction labelled (+ ROC-AUC etc. overall and per slice of ${CATEGORICAL.length} categorical inputs): ${s(labelledSeconds)} (${runsOf(labelledRuns)})`);
console.log(`  (b') featureDrift alone per column on its non-null values (what DataDriftPreset computes): ${s(driftSeconds)}, ${rate(CURRENT_ROWS, driftSeconds)} × ${FEATURES.length} columns (${runsOf(columnRuns)}); same results as in (b): ${sameDrift ? 'yes' : 'NO'}`);
console.log(`  building the window's ${CURRENT_ROWS.toLocaleString('en-US')} instance objects (not timed in (b); the service reads them from PostgreSQL): ${s(inputSeconds)}`);
const pd = report.predictionDrift?.drift;
const perf = labelledRuns[0].result.performance;
console.log(`  prediction drift: ${pd?.status === 'ok' ? `${pd.method} ${score(pd.score)} ${pd.drifted ? 'DRIFTED' : 'not drifted'}` : pd?.reason}; drift share ${report.driftShare?.toFixed(2)}, dataset drift ${report.datasetDrift}; performance (labelled run): ${perf.status === 'ok' ? `${Object.entries(perf.metrics).slice(0, 4).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}, ${perf.slices.length} slices` : perf.reason}`);
console.log(`  peak RSS of this process so far (both data sets, their CSV, the window's instances, profile, reports): ${oursPeakMiB.toFixed(0)} MiB`);
for (const c of ours) {
  const f = FEATURES.find((x) => x.name === c.name);
  const d = c.drift;
  const q = c.quality;
  const verdict = d.status === 'ok' ? `${d.method.padEnd(14)} ${score(d.score)} ${d.drifted ? '≥' : '<'} ${d.threshold}  ${d.drifted ? 'DRIFTED' : 'not drifted'}` : `insufficient data: ${d.reason}`;
  const seconds = median(columnRuns.map((r) => r.columns.find((x) => x.name === c.name).seconds));
  console.log(
    `  ${c.name.padEnd(12)} ${verdict.padEnd(48)} nulls ${(q.nullRate * 100).toFixed(2)}%  out of range ${q.outOfRange}  ${f.kind === 'categorical' ? `unseen ${q.unseen ?? 'n/a (long tail)'}  ` : ''}type violations ${q.typeViolations}  drift ${(seconds * 1000).toFixed(0)} ms`,
  );
}

let theirs;
if (evidently.skipped) {
  console.log(`\nEvidently: skipped, ${evidently.skipped}`);
} else {
  console.log(`\nEvidently (Python, DataDriftPreset, default methods, on the raw ${REFERENCE_ROWS.toLocaleString('en-US')}-row reference; ${RUNS} runs, one process each):`);
  const results = [];
  for (let run = 0; run < RUNS; run++) {
    try {
      results.push(JSON.parse(await runPython(evidently.python, [join(root, 'bench/monitoring_evidently.py'), referenceCsv, currentCsv, '--numerical', NUMERIC.join(','), '--categorical', CATEGORICAL.join(',')])));
    } catch (error) {
      console.log(`  run ${run + 1} failed: ${error.message}`);
      break;
    }
  }
  if (results.length === 0) {
    console.log('  skipped: no run completed');
  } else {
    theirs = results[0];
    theirs.reportSeconds = median(results.map((r) => r.seconds.report));
    theirs.valueDriftSeconds = median(results.map((r) => r.seconds.valueDrift));
    console.log(`  evidently ${theirs.evidently}, pandas ${theirs.pandas}; import ${s(theirs.seconds.import)}, CSV read (pyarrow) ${s(median(results.map((r) => r.seconds.read)))}, peak RSS ${Math.max(...results.map((r) => r.peakRssMiB)).toFixed(0)} MiB`);
    console.log(`  report, DataDriftPreset: ${s(theirs.reportSeconds)}, ${rate(CURRENT_ROWS, theirs.reportSeconds)} × ${FEATURES.length} columns (runs: ${results.map((r) => s(r.seconds.report)).join(', ')})`);
    console.log(
      `  report, one ValueDrift per column (the preset without DriftedColumnsCount, which computes each column's drift twice more): ${s(theirs.valueDriftSeconds)}` +
        ` (runs: ${results.map((r) => s(r.seconds.valueDrift)).join(', ')}); same scores as the preset: ${results.every((r) => r.valueDriftSameScores) ? 'yes' : 'NO'}`,
    );
    for (const f of FEATURES) {
      const c = theirs.columns[f.name];
      console.log(`  ${f.name.padEnd(12)} ${c ? `${c.method.padEnd(14)} ${score(c.score)} ${c.drifted ? '≥' : '<'} ${c.threshold}  ${c.drifted ? 'DRIFTED' : 'not drifted'}` : 'not in the report'}`);
    }
    // Same data on both sides: non-null counts, sums of numbers, distinct categories.
    const mismatches = [];
    for (const [side, data, rows] of [['reference', referenceData, REFERENCE_ROWS], ['current', currentData, CURRENT_ROWS]]) {
      for (const f of FEATURES) {
        const col = data[f.name];
        const them = theirs.check[side][f.name];
        let present = 0;
        let sum = 0;
        const distinct = new Set();
        for (let i = 0; i < rows; i++) {
          if (f.kind === 'numeric' ? Number.isNaN(col[i]) : col[i] === NULL_CODE) continue;
          present++;
          if (f.kind === 'numeric') sum += col[i];
          else distinct.add(col[i]);
        }
        if (present !== them.present) mismatches.push(`${side} ${f.name}: ${present} vs ${them.present} values`);
        if (f.kind === 'numeric' && Math.abs(sum - them.sum) > 1e-9 * Math.max(1, Math.abs(sum))) mismatches.push(`${side} ${f.name}: sum ${sum} vs ${them.sum}`);
        if (f.kind === 'categorical' && distinct.size !== them.distinct) mismatches.push(`${side} ${f.name}: ${distinct.size} vs ${them.distinct} categories`);
      }
    }
    console.log(`  same data on both sides (non-null counts, sums, distinct categories): ${mismatches.length === 0 ? 'yes' : `NO: ${mismatches.join('; ')}`}`);
  }
}

// ---- Side by side ----
const describe = (d) => (d ? `${d.method} ${score(d.score)}${d.drifted ? ' drifted' : ''}` : '');
console.log(`\nPer column, ours vs Evidently (distances; drift when ≥ 0.1):`);
console.table(
  FEATURES.map((f) => {
    const o = ours.find((c) => c.name === f.name).drift;
    const e = theirs?.columns[f.name];
    const ok = o.status === 'ok' ? o : undefined;
    return {
      column: f.name,
      kind: f.kind,
      ours: ok ? describe(ok) : 'insufficient data',
      Evidently: e ? describe(e) : 'n/a',
      'Δ score': ok && e ? (ok.score - e.score).toFixed(4) : '',
      agree: !e ? '' : !ok || ok.method !== e.method ? 'METHOD DIFFERS' : ok.drifted !== e.drifted ? 'VERDICT DIFFERS' : 'yes',
    };
  }),
);
const differing = theirs ? FEATURES.filter((f) => {
  const o = ours.find((c) => c.name === f.name).drift;
  const e = theirs.columns[f.name];
  return e && (o.status !== 'ok' || o.method !== e.method || o.drifted !== e.drifted);
}) : [];
if (differing.length > 0) console.log(`*** THE VERDICT OR METHOD DIFFERS FROM EVIDENTLY'S FOR: ${differing.map((f) => f.name).join(', ')} ***`);
else if (theirs) console.log('every column: same method and same drifted / not-drifted verdict as Evidently.');

console.log(`\nTimes (median of ${RUNS}; ours one Node thread, Evidently one Python process; this machine has 2 cores):`);
const vs = (theirSeconds, ourSeconds) => (theirs ? `${(theirSeconds / ourSeconds).toFixed(1)}×` : '');
console.table([
  { step: 'reference profile (a), once per model version', ours: s(profileSeconds), Evidently: 'none (it reads the raw reference each report)', 'speed-up': '' },
  { step: `windowReport over ${CURRENT_ROWS.toLocaleString('en-US')} rows × ${FEATURES.length} (b), the service's per-window work`, ours: s(reportSeconds), Evidently: theirs ? s(theirs.reportSeconds) : 'n/a', 'speed-up': vs(theirs?.reportSeconds, reportSeconds) },
  { step: '(a) + (b)', ours: s(profileSeconds + reportSeconds), Evidently: theirs ? s(theirs.reportSeconds) : 'n/a', 'speed-up': vs(theirs?.reportSeconds, profileSeconds + reportSeconds) },
  { step: '(b) with every prediction labelled (performance and slices too)', ours: s(labelledSeconds), Evidently: theirs ? `${s(theirs.reportSeconds)} (drift only)` : 'n/a', 'speed-up': vs(theirs?.reportSeconds, labelledSeconds) },
  { step: "(b') featureDrift alone vs Evidently with one ValueDrift per column", ours: s(driftSeconds), Evidently: theirs ? s(theirs.valueDriftSeconds) : 'n/a', 'speed-up': vs(theirs?.valueDriftSeconds, driftSeconds) },
]);
console.log(
  [
    `Evidently takes the raw ${REFERENCE_ROWS.toLocaleString('en-US')}-row reference; we take training's profile of it: a ${SAMPLE_SIZE}-value uniform reservoir (Wasserstein, and the`,
    'counts of numbers with ≤ 5 distinct values), 20 fixed-width histogram bins, and the top 100 categories with the rest counted as one "other".',
    'So scores differ slightly: Wasserstein against 5,000 values instead of 100,000 carries their sampling noise (it adds a little distance);',
    'Evidently counts distinct values on reference + current (we: on the reservoir) and, for a categorical column, every category, where',
    'we fold the categories past the top 100 (and new ones) into "other". Evidently\'s report time includes Dataset.from_pandas and the',
    'distributions it keeps for its plots, not the CSV read. Ours (b) is windowReport, which does more than DataDriftPreset: prediction drift,',
    'data quality, operations (latency percentiles) and performance when labels are joined; (b\') is its drift part alone.',
  ].join('\n'),
);

import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { type ExternalTrainerSpec, outputOf, type PipelineSpec, taskOf } from '../domain/pipeline/spec';
import { type SplitIndices } from '../domain/pipeline/split';
import { type Dataset } from '../domain/pipeline/table';

/** The external trainer ran but failed: non-zero exit, or missing or invalid outputs. The log says why. */
export class TrainerError extends Error {
  override name = 'TrainerError';
  constructor(message: string, readonly kind: 'timeout' | 'trainer', readonly log: Buffer) {
    super(message);
  }
}

export interface ExternalResult {
  modelBytes: Uint8Array;
  metrics: Record<string, number>;
  log: Buffer;
}

const LOG_LIMIT = 4 * 1024 * 1024;

/**
 * The external-trainer contract. In its working directory the command finds `config.json` (features,
 * label, task, output name, hyperparameters, seed, file names) and `train.jsonl`, `validation.jsonl`,
 * `test.jsonl` (one object per row: the features and `label`, 0/1 or the number to regress). It
 * writes `output/model.onnx` (one input per feature, named as the feature; one float output named
 * by config.output) and `output/metrics.json` (an object of metric name → number), exits 0, and is
 * killed at its timeout.
 * It runs in its spec's working_dir when given, else in that directory; every path in config.json
 * is absolute, and MLOPS_CONFIG and MLOPS_OUTPUT_DIR name the config and the output directory.
 */
export async function runExternalTrainer(
  trainer: ExternalTrainerSpec,
  spec: PipelineSpec,
  dataset: Dataset,
  parts: SplitIndices,
  workDir: string,
  signal: AbortSignal,
): Promise<ExternalResult> {
  const dir = resolve(workDir);
  const output = join(dir, 'output');
  await rm(dir, { recursive: true, force: true });
  await mkdir(output, { recursive: true });
  // Absolute paths: the command may run elsewhere (its working_dir).
  const files = { train: join(dir, 'train.jsonl'), validation: join(dir, 'validation.jsonl'), test: join(dir, 'test.jsonl') };
  for (const [part, file] of Object.entries(files)) await writeRows(file, dataset, parts[part as keyof SplitIndices]);
  const config = {
    features: dataset.features.map((f) => ({ name: f.name, kind: f.kind })),
    label: 'label',
    task: taskOf(spec) === 'regression' ? 'regression' : 'binary_classification',
    // What the platform reads from model.onnx: one input per feature, named as the feature, and this output.
    output: outputOf(spec),
    hyperparameters: spec.hyperparameters,
    seed: spec.seed,
    files,
    output_dir: output,
  };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 2));

  const [command, ...args] = trainer.command;
  const child = spawn(command, args, {
    cwd: trainer.workingDir ? resolve(trainer.workingDir) : dir,
    env: { ...process.env, ...trainer.env, MLOPS_CONFIG: join(dir, 'config.json'), MLOPS_OUTPUT_DIR: output },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a timeout or a cancel kills whatever it started too.
    detached: true,
  });
  const chunks: Buffer[] = [];
  let logged = 0;
  const collect = (chunk: Buffer) => {
    if (logged < LOG_LIMIT) chunks.push(chunk.subarray(0, LOG_LIMIT - logged));
    logged += chunk.length;
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const kill = () => {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, trainer.timeoutMs);
  signal.addEventListener('abort', kill);
  const exited = once(child, 'close') as Promise<[number | null, string | null]>;
  const spawnFailed = once(child, 'error').then(([error]) => [null, `cannot start: ${(error as Error).message}`] as [null, string]);
  const [code, how] = await Promise.race([exited, spawnFailed]);
  clearTimeout(timer);
  signal.removeEventListener('abort', kill);
  const log = Buffer.concat(chunks);
  if (signal.aborted) throw signal.reason;
  const tail = log.toString('utf8').trim().split('\n').slice(-3).join(' | ');
  if (timedOut) throw new TrainerError(`the trainer exceeded its timeout of ${trainer.timeoutMs} ms and was killed`, 'timeout', log);
  if (code !== 0) throw new TrainerError(`the trainer ${code === null ? `failed (${how})` : `exited with code ${code}`}${tail ? `: ${tail}` : ''}`, 'trainer', log);

  const modelBytes = await readFile(join(output, 'model.onnx')).catch(() => undefined);
  if (!modelBytes || modelBytes.length === 0) throw new TrainerError('the trainer exited 0 but wrote no output/model.onnx', 'trainer', log);
  let metrics: unknown;
  try {
    metrics = JSON.parse(await readFile(join(output, 'metrics.json'), 'utf8'));
  } catch (error) {
    throw new TrainerError(`output/metrics.json is missing or not JSON: ${(error as Error).message}`, 'trainer', log);
  }
  const entries = metrics && typeof metrics === 'object' && !Array.isArray(metrics) ? Object.entries(metrics) : undefined;
  if (!entries || entries.some(([, v]) => typeof v !== 'number' || !Number.isFinite(v))) throw new TrainerError('output/metrics.json must be an object of metric name → finite number', 'trainer', log);
  return { modelBytes: new Uint8Array(modelBytes), metrics: Object.fromEntries(entries), log };
}

async function writeRows(path: string, dataset: Dataset, rows: Uint32Array): Promise<void> {
  const out = createWriteStream(path);
  for (const i of rows) {
    const row: Record<string, unknown> = {};
    for (const f of dataset.features) row[f.name] = f.values[i];
    row.label = dataset.labels[i];
    if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

import { Inject, Injectable } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { uuidv7 } from 'uuidv7';
import { ARTIFACT_STORE, ArtifactMismatchError, type ArtifactStore, ArtifactTooLargeError, InvalidDigestError, type PutResult } from '@mlops/artifacts';
import { RpcError } from '@mlops/grpc';
import { type TransactionRunner } from '@mlops/persistence';
import { SERVICE_CONFIG, TRANSACTION_RUNNER } from '@mlops/platform';
import { type TrainingConfig } from '../config';
import { compareRuns, type ComparisonRow } from '../domain/run-comparison';
import { parseFilter, parseOrdering, SearchSyntaxError } from '../domain/run-search';
import { type ArtifactRecord, type ExperimentRecord, type MetricRecord, type RunRecord, type RunStatus, TrackingRepository } from './tracking.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_KEY = 250;
const MAX_PARAMS_PER_CALL = 100;
const MAX_METRICS_PER_CALL = 1_000;
const ENDED: RunStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export interface LoggedValues {
  params?: Record<string, string>;
  metrics?: MetricRecord[];
  tags?: Record<string, string>;
}

/**
 * Experiment tracking (MLflow's model): experiments group runs; a run logs params (each once),
 * metrics by step and time, and tags while it is running, then ends. Every log to a run happens
 * under the run's row lock, so concurrent loggers never interleave a batch.
 */
@Injectable()
export class TrackingService {
  private readonly maxArtifactBytes: number;

  constructor(
    private readonly repository: TrackingRepository,
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
    @Inject(SERVICE_CONFIG) config: TrainingConfig,
  ) {
    this.maxArtifactBytes = config.ARTIFACT_MAX_BYTES;
  }

  async createExperiment(name: string, description: string, tags: Record<string, string>, actor: string): Promise<ExperimentRecord> {
    if (!name.trim() || name.length > MAX_KEY) throw RpcError.invalidArgument('an experiment needs a name of 1 to 250 characters', [{ field: 'name', description: 'non-empty, at most 250 characters' }]);
    const created = await this.repository.createExperiment({ experimentId: uuidv7(), name, description, tags, createdBy: actor });
    if (!created) throw new RpcError(status.ALREADY_EXISTS, `experiment "${name}" already exists`, [{ field: 'name', description: 'choose another name, or use the existing experiment' }], 'EXPERIMENT_EXISTS');
    return created;
  }

  async experiment(by: { id: string } | { name: string }): Promise<ExperimentRecord> {
    const found = 'id' in by && !UUID.test(by.id) ? undefined : await this.repository.experiment(by);
    if (!found) throw RpcError.notFound(`experiment ${'id' in by ? by.id : `"${by.name}"`} not found`);
    return found;
  }

  experiments(nameContains: string, offset: number, limit: number): Promise<ExperimentRecord[]> {
    return this.repository.experiments(nameContains, offset, limit);
  }

  async createRun(experimentId: string, fields: Pick<RunRecord, 'name' | 'tags' | 'startTime' | 'environment' | 'codeVersion' | 'dataVersion' | 'seed'>, actor: string): Promise<RunRecord> {
    await this.experiment({ id: experimentId });
    const runId = uuidv7();
    await this.transaction((tx) =>
      this.repository.createRun(tx, { ...fields, runId, experimentId, name: fields.name || `run-${runId.slice(-8)}`, status: 'RUNNING', startedBy: actor, startTime: fields.startTime ?? new Date() }),
    );
    return this.run(runId);
  }

  async run(runId: string): Promise<RunRecord> {
    const [found] = UUID.test(runId) ? await this.repository.runs([runId]) : [];
    if (!found) throw RpcError.notFound(`run ${runId} not found`);
    return found;
  }

  async log(runId: string, values: LoggedValues): Promise<void> {
    const params = values.params ?? {};
    const metrics = values.metrics ?? [];
    checkKeys('params', Object.keys(params), MAX_PARAMS_PER_CALL);
    checkKeys('metrics', metrics.map((m) => m.key), MAX_METRICS_PER_CALL);
    checkKeys('tags', Object.keys(values.tags ?? {}), MAX_PARAMS_PER_CALL);
    metrics.forEach((m, i) => {
      if (m.value === Number.POSITIVE_INFINITY || m.value === Number.NEGATIVE_INFINITY) {
        throw RpcError.invalidArgument(`metric "${m.key}" is infinite`, [{ field: `metrics[${i}].value`, description: 'a finite number, or NaN where the metric is undefined' }]);
      }
    });
    await this.transaction(async (tx) => {
      await this.open(tx, runId);
      const clashes = await this.repository.addParams(tx, runId, params);
      if (clashes.length > 0) {
        throw RpcError.invalidArgument(`param(s) ${clashes.join(', ')} of run ${runId} were logged with other values; a param is logged once`, clashes.map((key) => ({ field: `params.${key}`, description: 'already logged with another value' })));
      }
      await this.repository.addMetrics(tx, runId, metrics);
      if (values.tags && Object.keys(values.tags).length > 0) await this.repository.setTags(tx, runId, values.tags, []);
    });
  }

  async setTags(runId: string, tags: Record<string, string>, deleteKeys: string[]): Promise<Record<string, string>> {
    checkKeys('tags', Object.keys(tags), MAX_PARAMS_PER_CALL);
    return this.transaction(async (tx) => {
      // Tags describe a run, and may change after it ended.
      if (!(await this.repository.lockRun(tx, runId))) throw RpcError.notFound(`run ${runId} not found`);
      return this.repository.setTags(tx, runId, tags, deleteKeys);
    });
  }

  async end(runId: string, outcome: RunStatus, endTime: Date, failureMessage: string): Promise<RunRecord> {
    if (!ENDED.includes(outcome)) throw RpcError.invalidArgument(`a run ends SUCCEEDED, FAILED or CANCELLED, not ${outcome}`, [{ field: 'status', description: ENDED.join(', ') }]);
    await this.transaction(async (tx) => {
      await this.open(tx, runId);
      await this.repository.end(tx, runId, outcome, endTime, failureMessage);
    });
    return this.run(runId);
  }

  /**
   * Stores an artifact's content (content-addressed, checked against the declared size and digest)
   * and records it at its path in the run. A path holds one content: the same content again is a
   * no-op, other content is ALREADY_EXISTS.
   */
  async logArtifact(runId: string, path: string, mediaType: string, declared: { sizeBytes: number; digest: string }, chunks: AsyncIterable<Uint8Array>): Promise<ArtifactRecord> {
    if (!path || path.length > 500 || path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '')) {
      throw RpcError.invalidArgument(`"${path}" is not an artifact path`, [{ field: 'header.path', description: 'a relative path such as model/model.onnx, without ".." or empty parts' }]);
    }
    if (declared.sizeBytes > this.maxArtifactBytes) throw new RpcError(status.RESOURCE_EXHAUSTED, `the artifact is ${declared.sizeBytes} bytes; at most ${this.maxArtifactBytes}`, [{ field: 'header.size_bytes', description: `at most ${this.maxArtifactBytes}` }], 'ARTIFACT_TOO_LARGE');
    if ((await this.run(runId)).status !== 'RUNNING') throw new RpcError(status.FAILED_PRECONDITION, `run ${runId} is not running; only a running run takes artifacts`, [{ field: 'header.run_id', description: 'a RUNNING run' }], 'RUN_NOT_RUNNING');
    let stored: PutResult;
    try {
      stored = await this.artifacts.put(chunks, {
        expectedSizeBytes: declared.sizeBytes > 0 ? declared.sizeBytes : undefined,
        expectedDigest: declared.digest || undefined,
        maxBytes: this.maxArtifactBytes,
        mediaType: mediaType || undefined,
      });
    } catch (error) {
      throw refusalOf(error);
    }
    const artifact: ArtifactRecord = { path, digest: stored.digest, sizeBytes: stored.sizeBytes, mediaType: mediaType || 'application/octet-stream', uri: stored.uri };
    await this.transaction(async (tx) => {
      await this.open(tx, runId);
      const other = await this.repository.addArtifact(tx, runId, artifact);
      if (other) throw new RpcError(status.ALREADY_EXISTS, `run ${runId} already has other content at "${path}" (${other})`, [{ field: 'header.path', description: 'artifacts are immutable; log to another path' }], 'ARTIFACT_PATH_TAKEN');
    });
    return artifact;
  }

  async metricHistory(runId: string, key: string, offset: number, limit: number): Promise<MetricRecord[]> {
    await this.run(runId);
    return this.repository.metricHistory(runId, key, offset, limit);
  }

  async search(experimentIds: string[], filter: string, orderBy: string[], offset: number, limit: number): Promise<RunRecord[]> {
    const bad = experimentIds.findIndex((id) => !UUID.test(id));
    if (bad >= 0) throw RpcError.invalidArgument(`"${experimentIds[bad]}" is not an experiment id`, [{ field: `experiment_ids[${bad}]`, description: 'an id from CreateExperiment' }]);
    try {
      const ids = await this.repository.search(experimentIds, parseFilter(filter), parseOrdering(orderBy), offset, limit);
      return await this.repository.runs(ids);
    } catch (error) {
      if (error instanceof SearchSyntaxError) throw RpcError.invalidArgument(error.message, [{ field: error.field, description: error.message }]);
      throw error;
    }
  }

  async compare(runIds: string[], metricKeys: string[], paramKeys: string[]): Promise<ComparisonRow[]> {
    if (runIds.length < 2) throw RpcError.invalidArgument('compare at least two runs', [{ field: 'run_ids', description: 'two or more run ids' }]);
    const runs = await Promise.all(runIds.map((id) => this.run(id)));
    return compareRuns(
      runs.map((r) => ({ runId: r.runId, params: r.params, metrics: Object.fromEntries(r.metrics.map((m) => [m.key, m.value])), tags: r.tags })),
      metricKeys,
      paramKeys,
    );
  }

  private async open(tx: Parameters<Parameters<TransactionRunner>[0]>[0], runId: string): Promise<void> {
    const state = UUID.test(runId) ? await this.repository.lockRun(tx, runId) : undefined;
    if (!state) throw RpcError.notFound(`run ${runId} not found`);
    if (state !== 'RUNNING') throw new RpcError(status.FAILED_PRECONDITION, `run ${runId} is ${state}; only a running run takes logs`, [{ field: 'run_id', description: 'a RUNNING run' }], 'RUN_NOT_RUNNING');
  }
}

/** The gRPC status for an artifact the store refused (nothing was stored); other errors as they are. */
function refusalOf(error: unknown): unknown {
  if (error instanceof ArtifactTooLargeError) return new RpcError(status.RESOURCE_EXHAUSTED, error.message, [{ field: 'chunk', description: `at most ${error.maxBytes} bytes in all` }], 'ARTIFACT_TOO_LARGE');
  if (error instanceof InvalidDigestError) return RpcError.invalidArgument(error.message, [{ field: 'header.expected_digest', description: 'sha256: and 64 lowercase hex digits, or empty' }]);
  if (error instanceof ArtifactMismatchError && error.which === 'size') return RpcError.invalidArgument(error.message, [{ field: 'header.size_bytes', description: 'the content has another size' }]);
  if (error instanceof ArtifactMismatchError) return RpcError.invalidArgument(error.message, [{ field: 'header.expected_digest', description: 'the content was corrupted on the way, or the digest is wrong' }]);
  return error;
}

function checkKeys(field: string, keys: string[], max: number): void {
  if (keys.length > max) throw new RpcError(status.RESOURCE_EXHAUSTED, `${keys.length} ${field} in one call; at most ${max}`, [{ field, description: `at most ${max} per call` }], 'TOO_MANY_VALUES');
  const bad = keys.find((k) => k.trim() === '' || k.length > MAX_KEY);
  if (bad !== undefined) throw RpcError.invalidArgument(`${field} keys must be 1 to ${MAX_KEY} characters`, [{ field: `${field}.${bad.slice(0, 40)}`, description: `1 to ${MAX_KEY} characters` }]);
}

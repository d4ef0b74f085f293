import { Inject, Injectable } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { InferenceSession } from 'onnxruntime-node';
import { ARTIFACT_STORE, type ArtifactStore } from '@mlops/artifacts';
import { LOGGER, SERVICE_CONFIG } from '@mlops/platform';
import { type Logger } from '@mlops/telemetry';
import { type ServingConfig } from '../config';
import { type ServableVersion, versionKey } from '../domain/servable-version';
import { LoadedModel } from './loaded-model';
import { warmUpFeeds } from './warm-up';

export type LoadState = 'loading' | 'ready' | 'failed' | 'draining';

export interface LoadStatus {
  state: LoadState;
  digest: string;
  error?: string;
  loadedAt?: Date;
}

/** The version could not be made ready: unreadable or corrupted artifact, or a graph that does not run. */
export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

const meter = metrics.getMeter('serving');
const loadSeconds = meter.createHistogram('serving.model.load.duration', { description: 'Time to read, verify, open and warm up a model version', unit: 's' });

/**
 * The model versions open in this replica. A version is loaded once however many deployments and
 * arms use it, warmed before anyone routes to it, and drained before it is released.
 */
@Injectable()
export class ModelPool {
  private readonly ready = new Map<string, LoadedModel>();
  private readonly loading = new Map<string, Promise<LoadedModel>>();
  private readonly status = new Map<string, LoadStatus>();
  /** Versions loaded ahead of a deployment change that is not live yet: never unloaded meanwhile. */
  private readonly held = new Map<string, number>();

  constructor(
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
    @Inject(SERVICE_CONFIG) private readonly config: ServingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    meter.createObservableGauge('serving.models.loaded', { description: 'Model versions open in this replica' }).addCallback((gauge) => gauge.observe(this.ready.size));
  }

  /** The ready model, loading and warming it first if needed; concurrent callers share one load. */
  async ensure(servable: ServableVersion): Promise<LoadedModel> {
    const key = versionKey(servable.modelName, servable.version);
    const ready = this.ready.get(key);
    if (ready) return ready;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(key, servable).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  get(modelName: string, version: number): LoadedModel | undefined {
    return this.ready.get(versionKey(modelName, version));
  }

  statusOf(modelName: string, version: number): LoadStatus | undefined {
    return this.status.get(versionKey(modelName, version));
  }

  /** Loads the versions and keeps them loaded while `work` runs (a deployment change being stored and activated). */
  async holding<T>(servables: readonly ServableVersion[], work: () => Promise<T>): Promise<T> {
    const keys = servables.map((s) => versionKey(s.modelName, s.version));
    for (const key of keys) this.held.set(key, (this.held.get(key) ?? 0) + 1);
    try {
      await Promise.all(servables.map((s) => this.ensure(s)));
      return await work();
    } finally {
      for (const key of keys) {
        const left = (this.held.get(key) ?? 1) - 1;
        if (left === 0) this.held.delete(key);
        else this.held.set(key, left);
      }
    }
  }

  /** Drains and releases every version not in `keep`. Runs in the background; requests already holding a version finish on it. */
  retainOnly(keep: ReadonlySet<string>): void {
    for (const [key, model] of this.ready) {
      if (keep.has(key) || this.held.has(key)) continue;
      this.ready.delete(key);
      this.status.set(key, { state: 'draining', digest: model.servable.artifactDigest, loadedAt: model.loadedAt });
      void model.unload(this.config.SERVING_DRAIN_TIMEOUT_MS).then(
        ({ forced }) => {
          if (this.status.get(key)?.state === 'draining') this.status.delete(key);
          this.logger.info({ model: model.servable.modelName, version: model.servable.version, forced }, 'model version unloaded');
        },
        (error: unknown) => this.logger.error({ err: error, key }, 'releasing a model version failed'),
      );
    }
  }

  async releaseAll(): Promise<void> {
    const models = [...this.ready.values()];
    this.ready.clear();
    await Promise.all(models.map((m) => m.unload(this.config.SERVING_DRAIN_TIMEOUT_MS)));
  }

  private async load(key: string, servable: ServableVersion): Promise<LoadedModel> {
    const started = performance.now();
    const log = this.logger.child({ model: servable.modelName, version: servable.version, digest: servable.artifactDigest });
    this.status.set(key, { state: 'loading', digest: servable.artifactDigest });
    try {
      // readAll verifies the bytes against the digest: a corrupted artifact never reaches onnxruntime.
      const bytes = await this.artifacts.readAll(servable.artifactDigest);
      const session = await this.open(bytes);
      const missing = servable.signature.inputs.map((i) => i.name).filter((name) => !session.inputNames.includes(name));
      if (missing.length > 0) throw new ModelLoadError(`the graph has no input ${missing.join(', ')} that the signature declares`);
      const feeds = warmUpFeeds(servable.signature);
      const warming = new LoadedModel(servable, session, new Date());
      try {
        for (let i = 0; i < this.config.SERVING_WARMUP_RUNS; i++) await warming.run(feeds, warming.outputNames);
      } catch (error) {
        await session.release();
        throw new ModelLoadError(`the model fails on a warm-up input shaped by its signature: ${(error as Error).message}`);
      }
      const model = new LoadedModel(servable, session, new Date());
      this.ready.set(key, model);
      this.status.set(key, { state: 'ready', digest: servable.artifactDigest, loadedAt: model.loadedAt });
      const seconds = (performance.now() - started) / 1000;
      loadSeconds.record(seconds, { model: servable.modelName });
      log.info({ seconds: Number(seconds.toFixed(3)) }, 'model version loaded and warmed');
      return model;
    } catch (error) {
      const message = error instanceof ModelLoadError ? error.message : `loading the artifact failed: ${(error as Error).message}`;
      this.status.set(key, { state: 'failed', digest: servable.artifactDigest, error: message });
      log.error({ err: error }, 'model version failed to load');
      throw new ModelLoadError(`model ${servable.modelName} version ${servable.version}: ${message}`);
    }
  }

  private async open(bytes: Uint8Array): Promise<InferenceSession> {
    try {
      const threads = this.config.SERVING_INTRA_OP_THREADS;
      return await InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
    } catch (error) {
      throw new ModelLoadError(`the artifact does not load in onnxruntime: ${(error as Error).message.split('\n')[0]}`);
    }
  }
}

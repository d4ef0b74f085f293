import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { metrics } from '@opentelemetry/api';
import { type CallContext, RpcError } from '@mlops/grpc';
import { LOGGER, SERVICE_CONFIG } from '@mlops/platform';
import { type commonV1 } from '@mlops/proto';
import { type Logger } from '@mlops/telemetry';
import { type ServingConfig } from '../config';
import { Admission, AdmissionRefused } from '../domain/admission';
import { type ArmName } from '../domain/deployment';
import { armsOf, chooseArm, isLogged, mirrorsToShadow } from '../domain/deployments';
import { InvalidInputError } from '../domain/signature';
import { type FeedTensor, type InstanceOutput } from '../domain/tensors';
import { type LiveDeployment, LiveDeployments } from '../deployments/live-deployments';
import { PredictionLog } from '../prediction-log/prediction-log';
import { loggedInstances } from '../prediction-log/logged-instances';
import { type LoadedModel } from '../runtime/loaded-model';
import { TrafficStats } from './traffic-stats';

/** What a request asks to be served by. */
export interface Target {
  modelName: string;
  /** A pinned version (bypasses routing). */
  version?: number;
  /** Must name the deployment's alias when given. */
  alias?: string;
  /** Sticky A/B and canary assignment key. */
  routingKey?: string;
  protocol: 'predict' | 'oip';
}

/** The version a request was routed to. */
export interface Route {
  live: LiveDeployment;
  arm: ArmName | 'pinned';
  model: LoadedModel;
}

/** One inference's result plus what the prediction log needs, computed only if the request is logged. */
export interface Inferred<R> {
  result: R;
  feeds: Record<string, FeedTensor>;
  outputs: () => ReadonlyArray<Readonly<Record<string, InstanceOutput>>>;
  /** Each instance's entity key, logged so labels can be joined by entity and time. */
  entityKeys?: ReadonlyArray<commonV1.EntityKey | undefined>;
}

/** The steps of one request: a check of the request itself, preparation shared with the shadow, inference per version. */
export interface Steps<P, R> {
  /** Throws for a request no version could serve (an empty or oversized batch). */
  check?: () => void;
  prepare: (route: Route) => Promise<P>;
  infer: (model: LoadedModel, prepared: P) => Promise<Inferred<R>>;
}

export interface Served<R> {
  result: R;
  route: Route;
  requestId: string;
}

const meter = metrics.getMeter('serving');
const requests = meter.createCounter('serving.requests', { description: 'Prediction requests by model, version, arm, protocol and gRPC status code' });
const duration = meter.createHistogram('serving.request.duration', {
  description: 'Server-side prediction latency by model, version, arm and protocol', unit: 's',
  advice: { explicitBucketBoundaries: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] },
});
const refused = meter.createCounter('serving.admission.refused', { description: 'Requests refused before running: queue_full (RESOURCE_EXHAUSTED) or abandoned while queued' });
const shadowSkipped = meter.createCounter('serving.shadow.skipped', { description: 'Shadow copies not run because the shadow queue was full' });

const abortCode = (ctx: CallContext): status => (ctx.deadline && ctx.deadline.getTime() <= Date.now() ? status.DEADLINE_EXCEEDED : status.CANCELLED);

/** Errors below are the client's or the model's; anything else is a bug and stays INTERNAL. */
function asRpcError(error: unknown, ctx: CallContext): unknown {
  if (error instanceof InvalidInputError) return RpcError.invalidArgument(error.message, error.violations);
  if (error instanceof AdmissionRefused) {
    if (error.reason === 'queue_full') return new RpcError(status.RESOURCE_EXHAUSTED, error.message, [], 'OVERLOADED');
    return new RpcError(abortCode(ctx), error.message);
  }
  return error;
}

/** Shadow copies have no caller whose deadline could pass. */
const SHADOW_CONTEXT = { signal: new AbortController().signal } as CallContext;

const codeOf = (error: unknown): status => (error instanceof RpcError ? error.code : status.INTERNAL);

/**
 * The hot path shared by Predict and the Open Inference Protocol: route to an arm, admit under a
 * bounded queue, prepare (enrichment), infer, then account for it off the response's path: metrics,
 * the canary guard's statistics, the prediction log and the shadow copy.
 */
@Injectable()
export class Predictor {
  private readonly admission: Admission;
  /** Shadow copies wait in a queue of their own: they never take a place from a caller's request. */
  private readonly shadowAdmission: Admission;

  constructor(
    private readonly live: LiveDeployments,
    private readonly stats: TrafficStats,
    private readonly log: PredictionLog,
    @Inject(SERVICE_CONFIG) private readonly config: ServingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.admission = new Admission(config.SERVING_MAX_CONCURRENCY, config.SERVING_MAX_QUEUE);
    // Inference shares the event loop with callers: a few shadow copies at a time, the rest wait their turn.
    this.shadowAdmission = new Admission(Math.max(1, Math.floor(config.SERVING_MAX_CONCURRENCY / 8)), config.SERVING_MAX_QUEUE);
    meter.createObservableGauge('serving.admission.queued', { description: 'Requests waiting for a slot' }).addCallback((gauge) => gauge.observe(this.admission.queued));
    meter.createObservableGauge('serving.admission.running', { description: 'Requests being worked on (enrichment and inference)' }).addCallback((gauge) => gauge.observe(this.admission.running));
  }

  get maxBatch(): number {
    return this.config.SERVING_MAX_BATCH;
  }

  /** The deployment of a model, or NOT_FOUND naming it. */
  deployment(modelName: string): LiveDeployment {
    const live = this.live.get(modelName);
    if (!live) throw new RpcError(status.NOT_FOUND, `model "${modelName}" is not deployed on this server`, [{ field: 'model_name', description: 'no deployment' }], 'MODEL_NOT_DEPLOYED');
    return live;
  }

  route(target: Target): Route {
    const live = this.deployment(target.modelName);
    const { deployment, models } = live;
    if (target.version) {
      const model = models.get(target.version);
      if (!model) {
        const deployed = [...models.keys()].sort((a, b) => a - b).join(', ');
        throw new RpcError(status.NOT_FOUND, `version ${target.version} of model "${target.modelName}" is not deployed (deployed: ${deployed})`, [{ field: 'version', description: 'not deployed' }], 'VERSION_NOT_DEPLOYED');
      }
      const arm = armsOf(deployment).find((a) => a.version === target.version && a.arm !== 'shadow' && a.arm !== 'standby')?.arm ?? 'pinned';
      return { live, arm, model };
    }
    if (target.alias && target.alias !== deployment.alias) {
      throw new RpcError(status.NOT_FOUND, `alias "${target.alias}" of model "${target.modelName}" is not deployed (the deployment serves "${deployment.alias}")`, [{ field: 'alias', description: 'not deployed' }], 'ALIAS_NOT_DEPLOYED');
    }
    const chosen = chooseArm(deployment, target.routingKey, Math.random);
    return { live, arm: chosen.arm, model: models.get(chosen.version)! };
  }

  async serve<P, R>(target: Target, requestId: string, ctx: CallContext, { check, prepare, infer }: Steps<P, R>): Promise<Served<R>> {
    const started = performance.now();
    const id = requestId || randomUUID();
    let route: Route;
    try {
      check?.();
      route = this.route(target);
    } catch (error) {
      // Refused before reaching a version: counted by model and code, with no version or arm to name.
      requests.add(1, { model: target.modelName, version: '', arm: '', protocol: target.protocol, 'rpc.grpc.status_code': codeOf(error) });
      throw error;
    }
    const releaseModel = route.model.hold();
    let release: (() => void) | undefined;
    try {
      release = await this.admission.acquire(ctx.signal);
      const prepared = await prepare(route);
      // The deadline itself, not only the signal: a lookup cut at the deadline returns the instant it passes.
      if (ctx.signal.aborted || (ctx.deadline && ctx.deadline.getTime() <= Date.now())) throw new RpcError(abortCode(ctx), 'the caller cancelled or its deadline passed before inference');
      const inferred = await infer(route.model, prepared);
      release();
      release = undefined;
      releaseModel();
      const latencyMs = performance.now() - started;
      // After the response is written: the log entry and the shadow copy never delay it, and cannot fail it.
      setImmediate(() => {
        try {
          this.account(target, route, id, latencyMs, status.OK, '', inferred);
          this.mirror(target, route, id, prepared, infer);
        } catch (error) {
          this.logger.error({ err: error, model: target.modelName }, 'accounting for a served prediction failed');
        }
      });
      return { result: inferred.result, route, requestId: id };
    } catch (error) {
      release?.();
      releaseModel();
      const rpcError = asRpcError(error, ctx);
      if (error instanceof AdmissionRefused) refused.add(1, { model: target.modelName, reason: error.reason });
      else this.account(target, route, id, performance.now() - started, codeOf(rpcError), (rpcError as Error).message);
      throw rpcError;
    }
  }

  private account(target: Target, route: Route, requestId: string, latencyMs: number, code: status, message: string, inferred?: Inferred<unknown>): void {
    const { deployment } = route.live;
    const version = route.model.servable.version;
    const attributes = { model: target.modelName, version: String(version), arm: route.arm, protocol: target.protocol };
    requests.add(1, { ...attributes, 'rpc.grpc.status_code': code });
    duration.record(latencyMs / 1000, attributes);
    if (code !== status.CANCELLED) this.stats.record(target.modelName, route.arm, version, latencyMs, code !== status.OK);
    if (!isLogged(deployment, Math.random)) return;
    this.log.record({
      requestId, modelName: target.modelName, version, arm: route.arm, revision: deployment.revision, protocol: target.protocol, predictedAt: new Date(),
      latencyMs, statusCode: code, errorMessage: message, sampleRate: deployment.logSampleRate,
      instances: () => (inferred ? loggedInstances(inferred.feeds, inferred.outputs(), inferred.entityKeys) : []),
    });
  }

  /** The shadow copy runs after the response is on its way, in its own bounded queue; its answer is only logged. */
  private mirror<P, R>(target: Target, route: Route, requestId: string, prepared: P, infer: (model: LoadedModel, prepared: P) => Promise<Inferred<R>>): void {
    const { deployment, models } = route.live;
    if (!deployment.shadow || route.arm === 'pinned' || !mirrorsToShadow(deployment, Math.random)) return;
    const shadow = models.get(deployment.shadow.version);
    if (!shadow) return;
    let admitted: Promise<() => void> | (() => void);
    try {
      admitted = this.shadowAdmission.acquire();
    } catch {
      shadowSkipped.add(1, { model: target.modelName });
      return;
    }
    const shadowRoute: Route = { live: route.live, arm: 'shadow', model: shadow };
    const releaseModel = shadow.hold();
    void Promise.resolve(admitted).then(async (release) => {
      const started = performance.now();
      try {
        const inferred = await infer(shadow, prepared);
        this.account(target, shadowRoute, requestId, performance.now() - started, status.OK, '', inferred);
      } catch (error) {
        const rpcError = asRpcError(error, SHADOW_CONTEXT);
        this.account(target, shadowRoute, requestId, performance.now() - started, codeOf(rpcError), (rpcError as Error).message);
        if (!(rpcError instanceof RpcError)) this.logger.warn({ err: error, model: target.modelName, version: shadow.servable.version }, 'shadow inference failed');
      } finally {
        release();
        releaseModel();
      }
    });
  }
}

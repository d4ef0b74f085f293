import { Inject, Injectable } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { metrics } from '@opentelemetry/api';
import { Events, OutboxWriter } from '@mlops/events';
import { RpcError } from '@mlops/grpc';
import { type SqlExecutor, type TransactionRunner } from '@mlops/persistence';
import { TRANSACTION_RUNNER } from '@mlops/platform';
import { ArtifactsService } from '../artifacts/artifacts.service';
import { OnnxInspector, UnloadableModelError } from '../artifacts/onnx-inspector';
import { AuditService } from '../audit/audit.service';
import { LATENCY_METRIC } from '../domain/policy';
import { type ModelVersion, type NewModelVersion, registrationFingerprint, type Stage, validateNewModelVersion } from '../domain/model-version';
import { LIMITS, validateTags } from '../domain/registered-model';
import { signatureMismatches } from '../domain/signature';
import { AliasRepository } from '../models/alias.repository';
import { RegisteredModelRepository } from '../models/registered-model.repository';
import { artifactTo, lineageTo, signatureTo } from '../registry.mapper';
import { ModelVersionRepository } from './model-version.repository';

const registrations = metrics.getMeter('registry').createCounter('registry.model_versions.registrations', { description: 'Model version registrations, by outcome' });

/** A registration whose content and artifact have been checked, ready to be stored. */
interface CheckedRegistration {
  input: NewModelVersion;
  fingerprint: string;
}

interface RegisterOptions {
  actor: string;
  /** Create the registered model when it does not exist (with this task). */
  createModel?: { task: number };
}

interface Registration {
  version: ModelVersion;
  created: boolean;
}

/** Immutable model versions: registered once per request id, after their artifact is checked against their signature. */
@Injectable()
export class ModelVersionService {
  constructor(
    private readonly models: RegisteredModelRepository,
    private readonly versions: ModelVersionRepository,
    private readonly aliases: AliasRepository,
    private readonly artifacts: ArtifactsService,
    private readonly inspector: OnnxInspector,
    private readonly audit: AuditService,
    private readonly outbox: OutboxWriter,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
  ) {}

  /** Registers a version, checking its artifact before the transaction that stores it. */
  async register(input: NewModelVersion, options: RegisterOptions): Promise<Registration> {
    const fingerprint = this.validated(input);
    const repeat = await this.versions.byRequestId(input.modelName, input.requestId);
    if (repeat) return this.repeated(repeat.version, repeat.fingerprint, fingerprint);
    const checked = await this.check(input, fingerprint);
    return this.transaction((tx) => this.store(tx, checked, options));
  }

  /** Registers a version in the caller's transaction; a repeated request id is answered before the artifact is read again. */
  async registerIn(tx: SqlExecutor, input: NewModelVersion, options: RegisterOptions): Promise<Registration> {
    const fingerprint = this.validated(input);
    const repeat = await this.versions.byRequestId(input.modelName, input.requestId, tx);
    if (repeat) return this.repeated(repeat.version, repeat.fingerprint, fingerprint);
    return this.store(tx, await this.check(input, fingerprint), options);
  }

  /** Field-level validation; the fingerprint of what was asked for. */
  private validated(input: NewModelVersion): string {
    const violations = validateNewModelVersion(input);
    if (violations.length > 0) {
      registrations.add(1, { outcome: 'invalid' });
      throw RpcError.invalidArgument('invalid model version', violations);
    }
    return registrationFingerprint(input);
  }

  /**
   * Reads the artifact (verified against its digest), opens it in onnxruntime and compares the graph
   * with the declared signature; a model that agrees is timed, and its single-row p99 latency becomes
   * the `latency_p99_ms` metric unless the request measured it already.
   */
  private async check(input: NewModelVersion, fingerprint: string): Promise<CheckedRegistration> {
    const { content, uri } = await this.artifacts.contentOf(input.artifact, 'artifact');
    const referenceProfile = input.referenceProfile && { ...input.referenceProfile, uri: await this.artifacts.located(input.referenceProfile, 'reference_profile') };
    let latencyP99Ms: number;
    try {
      ({ latencyP99Ms } = await this.inspector.inspect(content, input.signature, (observed) => {
        const mismatches = signatureMismatches(input.signature, observed);
        if (mismatches.length > 0) throw RpcError.invalidArgument('the signature does not match the artifact', mismatches);
      }));
    } catch (error) {
      registrations.add(1, { outcome: 'invalid' });
      if (error instanceof UnloadableModelError) throw RpcError.invalidArgument(error.message, [{ field: 'artifact', description: 'an ONNX model onnxruntime can open and run' }]);
      throw error;
    }
    const metrics = LATENCY_METRIC in input.metrics ? input.metrics : { ...input.metrics, [LATENCY_METRIC]: latencyP99Ms };
    return { input: { ...input, artifact: { ...input.artifact, uri, mediaType: input.artifact.mediaType || 'application/onnx' }, referenceProfile, metrics }, fingerprint };
  }

  /** Stores a checked registration in the caller's transaction, with its audit entry and event. */
  private async store(tx: SqlExecutor, { input, fingerprint }: CheckedRegistration, options: RegisterOptions): Promise<Registration> {
    let model = await this.models.lock(tx, input.modelName);
    if (!model && options.createModel) {
      const created = await this.models.insert(tx, { name: input.modelName, description: '', owner: options.actor, tags: {}, task: options.createModel.task });
      model = await this.models.lock(tx, input.modelName);
      if (created) {
        await this.audit.record(tx, { actor: options.actor, action: 'registered_model.create', modelName: created.name, reason: 'created with its first version', after: { task: created.task, owner: created.owner } });
        await this.outbox.enqueue(tx, Events.registeredModelCreated, created);
      }
    }
    if (!model) throw RpcError.notFound(`registered model "${input.modelName}" not found (set create_model to create it with this version)`);
    // Two identical requests can both pass the check above; the model lock lets only one insert.
    const repeat = await this.versions.byRequestId(input.modelName, input.requestId, tx);
    if (repeat) return this.repeated(repeat.version, repeat.fingerprint, fingerprint);
    const number = await this.models.nextVersion(tx, input.modelName);
    await this.versions.insert(tx, input, number, fingerprint, options.actor);
    await this.audit.record(tx, {
      actor: options.actor, action: 'model_version.create', modelName: input.modelName, version: number, reason: input.description,
      after: { request_id: input.requestId, artifact: input.artifact.digest, metrics: input.metrics, training_run_id: input.lineage.trainingRunId, dataset_snapshot_id: input.lineage.datasetSnapshotId },
    });
    await this.outbox.enqueue(tx, Events.modelVersionRegistered, {
      modelName: input.modelName, version: number, artifact: artifactTo(input.artifact), signature: signatureTo(input.signature), metrics: input.metrics,
      referenceProfile: artifactTo(input.referenceProfile), lineage: lineageTo(input.lineage), requestId: input.requestId, createdBy: options.actor,
    });
    registrations.add(1, { outcome: 'created' });
    return { version: (await this.versions.get(input.modelName, number, tx))!, created: true };
  }

  /** The answer to a repeated request id: the same version, unless the request asked for something else. */
  private repeated(version: ModelVersion, storedFingerprint: string, fingerprint: string): Registration {
    if (storedFingerprint !== fingerprint) {
      registrations.add(1, { outcome: 'request_id_reused' });
      throw new RpcError(
        status.ALREADY_EXISTS,
        `request id "${version.requestId}" already registered version ${version.version} of "${version.modelName}" with other content`,
        [{ field: 'request_id', description: 'use a new request id for a different registration' }],
        'REQUEST_ID_REUSED',
      );
    }
    registrations.add(1, { outcome: 'repeat' });
    return { version, created: false };
  }

  async get(modelName: string, selector: { version: number } | { alias: string }, executor?: SqlExecutor): Promise<ModelVersion> {
    const number = 'version' in selector ? selector.version : await this.aliasTarget(modelName, selector.alias, executor);
    const version = await this.versions.get(modelName, number, executor);
    if (!version) {
      if (!(await this.models.find(modelName, executor))) throw RpcError.notFound(`registered model "${modelName}" not found`);
      throw RpcError.notFound(`model "${modelName}" has no version ${number}`);
    }
    return version;
  }

  private async aliasTarget(modelName: string, alias: string, executor?: SqlExecutor): Promise<number> {
    const number = await this.aliases.versionOf(modelName, alias, executor);
    if (number > 0) return number;
    if (!(await this.models.find(modelName, executor))) throw RpcError.notFound(`registered model "${modelName}" not found`);
    throw RpcError.notFound(`model "${modelName}" has no alias "${alias}"`);
  }

  async list(modelName: string, offset: number, limit: number): Promise<ModelVersion[]> {
    if (!(await this.models.find(modelName))) throw RpcError.notFound(`registered model "${modelName}" not found`);
    return this.versions.list(modelName, offset, limit);
  }

  async setStage(modelName: string, number: number, stage: Stage, reason: string, actor: string): Promise<ModelVersion> {
    return this.transaction(async (tx) => {
      const before = await this.locked(tx, modelName, number);
      if (before.stage === stage) return before;
      await this.versions.setStage(tx, modelName, number, stage);
      await this.audit.record(tx, { actor, action: 'model_version.stage', modelName, version: number, reason, before: { stage: before.stage }, after: { stage } });
      return (await this.versions.get(modelName, number, tx))!;
    });
  }

  async setTags(modelName: string, number: number, set: Record<string, string>, remove: string[], actor: string): Promise<ModelVersion> {
    const violations = validateTags(set);
    if (violations.length > 0) throw RpcError.invalidArgument('invalid tags', violations);
    return this.transaction(async (tx) => {
      const before = await this.locked(tx, modelName, number);
      const tags = { ...before.tags, ...set };
      for (const key of remove) delete tags[key];
      if (Object.keys(tags).length > LIMITS.tags) throw RpcError.invalidArgument(`a version has at most ${LIMITS.tags} tags`, [{ field: 'tags', description: `at most ${LIMITS.tags} in all` }]);
      await this.versions.setTags(tx, modelName, number, tags);
      await this.audit.record(tx, { actor, action: 'model_version.tags', modelName, version: number, before: { tags: before.tags }, after: { tags } });
      return (await this.versions.get(modelName, number, tx))!;
    });
  }

  private async locked(tx: SqlExecutor, modelName: string, number: number): Promise<ModelVersion> {
    if (!(await this.models.lock(tx, modelName))) throw RpcError.notFound(`registered model "${modelName}" not found`);
    return this.get(modelName, { version: number }, tx);
  }
}
